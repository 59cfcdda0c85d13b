"""What a backward does to gradients, shared by the engine and the fused path: the input
buffers that sum a node's incoming gradients (with torch's reuse rules), `validate_grad`
(shape and dtype, as torch's validate_outputs) and `accumulate_grad` (AccumulateGrad's body,
attached as `AccumulateGrad.apply`: NOTE [Registration point])."""

from __future__ import annotations

import threading

from .. import _bind, _errors
from .. import _grad_mode as grad_mode
from .._graph import AccumulateGrad
from .._storage import guard_lowered_write
from ..ops.pointwise import add, copy_from, to
from ..ops.sum_to import is_expandable_to, sum_to
from ..tensor import Tensor

__all__ = ["InputBuffers", "validate_grad", "accumulate_grad", "add_arrays"]

# torch's AccumulateGrad takes the variable's own mutex: concurrent backwards into one leaf
# from several threads add up exactly (3 threads x 100 backwards = 300 contributions).
_ACCUMULATE_LOCK = threading.RLock()


def validate_grad(grad: Tensor, metadata: tuple, node_name: str, index: int) -> Tensor:
    """Bring a gradient to its input's shape and dtype, as torch's engine validate_outputs."""
    shape, dt = metadata
    if tuple(grad.shape) != tuple(shape):
        if not is_expandable_to(tuple(shape), tuple(grad.shape)):
            raise RuntimeError(_errors.INVALID_GRADIENT_SHAPE.format(
                node=node_name, index=index, got=list(grad.shape), expected=list(shape)))
        grad = sum_to(grad, tuple(shape))
    if grad.dtype is not dt:
        if grad.dtype.is_complex and not dt.is_complex:
            grad = grad.real  # torch's formulas take the real part (handle_r_to_c)
        grad = to(grad, dt)
    return grad


def accumulate_grad(variable: Tensor, grad: Tensor | None, create_graph: bool,
                    steal: bool) -> None:
    """AccumulateGrad's body: torch's rules for assigning or adding into `.grad`.

    NOTE [Gradient buffers and versions]
    torch reuses a gradient buffer when nothing else references it, and that is visible in
    `.grad._version`: a sum of two contributions is done in place (version 1), a buffer nobody
    else holds is stolen as `.grad` (keeping its version), anything else is cloned (clone is
    empty + copy_, so version 1). The engine tells us whether the buffer is exclusively ours:
    its own bookkeeping covers buffers it shares between nodes and the caller's root
    gradients; a reference a user hook kept is seen in the Python refcount. The input buffer
    sums into the buffered gradient in place only when the engine holds it alone, never into
    the incoming one (torch's InputBuffer::accumulate).
    """
    if grad is None or not variable._requires_grad:
        return  # torch: a leaf detached in place since the graph was recorded gets nothing
    guard_lowered_write(variable._storage)  # NOTE [Lowered tg.func levels]
    with _ACCUMULATE_LOCK:
        if variable._grad is None:
            if create_graph:
                # torch: clone_obey_contract -> empty_strided + copy_, a CopyBackwards node.
                new = copy_from(grad)
                new._vc.version = 1
                variable._grad = new
            elif steal:
                variable._grad = Tensor._make(grad._storage.array, vc=grad._vc)
            else:
                clone = Tensor._make(grad._storage.array)
                clone._vc.version = 1
                variable._grad = clone
        elif create_graph:
            # torch: out of place under create_graph so the sum stays differentiable.
            variable._grad = variable._grad + grad
        else:
            old = variable._grad
            with grad_mode.no_grad():
                summed = add(old, grad)
            old._set_array(summed._storage.array)
    if variable._post_acc_hooks:
        for hook in list(variable._post_acc_hooks.values()):
            if hook(variable) is not None:
                raise RuntimeError(_errors.POST_ACCUMULATE_HOOK_RETURNED)


def _accumulate_apply(self: AccumulateGrad, grads: list, create_graph: bool,
                      steal: bool = False) -> list:
    accumulate_grad(self.variable, grads[0], create_graph, steal)
    return []


_bind.attach(AccumulateGrad, __name__, apply=_accumulate_apply)


def add_arrays(a: Tensor, b: Tensor):
    """The array of `a + b` (no graph): an input buffer's in-place sum."""
    with grad_mode.no_grad():
        return add(a, b)._storage.array


class InputBuffers:
    """The gradients waiting for each node, summed as torch's InputBuffer does, with the
    bookkeeping of who holds each gradient (torch's use_count) that decides when a buffer is
    reused in place: see NOTE [Gradient buffers and versions]. Used by the engine and, on
    tracers, by the whole-graph fusion, so both follow the same rules."""

    __slots__ = ("owners", "alive", "create_graph")

    def __init__(self, create_graph: bool) -> None:
        self.owners: dict[int, int] = {}
        self.alive: list[Tensor] = []  # keeps ids unique while `owners` is in use
        self.create_graph = create_graph

    def root(self, grad: Tensor) -> None:
        """A gradient the caller holds (a root's)."""
        self.owners[id(grad)] = 1

    def place(self, buf: list, nr: int, grad: Tensor | None) -> None:
        if grad is None:
            return
        owners = self.owners
        owners[id(grad)] = owners.get(id(grad), 0) + 1
        self.alive.append(grad)
        old = buf[nr]
        if old is None:
            buf[nr] = grad
            return
        # torch's InputBuffer::accumulate: only the buffered gradient is reused (in place),
        # never the incoming one. It must also be the last reference to storage nobody else
        # shares (can_accumulate_inplace): a view of another gradient, e.g. a slice of the
        # user's `gradient=`, is not reused.
        if (not self.create_graph and old is not grad and owners.get(id(old)) == 1
                and old._base is None):
            old._set_array(add_arrays(old, grad))
            owners[id(grad)] -= 1
        else:
            new = old + grad
            # torch's add keeps its inputs' layout: the sum of two transposed gradients is
            # transposed too, so AccumulateGrad will clone rather than steal it.
            new._view_strided = old._view_strided and grad._view_strided
            owners[id(old)] -= 1
            owners[id(grad)] -= 1
            owners[id(new)] = 1
            self.alive.append(new)
            buf[nr] = new

    def taken(self, grads: list) -> None:
        """A node took its buffered gradients: the buffers no longer hold them."""
        owners = self.owners
        for g in grads:
            if g is not None and id(g) in owners:
                owners[id(g)] -= 1

    def exclusive(self, grad: Tensor) -> bool:
        """Nothing but the node about to run holds `grad` (and it is not a strided view):
        AccumulateGrad may steal it."""
        return self.owners.get(id(grad)) == 1 and not grad._view_strided
