"""In-place writes and views: torch's checks, history rebasing, CopySlices and
AsStridedBackward0.

An in-place op is computed out of place on a snapshot of its target and written back
(`inplace`). On a non-view the target's history becomes the op's node. On a view of `base`
the write rewrites `base`'s history: `base.grad_fn` becomes a `CopySlices` node wrapping the
op's own node, and the view's grad_fn becomes an `AsStridedBackward0` of the new base. The
backward of CopySlices takes the base's gradient, runs the wrapped node on its view region,
and writes the result back into that region. See NOTE [Views over immutable arrays] for how
values are shared.

`Tensor.grad_fn` is defined here (attached through NOTE [Registration point]): a view whose
base was written since its node was made gets a regenerated node.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from typing import Any

import jax.numpy as jnp

from .. import _bind, _dtype, _errors, _numerics
from .. import _grad_mode as grad_mode
from .._graph import Node, SavedTensor, _saved_hooks_state, grad_accumulator, gradient_edge
from .._storage import (ViewStorage, partial_overlap, scatter_function, storage_root,
                        untracked_write, view_function)
from ..tensor import CUSTOM_FUNCTION_VIEWS, Tensor, custom_function_view_error
from ._op import Op

__all__ = ["inplace", "check_inplace", "check_overlap", "finish_inplace", "CopySlices",
           "as_strided_view", "view_scatter", "ReshapedStorage", "base_chain"]


class ReshapedStorage(ViewStorage):
    """The storage of a tensor that is not a view but whose geometry an in-place view op
    (`t_`, `transpose_`, `squeeze_`, `unsqueeze_`) changed: it reads its root storage through
    `chain`, as a view does, so every alias of the old storage still sees its writes.
    `inverse` is the chain back from this tensor's array to the root's (those ops are
    invertible), for the views whose `_base` this tensor is (`base_chain`)."""

    __slots__ = ("inverse",)


def base_chain(t: Tensor) -> tuple:
    """The view chain of view `t` from its `_base`'s current array (its storage's chain starts
    at the root storage; they differ when the base's own geometry was changed in place)."""
    chain = t._storage.chain
    own = t._base._storage
    if type(own) is not ReshapedStorage:
        return chain
    n = len(own.chain)
    if chain[:n] == own.chain:
        return chain[n:]
    return own.inverse + chain

as_strided_view = Op(
    "_view_replay", "AsStridedBackward0", lambda self, chain: view_function(chain)(self),
    static=("chain",), dtype_rule="keep",
    grad_version=1,  # torch's as_strided_backward copies into fresh zeros
    derivatives={"self": lambda grad, self_sym_sizes, chain: view_scatter(
        Tensor._make(jnp.zeros(self_sym_sizes, grad._storage.array.dtype)), grad, chain)})
view_scatter = Op(
    "_view_scatter", "AsStridedScatterBackward0",
    lambda self, src, chain: scatter_function(chain)(self, src),
    inputs=("self", "src"), static=("chain",), dtype_rule="keep",
    derivatives={"self": lambda grad, chain: view_scatter(
        grad, as_strided_view(grad, chain) * 0, chain),
                 "src": lambda grad, chain: as_strided_view(grad, chain)})


class CopySlices(Node):
    """Base's node after an in-place op on one of its views. Matches torch's CopySlices."""

    __slots__ = ("_chain", "_fn")

    def apply(self, grads: list, create_graph: bool) -> list:
        grad = grads[0]
        result = [None] * len(self.next_functions)
        if grad is None:
            return result
        if self._fn is None:  # torch's CopySlices drops its fn on release: a second pass raises
            raise RuntimeError(_errors.BACKWARD_TWICE)
        grad_slice = as_strided_view(grad, self._chain)
        res = self._fn.apply([grad_slice], create_graph)
        if self.next_functions[0][0] is not None:
            src = res[0] if res and res[0] is not None else grad_slice * 0
            result[0] = view_scatter(grad, src, self._chain)
        for i in range(1, len(result)):
            result[i] = res[i] if i < len(res) else None
        return result

    def release_variables(self) -> None:
        if self._fn is not None:
            self._fn.release_variables()
            self._fn = None


def no_grad_view_message(t: Tensor, indirect: bool) -> str:
    """torch's handle_view_on_rebase text for a view made under no_grad (or a view of one):
    a view with a grad_fn is named by it, without "Backward0" ("Output 0 of Slice is a view
    of a view which was created in no_grad mode ...")."""
    fn = t._grad_fn
    text = _errors.NO_GRAD_FN_VIEW_INPLACE
    if fn is not None:
        name = type(fn).__name__
        name = name[:name.rindex("Backward")] if "Backward" in name else name
        text = text.replace("A view was created", f"Output {t._output_nr} of {name} is a view "
                            "of a view which was created", 1)
    if indirect:
        text = text.replace("is being", "its base or another view of its base has been", 1)
    return text + _errors.NO_GRAD_VIEW_SUFFIX


def check_inplace(t: Tensor, operands: Iterable[Any] = (), overlap_ok: bool = False) -> None:
    """torch's checks before any in-place write (leaf, view of leaf, no_grad view, overlap).

    `operands`: the op's other arguments; whether any requires grad decides, as torch's
    `check_inplace(self, requires_grad)`, whether a view without history may be written.
    `overlap_ok`: the op writes one value everywhere (fill_, zero_), which torch allows on
    a tensor whose elements alias (an expand)."""
    storage = t._storage
    if isinstance(storage, ViewStorage):
        if grad_mode.is_grad_enabled():
            if (storage.creation is not None and t._grad_fn is None and t._base is not None
                    and any(isinstance(o, Tensor) and o._requires_grad for o in operands)):
                # torch's handle_view_on_rebase for a view with no grad_fn (its base did not
                # require grad, or it was made under no_grad): the in-place op would give it
                # history, which its CreationMeta forbids.
                raise RuntimeError(_errors.NO_GRAD_FN_VIEW_INPLACE + (
                    _errors.MULTI_OUTPUT_SUFFIX if storage.creation == "multi"
                    else _errors.NO_GRAD_VIEW_SUFFIX))
            if storage.multi_output is not None and t._requires_grad:
                index, name = storage.multi_output
                raise RuntimeError(_errors.MULTI_OUTPUT_VIEW_INPLACE.format(index=index,
                                                                            name=name))
            if CUSTOM_FUNCTION_VIEWS and t._requires_grad:
                err = custom_function_view_error(t, indirect=False)
                if err is not None:
                    raise err
            if storage.no_grad_view and t._base is not None:  # (not a detach()ed alias)
                raise RuntimeError(no_grad_view_message(t, indirect=False))
            root = t._base
            # torch: `self.requires_grad() && self._base().is_leaf()` (the base may have been
            # detached in place since the view was made).
            if root is not None and root._grad_fn is None and (root._requires_grad
                                                                or t._requires_grad):
                raise RuntimeError(_errors.VIEW_OF_LEAF_INPLACE)
            if root is None and t._requires_grad and t._grad_fn is None:
                raise RuntimeError(_errors.LEAF_INPLACE)  # a leaf over a view's storage
        # (torch's kernel checks overlap after autograd's checks.)
        if storage.overlapping and not overlap_ok:
            raise RuntimeError(_errors.INPLACE_OVERLAP)
    elif (t._base is not None and not t._requires_grad and grad_mode.is_grad_enabled()
          and any(isinstance(o, Tensor) and o._requires_grad for o in operands)):
        # A view over a plain storage without history: a gradient a backward made as a view
        # (of its incoming gradient or a temporary; ops/_fusion.py). torch made it with grad
        # mode off (CreationMeta NO_GRAD_MODE), so an in-place op giving it history raises.
        raise RuntimeError(_errors.NO_GRAD_FN_VIEW_INPLACE + _errors.NO_GRAD_VIEW_SUFFIX)
    elif t._requires_grad and grad_mode.is_grad_enabled():
        if CUSTOM_FUNCTION_VIEWS and t._base is not None:
            # An input returned as-is by a custom Function: an alias sharing a plain storage.
            err = custom_function_view_error(t, indirect=False)
            if err is not None:
                raise err
        if t._grad_fn is None:
            raise RuntimeError(_errors.LEAF_INPLACE)


def check_overlap(t: Tensor, operands: Iterable[Any]) -> None:
    """torch's kernel check that no operand shares memory with `t` in part (NOTE [Memory
    overlap] in `_storage.py`); operands over other storages cost one identity test."""
    root = None
    for o in operands:
        if isinstance(o, Tensor) and o is not t:
            if root is None:
                root = storage_root(t._storage)
            if (storage_root(o._storage) is root
                    and partial_overlap(t._storage, tuple(t.shape), o._storage, tuple(o.shape))):
                raise RuntimeError(_errors.PARTIAL_OVERLAP)


# In-place ops whose torch kernels make no overlap check: a 0-d tensor value read as a number
# (fill_, masked_fill_, index_fill_), and kernels that do not go through TensorIterator's or
# the indexing ops' checks (torch's result then depends on its write order: README).
# ldexp_ is a composite in torch (mul_ by 2 ** other: a fresh operand).
_NO_OVERLAP_CHECK = frozenset({"fill_", "masked_fill_", "index_fill_", "masked_scatter_",
                               "addmm_", "addmv_", "addr_", "addbmm_", "baddbmm_", "ldexp_"})


def finish_inplace(t: Tensor, out: Tensor) -> Tensor:
    """Write `out` (computed out of place from a snapshot of `t`) into `t`; rebase history."""
    new = out._storage.array
    if not grad_mode.is_grad_enabled():  # NOTE [Untracked writes under JAX transforms]
        new = untracked_write(t._storage.array, new)
    t._set_array(new)
    if out._grad_fn is None:
        return t
    storage = t._storage
    if not isinstance(storage, ViewStorage) or t._base is None:
        # In-place on a non-view: its history becomes the in-place op's node.
        t._grad_fn = out._grad_fn
        t._output_nr = out._output_nr
        t._requires_grad = True
        return t
    root = t._base
    fn = out._grad_fn
    node = CopySlices((gradient_edge(root),) + tuple(fn.next_functions[1:]),
                      ((tuple(root.shape), root.dtype),))
    node._chain = base_chain(t)
    node._fn = fn
    root._grad_fn = node
    root._output_nr = 0
    root._requires_grad = True
    _replay_view(t)
    return t


def snapshot(t: Tensor) -> Tensor:
    """What an in-place op computes from: `t`'s value and history, not its storage box.

    See NOTE [Saved tensors]: the formula saves the snapshot (torch saves self.clone()), so
    writing into `t` does not trip the version check of this very node."""
    s = Tensor._make(t._storage.array, t._grad_fn, t._output_nr)
    s._requires_grad = t._requires_grad
    return s


# torch's clone, set by ops/pointwise.py (which imports this module): an in-place op whose
# formula reads `self` saves torch's `original_self = self.clone()`.
clone_for_save: Callable | None = None


def _save_original_self(node: Any, snap: Tensor) -> None:
    """torch's in-place ops save a recorded clone of `self` (CloneBackward0 to self's history)
    where the formula reads it: a create_graph backward reaches self through that clone."""
    saved = getattr(node, "_saved", None)
    s = saved.get("self") if saved else None
    if type(s) is not SavedTensor or s.is_output or s.tensor is not snap:
        return  # (saved with hooks: `_pack_saved` makes the clone)
    clone = clone_for_save(snap)
    s.tensor, s.vc, s.saved_version = clone, clone._vc, clone._vc.version
    s.non_leaf = True


def _run_unpacked(fn: Callable, snap: Tensor, args: tuple, kwargs: dict) -> Tensor:
    """`fn(snap, ...)` with the saved-tensor hooks suspended: `_pack_saved` packs what it
    saved once the in-place write is done, as torch's in-place ops do."""
    state = _saved_hooks_state
    stack = state.stack
    state.stack = []
    try:
        return fn(snap, *args, **kwargs)
    finally:
        state.stack = stack


def _pack_saved(node: Any, snap: Tensor, target: Tensor) -> None:
    """Pack an in-place op's saved values with the active hooks, in the node's order: torch
    packs its clone of self (`original_self`, made where the formula reads self) and, for a
    saved result, the target itself after the write (so a later write into the target is
    what an identity hook's unpack returns, as in torch)."""
    saved = getattr(node, "_saved", None)
    if not saved:
        # A generic (JaxFunction) node keeps its inputs in a list: packed as they are.
        inputs = getattr(node, "_saved_inputs", None)
        if inputs:
            node._saved_inputs = [SavedTensor(v.tensor, is_output=False)
                                  if type(v) is SavedTensor else v for v in inputs]
        return
    s = saved.get("self")
    clone = (clone_for_save(snap) if snap._requires_grad and type(s) is SavedTensor
             and not s.is_output and s.tensor is snap else None)
    for k, v in saved.items():
        if type(v) is SavedTensor:
            t = target if v.is_output else clone if (k == "self" and clone is not None) \
                else v.tensor
            saved[k] = SavedTensor(t, is_output=v.is_output)


def inplace(fn: Callable, name: str | None = None, overlap_ok: bool = False) -> Callable:
    """`Tensor.<name>_` from the out-of-place `fn`: torch's checks, `fn` on a snapshot, the
    result cast back to the target's dtype (torch's error if it cannot be) and written in."""
    def method(self, *args: Any, **kwargs: Any) -> Tensor:
        check_inplace(self, (*args, *kwargs.values()), overlap_ok)
        if overlap_check:
            check_overlap(self, (*args, *kwargs.values()))
        # With saved-tensor hooks active, the op saves unhooked and packs after the write.
        hooked = bool(_saved_hooks_state.stack) and grad_mode.is_grad_enabled()
        if _numerics.autocast is not None:
            # torch never autocasts an in-place op (NOTE [Autocast]).
            hooked = False
            state = _numerics.suspend()
            try:
                out = fn(snap := snapshot(self), *args, **kwargs)
            finally:
                _numerics.resume(state)
        elif hooked:
            out = _run_unpacked(fn, snap := snapshot(self), args, kwargs)
        else:
            out = fn(snap := snapshot(self), *args, **kwargs)
        if not hooked and out._grad_fn is not None and snap._requires_grad:
            _save_original_self(out._grad_fn, snap)
        if out._storage.array.shape != self._storage.array.shape:
            # torch's TensorIterator: an in-place result must keep the target's shape.
            raise RuntimeError(_errors.INPLACE_BROADCAST.format(shape=list(self.shape),
                                                                broadcast=list(out.shape)))
        if out.dtype is not self.dtype:
            if not _dtype.can_cast(out.dtype, self.dtype):
                raise RuntimeError(_errors.RESULT_TYPE_CAST.format(
                    src=out.dtype.scalar_name, dst=self.dtype.scalar_name))
            # torch's in-place kernel casts as it writes: the node stays the op's own
            # (AddBackward0, not ToCopyBackward0), so the cast records nothing.
            with grad_mode.no_grad():
                cast = out.to(self.dtype)
            cast._grad_fn, cast._output_nr = out._grad_fn, out._output_nr
            cast._requires_grad = out._requires_grad
            out = cast
        finish_inplace(self, out)
        _retarget_saved_result(out._grad_fn, self)
        if hooked and out._grad_fn is not None:
            _pack_saved(out._grad_fn, snap, self)
        return self

    method.__name__ = method.__qualname__ = name or getattr(fn, "__name__", "op") + "_"
    overlap_check = method.__name__ not in _NO_OVERLAP_CHECK
    method.__doc__ = f"In-place `{getattr(fn, '__name__', 'op')}`."
    method.__wrapped__ = fn  # for introspection (the stub generator)
    return method


def _retarget_saved_result(node: Any, target: Tensor) -> None:
    # The node's saved `result` is the in-place target now: checked against its version.
    saved = getattr(node, "_saved", None)
    if not saved:
        return
    value = saved.get("result")
    if isinstance(value, SavedTensor):
        value.vc = target._vc
        value.saved_version = target._vc.version


def _replay_view(t: Tensor) -> None:
    root = t._base
    with grad_mode.enable_grad():
        source = Tensor._make(None, root._grad_fn, root._output_nr, root._vc, root._storage)
        source._requires_grad = True
        if root._grad_fn is None and root._requires_grad:
            # A leaf base (written in place without history: under no_grad, or by a custom
            # Function's forward): the replayed view's edge is the leaf's own AccumulateGrad.
            acc = grad_accumulator(root)
            if acc is not None:
                source._grad_acc = weakref.ref(acc)
        replay = as_strided_view(source, base_chain(t))
    if root._grad_fn is None and not root._requires_grad:
        # The base stopped requiring grad (detach_): torch's regenerated node has no edge.
        replay._grad_fn.next_functions = ((None, 0),)
    t._grad_fn = replay._grad_fn
    t._output_nr = 0
    t._requires_grad = True
    t._view_version = t._vc.version


def _grad_fn(self: Tensor) -> Node | None:
    """The node that made this tensor (None for a leaf). Matches `torch.Tensor.grad_fn`.

    torch: a view whose version moved past the one its grad_fn was made at gets a new
    grad_fn replaying the view on the base's current history (AsStridedBackward0), so
    gradients flow through the in-place write."""
    base = self._base
    # torch's VariableHooks::grad_fn: a view without a grad_fn whose base does not require
    # grad keeps none; any other view whose version moved is regenerated.
    if (base is None or self._vc.version == self._view_version
            or not isinstance(base, Tensor)  # a fused backward's opaque base: no history
            or (self._grad_fn is None and base._grad_fn is None
                and not base._requires_grad)):
        return self._grad_fn
    if CUSTOM_FUNCTION_VIEWS:
        err = custom_function_view_error(self, indirect=True)
        if err is not None:
            raise err
    if getattr(self._storage, "creation", None) == "no_grad" or (
            type(self._storage) is not ViewStorage and not self._requires_grad):
        # torch's handle_view_on_rebase(indirect=True) for a view made under no_grad (or a
        # gradient a backward made as a view: a plain storage with a base, ops/_fusion.py).
        raise RuntimeError(no_grad_view_message(self, indirect=True))
    multi_output = getattr(self._storage, "multi_output", None)
    if multi_output is not None:
        # torch's handle_view_on_rebase(indirect=True) for a multi-output view.
        raise RuntimeError(_errors.MULTI_OUTPUT_VIEW_INPLACE.format(
            index=multi_output[0], name=multi_output[1]).replace(
                _errors.CUSTOM_VIEW_DIRECT, _errors.CUSTOM_VIEW_INDIRECT, 1))
    if isinstance(self._storage, ViewStorage):
        _replay_view(self)
    else:
        self._view_version = self._vc.version
    return self._grad_fn


_bind.attach(Tensor, __name__, grad_fn=property(_grad_fn))
