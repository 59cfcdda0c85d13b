"""Running an `Op` forward: argument binding, the dtype signature, the cached kernel call, and
recording the node (edges, saved values) when an input requires grad; views get shared
storage. `Op.__call__` and `Op.apply` are the functions here (see `_op.py`).

This is the per-op hot path: written for speed (one pass over the inputs, cached compute
dtypes and save plans, no helper calls where an inline test does).
"""

from __future__ import annotations

from typing import Any

import functools

import jax
import jax.numpy as jnp

from .._compilation_cache import jit as _cc_jit
from .. import _checks, _device, _dtype, _errors, _lru, _numerics
from .._x64 import enabled as _x64_enabled
from .._x64 import restore as _x64_restore
from .._x64 import swap_on as _x64_on
from .. import _grad_mode as grad_mode
from .._graph import Node, SavedTensor, gradient_edge
from .._storage import ViewStorage, cut
from ..tensor import Tensor
from ._autocast import run_op as _autocast_run_op

__all__ = ["call", "apply", "SavedScalar", "make_views"]

# The thread-local grad mode, read directly on the hot path (one attribute read). Outputs of
# ops run under no_grad go through `cut` (stop_gradient for JAX tracers only): NOTE
# [Untracked writes under JAX transforms] in _storage.py.
_grad_state = grad_mode._state


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, complex, bool)) and not isinstance(x, Tensor)


class SavedScalar:
    """A Python number passed in a Tensor slot (`x * 2`'s `other`), saved for backward.

    torch wraps the number in a 0-d tensor and saves it as a SavedVariable, so it is freed by
    backward like any saved tensor (a second backward raises) and `_saved_other` shows it as
    a tensor. Formulas still receive the number (so create_graph records the same nodes).
    """

    __slots__ = ("value", "freed")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.freed = False

    def unpack(self, node: Node) -> Any:
        if self.freed:
            raise RuntimeError(_errors.BACKWARD_TWICE)
        return self.value

    def as_tensor(self, node: Node) -> Tensor:
        # torch wraps a number as a 0-d bool/int64/float64/complex128 tensor.
        value = self.unpack(node)
        with _x64_enabled():
            return Tensor._make(jnp.asarray(value, _WRAPPED_DTYPES[type(value)]))

    def release(self) -> None:
        self.freed = True


# More than one JAX device in this process (a GPU machine): only then can an op's inputs be
# on different devices, and only then does `apply` check them (NOTE [Devices]).
_MULTI_DEVICE = _device.MULTI

_WRAPPED_DTYPES = {bool: jnp.bool_, int: jnp.int64, float: jnp.float64,
                   complex: jnp.complex128}

# Kinds of a compiled save plan entry (_compile_save_plan).
_SAVE_INPUT, _SAVE_OUTPUT, _SAVE_STATIC, _SAVE_SIZES, _SAVE_GENERIC = range(5)


def call(op, *args: Any, **kwargs: Any) -> Any:
    """`op(*tensors, *statics, **kw)`: bind the arguments by the declaration, then `apply`."""
    n_in = len(op.input_names)
    if op.variadic:
        values = list(args[0])
        rest = args[1:]
    else:
        values = list(args[:n_in])
        rest = args[n_in:]
        while len(values) < n_in:
            name = op.input_names[len(values)]
            if name in kwargs:
                values.append(kwargs.pop(name))
            else:
                raise TypeError(f"{op.name}() missing required argument '{name}'")
    static = dict(op.defaults)
    for name, value in zip(op.static, rest):
        static[name] = value
    for name, value in kwargs.items():
        if name not in op.static:
            raise TypeError(f"{op.name}() got an unexpected keyword argument '{name}'")
        static[name] = value
    for name, value in static.items():
        if isinstance(value, list):
            static[name] = tuple(value)
    return apply(op, values, static)


# NOTE [Scalar operands]: a Python number passed to a jitted kernel is converted to a device
# scalar by JAX at every call (a few µs, more under x64). The same weak-typed scalar made once
# by `jnp.asarray` traces identically (same dtype, same weak type: torch's wrapped-number
# rules are unchanged) and skips that conversion, so the numbers `x * 2`, `x + 1` use are
# kept here (bounded; cleared when full). Not kept: 0.0 (-0.0 == 0.0 would share a key), NaN
# (never equal to itself) and anything on a multi-device machine (an uncommitted scalar there
# would sit on the default device); an int beyond int64 is torch's OverflowError.
_SCALARS: dict = {}
_SCALARS_MAX = 1024
_INT64 = (-2 ** 63, 2 ** 63)


def _scalar_operand(v: Any) -> Any:
    t = type(v)
    key = (t, v)
    try:
        return _SCALARS[key]
    except KeyError:
        pass
    except TypeError:  # unhashable: let JAX refuse it as before
        return v
    if t is int and not _INT64[0] <= v < _INT64[1]:
        # torch's, converting it to a Scalar (which takes [2**63, 2**64) as uint64: that range
        # still reaches JAX, whose OverflowError words it differently)
        if v < _INT64[0]:
            raise OverflowError(_errors.NEGATIVE_INT_UNSIGNED)
        if v >= 2 ** 64:
            raise OverflowError(_errors.INT_TOO_BIG)
        return v
    if _MULTI_DEVICE or t not in (int, float, bool) or (t is float and (v == 0 or v != v)):
        return v
    if len(_SCALARS) >= _SCALARS_MAX:
        _SCALARS.clear()
    with jax.ensure_compile_time_eval():  # a concrete array even while tracing
        a = _SCALARS[key] = jnp.asarray(v)
    return a


def apply(op, values: list, static: dict) -> Any:
    """Run `op` on tensor inputs `values` (Tensors or allowed numbers) and statics.

    `static` is only read (Tensor methods pass the op's shared `defaults` dict)."""
    prev = _x64_on()  # NOTE [x64]
    try:
        return _apply(op, values, static)
    finally:
        _x64_restore(prev)


def _apply(op, values: list, static: dict) -> Any:
    # (The hot path of every eager op: module-level reads kept few; op_overhead measures it.)
    if _numerics.autocast is not None:  # an autocast region (NOTE [Autocast])
        return _autocast_run_op(op, values, static, apply)
    if _lru.over_budget:  # see NOTE [Compiled-code budget]; never inside a trace
        if not any(isinstance(v, Tensor) and isinstance(v._storage.array, jax.core.Tracer)
                   for v in values):
            _lru.clear_compiled()
    # One pass: check the inputs, collect their arrays, the dtype signature and whether any
    # requires grad.
    arrays = []
    sig = []
    any_rg = False
    for i, v in enumerate(values):
        if isinstance(v, Tensor):
            a = v._storage.array
            arrays.append(a)
            sig.append((a.dtype, a.ndim == 0))
            if v._requires_grad:
                any_rg = True
            elif (v._base is not None and v._vc.version != v._view_version
                  and type(v._storage) is ViewStorage):
                # A view whose base gained history since (torch: a view requires grad if
                # its base does): its grad_fn is regenerated, as torch's edge lookup does.
                v.grad_fn
                any_rg = v._requires_grad
        else:
            name = op.input_names[0] if op.variadic else op.input_names[i]
            if not (_is_number(v) and (name in op.scalars)):
                # torch's Python signature calls the first tensor `input`.
                raise TypeError(_errors.ARGUMENT_NOT_TENSOR.format(
                    name=op.name, arg="input" if name == "self" else name, position=i + 1,
                    type_name=type(v).__name__))
            arrays.append(_scalar_operand(v))
            sig.append(type(v))
    if _MULTI_DEVICE:
        arrays = _device.check_same_device(arrays)
    # The compute dtype depends only on the inputs' dtypes, zero-dim-ness and the Python
    # types of numbers (torch's result_type): cache it per that signature.
    sig = tuple(sig)
    try:
        cd = op.cd_cache[sig]
    except KeyError:
        cd = op.cd_cache[sig] = op.compute_dtype(values)
    try:
        if op.variadic and len(arrays) > _CHUNK and op.chunked:
            out = _chunked(op, arrays, cd.np if cd is not None else None, static)
        else:
            out = (op.jit(*arrays, _cd=cd.np if cd is not None else None, **static)
                   if not op.traced else op.kernel_call(arrays, cd.np if cd is not None
                                                        else None, static))
    except (TypeError, ValueError) as exc:
        # Checked only once JAX has refused, so the common path pays nothing.
        if "incompatible shapes for broadcasting" in str(exc).lower():
            error = _broadcast_error(values)
            if error is not None:
                raise error from None
        raise
    if op.simple:
        # The common case (one output, no dtype fix-up, not a view), kept short.
        if _grad_state.grad_enabled:
            if any_rg and op.node_cls is not None:
                return record(op, values, static, [out])[0]
            return Tensor._make(out)
        return Tensor._make(cut(out))  # no_grad under a JAX transform: cut for JAX's AD
    outs = list(out) if op.multi else [out]
    if op.out_dtype is not None and cd is not None:
        od = op.out_dtype(cd).np
        outs = [a if a.dtype == od else a.astype(od) for a in outs]
    if any_rg and op.node_cls is not None and grad_mode.is_grad_enabled():
        results = record(op, values, static, outs)
    else:
        results = [Tensor._make(a if _grad_state.grad_enabled else cut(a)) for a in outs]
    if op.view is not None:
        make_views(op, values[0], static, results)
    if not op.multi:
        return results[0]
    return tuple(results) if op.outputs != "*" else list(results)


# A list op (cat, stack) of more tensors than this runs its kernel on chunks of this many and
# concatenates the results: one program with 10k operands takes longer to compile than to run.
_CHUNK = 64


@functools.partial(_cc_jit, static_argnums=1)
def _concatenate(arrays, dim):
    return jnp.concatenate(arrays, axis=dim)


def _chunked(op, arrays: list, cd, static: dict):
    """`op`'s kernel on chunks of `_CHUNK` tensors (one compilation for all full chunks),
    joined along `static["dim"]`: cat(all) = cat(cat(chunks)), stack(all) = cat(stack(chunks))."""
    parts = [op.jit(*arrays[i:i + _CHUNK], _cd=cd, **static)
             for i in range(0, len(arrays), _CHUNK)]
    return _concatenate(parts, static["dim"])


def _broadcast_error(values: list) -> RuntimeError | None:
    """torch's error for inputs whose shapes do not broadcast (TensorIterator's infer_size)."""
    shape: tuple = ()
    try:
        for v in values:
            if isinstance(v, Tensor):
                shape = _checks.broadcast_shapes(shape, v._storage.array.shape)
    except RuntimeError as error:
        return error
    return None


def record(op, values: list, static: dict, arrays: list) -> list[Tensor]:
    """Make the node of this call and the output tensors that point at it."""
    diff_values = values if op.diff_all else [values[i] for i in op.diff_idx]
    next_functions = []
    needs = []
    for v in diff_values:
        if isinstance(v, Tensor):
            fn = v._grad_fn
            if fn is not None and v._base is None:
                next_functions.append((fn, v._output_nr))
                needs.append(True)
            else:
                edge = gradient_edge(v)
                next_functions.append(edge)
                needs.append(edge[0] is not None)
        else:
            next_functions.append((None, 0))
            needs.append(False)
    needs = tuple(needs)
    from_np = _dtype.from_numpy_dtype
    if len(arrays) == 1:
        a = arrays[0]
        dt = from_np(a.dtype)
        metadata = ((a.shape, dt),)
        node = op.node_cls(tuple(next_functions), metadata)
        # Integer outputs (indices) never require grad and get no grad_fn.
        outs = [Tensor._make(a, node, 0) if dt.is_floating_point or dt.is_complex
                else Tensor._make(a)]
    else:
        metadata = tuple([(a.shape, from_np(a.dtype)) for a in arrays])
        node = op.node_cls(tuple(next_functions), metadata)
        outs = []
        for i, a in enumerate(arrays):
            dt = metadata[i][1]
            outs.append(Tensor._make(a, node, i) if dt.is_floating_point or dt.is_complex
                        else Tensor._make(a))
    plan = op.save_plans.get(needs)
    if plan is None:
        plan = op.save_plans[needs] = _compile_save_plan(op, op.save_plan(needs))
    saved = {}
    for p, kind, j in plan:
        if kind == _SAVE_INPUT:
            v = values[j]
            saved[p] = (SavedTensor(v, is_output=False) if isinstance(v, Tensor)
                        else SavedScalar(v))
        elif kind == _SAVE_OUTPUT:
            saved[p] = SavedTensor(outs[j], is_output=True)
        elif kind == _SAVE_STATIC:
            saved[p] = static[p]
        elif kind == _SAVE_SIZES:
            v = values[j]
            saved[p] = v._storage.array.shape if isinstance(v, Tensor) else ()
        else:
            saved[p] = _save(op, p, values, static, outs)
    node._saved = saved
    node._args = None
    return outs


def _compile_save_plan(op, names: tuple[str, ...]) -> tuple:
    """(name, kind, index) per saved value, resolving at plan time what `_save` looks up
    per call (same precedence); anything unusual keeps the generic `_save`."""
    plan = []
    for p in names:
        if p == "result" and op.outputs == "*":
            plan.append((p, _SAVE_GENERIC, -1))
        elif op.outputs != "*" and p in op.outputs:
            plan.append((p, _SAVE_OUTPUT, op.outputs.index(p)))
        elif p in op.static:  # (every call passes every static)
            plan.append((p, _SAVE_STATIC, -1))
        elif not op.variadic and p in op.input_names:
            plan.append((p, _SAVE_INPUT, op.input_names.index(p)))
        elif not op.variadic and p.endswith("_sym_sizes") and p[:-10] in op.input_names:
            plan.append((p, _SAVE_SIZES, op.input_names.index(p[:-10])))
        else:
            plan.append((p, _SAVE_GENERIC, -1))
    return tuple(plan)


def _save(op, p: str, values: list, static: dict, outs: list) -> Any:
    if p == "result" and op.outputs == "*":
        return [SavedTensor(o, is_output=True) for o in outs]
    if op.outputs != "*" and p in op.outputs:
        return SavedTensor(outs[op.outputs.index(p)], is_output=True)
    if p in static:
        return static[p]
    if op.variadic:
        base = op.input_names[0]
        if p == f"{base}_sym_sizes":
            return tuple(tuple(v.shape) for v in values)
        if p == f"{base}_dtype":
            return tuple(v.dtype for v in values)
        raise TypeError(f"{op.name}: cannot save {p!r} of a list input")
    for name, v in zip(op.input_names, values):
        if p == name:
            return SavedTensor(v, is_output=False) if isinstance(v, Tensor) else SavedScalar(v)
        if p == f"{name}_sym_sizes":
            return tuple(v.shape) if isinstance(v, Tensor) else ()
        if p == f"{name}_dtype":
            return v.dtype if isinstance(v, Tensor) else _dtype.scalar_dtype(v)
    raise AssertionError(p)


def make_views(op, base: Tensor, static: dict, results: list) -> None:
    """Make `results` views of `base`: shared storage and version counter, torch's `._base`.

    See NOTE [Views over immutable arrays] in `_storage.py`."""
    strided = base._view_strided or op.view(static, base)
    storage = base._storage
    if isinstance(storage, ViewStorage):
        root, chain = storage.root, storage.chain
        overlapping, no_grad_view = storage.overlapping, storage.no_grad_view
    else:
        root, chain, overlapping, no_grad_view = storage, (), False, False
    root_tensor = base._base if base._base is not None else base
    static_items = tuple(sorted(static.items()))
    overlapping = overlapping or (op.overlapping is not None and op.overlapping(static, base))
    no_grad_view = no_grad_view or (not grad_mode.is_grad_enabled() and base._requires_grad)
    multi = len(results) > 1 or op.outputs == "*"
    # torch's CreationMeta propagates: a view of a multi-output view is forbidden in-place too.
    inherited = isinstance(storage, ViewStorage) and storage.multi_output is not None
    # torch's as_view: NO_GRAD_MODE under no_grad, MULTI_OUTPUT_NODE for several views,
    # else the base view's CreationMeta (propagate_creation_meta).
    creation = ("no_grad" if not grad_mode.is_grad_enabled() else "multi" if multi
                else storage.creation if isinstance(storage, ViewStorage) else None)
    for i, r in enumerate(results):
        r._storage = ViewStorage(root, chain + ((op, static_items, i if multi else None),),
                                 r._storage.array, overlapping, no_grad_view)
        r._storage.creation = creation
        if creation == "no_grad" and base._requires_grad:
            # NOTE in ViewStorage.drop_edge: torch's view requires_grad is its base's.
            r._requires_grad = True
            r._storage.drop_edge = True
        if (multi or inherited) and r._grad_fn is not None:
            # torch forbids in-place on outputs of ops returning several views.
            r._storage.multi_output = (i, op.node_name.replace("Backward0", ""))
        r._vc = base._vc
        r._base = root_tensor
        r._view_strided = strided
        r._view_version = base._vc.version
