"""The shared boxes behind aliasing: a Storage holds the current array, a VersionCounter the
number of in-place writes. JAX arrays are immutable, so an in-place op swaps the array inside
the box; every tensor sharing the box sees the new value.

NOTE [Storage and version counter]
torch's `detach()` shares both storage and version counter with its source; `.data` shares the
storage but gets a fresh version counter (so autograd cannot see writes made through it). A
tensor therefore holds the two boxes separately.
"""

from __future__ import annotations

import contextlib
import threading

import jax
import jax.numpy as jnp

from ._compilation_cache import jit as _cc_jit
from . import _x64
from ._lru import LRU


class Storage:
    __slots__ = ("array",)

    def __init__(self, array) -> None:
        self.array = array


class VersionCounter:
    __slots__ = ("version",)

    def __init__(self, version: int = 0) -> None:
        self.version = version


class InferenceVersionCounter(VersionCounter):
    """The counter of an inference tensor: a marker (torch keeps no counter for these).

    See NOTE [Inference tensors] in tensor.py."""

    __slots__ = ()


class ViewStorage(Storage):
    """The storage of a view: reads through to the root storage, writes scatter back into it.

    NOTE [Views over immutable arrays]
    JAX arrays cannot alias, so a view keeps the chain of view ops that made it from its root
    (`chain`: a hashable tuple of (op, static args, output index)). Reading recomputes the view
    from the root's current array when the root changed since last read; writing maps the new
    values back through the same chain (exactly: the chain is applied to integer positions to
    find which root elements the view covers). This gives torch's aliasing: an in-place write
    through any view is seen through the base and every other view of it.
    """

    __slots__ = ("root", "chain", "_cache_root", "overlapping", "no_grad_view", "multi_output",
                 "creation", "drop_edge")

    def __init__(self, root: Storage, chain: tuple, array, overlapping: bool = False,
                 no_grad_view: bool = False) -> None:
        # Note: no super().__init__: `array` is a property here.
        self.root = root
        self.chain = chain
        self._cache_root = root.array
        Storage.array.__set__(self, array)
        self.overlapping = overlapping  # written-to elements alias (an expand): torch refuses
        self.no_grad_view = no_grad_view  # made in no_grad from a tensor requiring grad
        self.multi_output = None  # (index, op name) for outputs of split/unbind with grad
        # torch's CreationMeta whatever the base's requires_grad: "multi" (an output of an op
        # returning several views, made in grad mode), "no_grad" (made in no_grad mode) or
        # None (DEFAULT); a view of a view inherits it unless its own is not DEFAULT.
        self.creation = None
        # A view made under no_grad of a tensor requiring grad: torch reports requires_grad
        # (a view's requires_grad() includes its base's) but it has no AccumulateGrad (its own
        # flag is off), so gradients reaching it are dropped. Cleared by requires_grad_().
        self.drop_edge = False

    @property
    def array(self):  # type: ignore[override]
        root_array = self.root.array
        if root_array is not self._cache_root:
            # Inside a tg.func trace, computed now rather than staged: the cache outlives it.
            staged = LOWERING.levels and not isinstance(root_array, _TRACER)
            with _x64.enabled(), (jax.ensure_compile_time_eval() if staged else _NO_CONTEXT):
                Storage.array.__set__(self, view_function(self.chain)(root_array))
            self._cache_root = root_array
        return Storage.array.__get__(self)

    @array.setter
    def array(self, value) -> None:
        with _x64.enabled():
            root_array = scatter_function(self.chain)(self.root.array, value)
        self.root.array = root_array
        self._cache_root = root_array
        Storage.array.__set__(self, value)



# NOTE [Untracked writes under JAX transforms]
# JAX's AD (jax.grad/vjp/jvp around tapegrad code) differentiates the arrays, not the tape.
# torch's cut points must then be cut for JAX too: `detach()`/`.data` of a tensor holding a
# JAX tracer read its source through `jax.lax.stop_gradient` (`StopGradientStorage`), ops run
# under no_grad return stop-gradient arrays (ops/_dispatch.py), and a write autograd does not
# see (in place under no_grad, or through a detached alias) keeps the written tensor's own
# derivative (`keep_tangent`): torch differentiates a later use of such a tensor through its
# old history, at its new value. Concrete arrays never take these paths.
@jax.custom_jvp
def keep_tangent(old, new):
    """`new`'s value with `old`'s derivative (a write autograd does not record)."""
    return new


@keep_tangent.defjvp
def _keep_tangent_jvp(primals, tangents):
    # The value again through keep_tangent: an enclosing level (a second derivative) must
    # also see the old derivative, not the written value's.
    return keep_tangent(*primals), tangents[0]


def untracked_write(old, new):
    """The array to store when `new` overwrites `old` without autograd seeing it."""
    if (isinstance(old, jax.core.Tracer) or isinstance(new, jax.core.Tracer)) and \
            jnp.issubdtype(old.dtype, jnp.inexact) and old.dtype == new.dtype:
        return keep_tangent(old, new)
    return new


_TRACER = jax.core.Tracer
_NO_CONTEXT = contextlib.nullcontext()


# NOTE [Lowered tg.func levels]
# tg.func runs a transform through JAX's own (NOTE [tg.func lowered to JAX's transforms] in
# _func_jax.py): the user's function is traced once with tracers for its inputs. A tracer
# must not reach state that outlives the trace (a captured tensor written in place, a
# `.grad` accumulated by a `.backward()` inside), the trace must not change what the tape's
# run would find, and a check torch makes on values needs the values; where such a thing
# happens the level is abandoned (`LoweringAborted`) before the write and the transform runs
# on the tape instead. `LOWERING.levels` is empty outside tg.func: the checks cost one read.
class _Lowering(threading.local):
    def __init__(self) -> None:
        self.levels: list = []


LOWERING = _Lowering()


class LoweringAborted(BaseException):
    """A lowered tg.func level met what only the tape can do (a BaseException, so that the
    user's `except Exception` inside the traced function does not swallow it)."""


def value_checkable(array) -> bool:
    """Whether a check torch makes on values (an index in range, a matrix invertible) can
    read `array`: not a JAX tracer. A lowered tg.func level abandons instead, so the tape,
    which holds the values, makes the check (NOTE [Lowered tg.func levels])."""
    if isinstance(array, _TRACER):
        if LOWERING.levels:
            raise LoweringAborted
        return False
    return True


def guard_lowered_write(storage: Storage) -> None:
    """Abandon a lowered level before it writes into `storage` when that holds no tracer
    (made outside the trace, or concrete): no tracer may leak into it, and the tape's run of
    the function must find it as it was. One read outside tg.func."""
    if LOWERING.levels and not isinstance(storage.array, _TRACER):
        raise LoweringAborted


def cut(array):
    """An op output made under no_grad: stop_gradient when it is a JAX tracer."""
    return jax.lax.stop_gradient(array) if isinstance(array, _TRACER) else array


class StopGradientStorage(Storage):
    """The storage of `detach()`/`.data` of a tensor holding a JAX tracer: reads its source
    through `stop_gradient`, writes into the source as an untracked write (see NOTE
    [Untracked writes under JAX transforms])."""

    __slots__ = ("source", "_cache_source")

    def __init__(self, source: Storage) -> None:
        self.source = source
        self._cache_source = None

    @property
    def array(self):  # type: ignore[override]
        src = self.source.array
        if src is not self._cache_source:
            Storage.array.__set__(self, jax.lax.stop_gradient(src))
            self._cache_source = src
        return Storage.array.__get__(self)

    @array.setter
    def array(self, value) -> None:
        self.source.array = untracked_write(self.source.array, value)
        self._cache_source = self.source.array
        Storage.array.__set__(self, value)


# Compiled view replays and scatters, by view chain (bounded: NOTE [Compiled-code budget]).
_VIEW_FNS = LRU("view_replay", 1024)
_SCATTER_FNS = LRU("view_scatter", 1024)


def _apply_chain(chain: tuple, array):
    for op, static_items, index in chain:
        array = op.kernel_call((array,), None, dict(static_items))
        if index is not None:
            array = array[index]
    return array


def view_function(chain: tuple):
    """root array -> view array, jitted once per chain."""
    fn = _VIEW_FNS.get(chain)
    if fn is None:
        fn = _cc_jit(lambda root: _apply_chain(chain, root))
        _VIEW_FNS[chain] = fn
    return fn


def scatter_function(chain: tuple):
    """(root array, new view array) -> root array with the view's elements replaced."""
    fn = _SCATTER_FNS.get(chain)
    if fn is None:
        def scatter(root, new):
            positions = jnp.arange(root.size, dtype=jnp.int64).reshape(root.shape)
            idx = _apply_chain(chain, positions).reshape(-1)
            flat = root.reshape(-1).at[idx].set(jnp.asarray(new, root.dtype).reshape(-1))
            return flat.reshape(root.shape)

        fn = _cc_jit(scatter)
        _SCATTER_FNS[chain] = fn
    return fn


# NOTE [Strides]
# tapegrad's arrays have no strides: a view is a chain of view ops over its root's array
# (NOTE [Views over immutable arrays]). torch's strides are still observable (`stride()`,
# `storage_offset()`, `is_contiguous()`) and decide behaviour (`view` refuses what the strides
# cannot express; `reshape` and `contiguous` copy exactly then). They are computed from the
# chain: the chain is applied to the root's element positions (0..n-1, laid out row-major as
# a fresh torch tensor is), and the positions read back give the offset and, along each dim
# of size > 1, the stride. A dim of size 1 has no step to read: it gets the stride torch's
# view ops give a new size-1 dim (the next dim's stride times its size), which is what torch
# shows in all but contrived cases. Cached per (chain, root shape).
_STRIDES = LRU("strides", 1024)


def contiguous_strides(shape: tuple) -> tuple:
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _size_one_strides(shape: tuple, strides: list) -> tuple:
    for d in range(len(shape) - 1, -1, -1):
        if shape[d] == 1 or strides[d] is None:
            strides[d] = 1 if d == len(shape) - 1 else strides[d + 1] * max(shape[d + 1], 1)
    return tuple(strides)


def strides_of(storage: Storage, shape: tuple) -> tuple[tuple, int]:
    """(strides, storage offset) torch gives a tensor of this storage and shape."""
    if not isinstance(storage, ViewStorage):
        return contiguous_strides(shape), 0
    root_shape = tuple(storage.root.array.shape)
    key = (storage.chain, root_shape)
    found = _STRIDES.get(key)
    if found is not None:
        return found
    import numpy as np

    n = int(np.prod(root_shape, dtype=np.int64))
    try:
        # (concrete even inside a user's jax.jit: positions depend on shapes only.)
        with jax.ensure_compile_time_eval(), _x64.enabled():
            positions = np.asarray(view_function(storage.chain)(
                jnp.arange(n, dtype=jnp.int64).reshape(root_shape)))
    except Exception:  # noqa: BLE001 - a view op positions cannot pass through (complex views)
        positions = None
    if positions is None or positions.shape != tuple(shape) or positions.size == 0:
        result = contiguous_strides(shape), 0
    else:
        origin = positions[(0,) * positions.ndim] if positions.ndim else positions
        strides: list = []
        for d, size in enumerate(shape):
            if size > 1:
                index = [0] * len(shape)
                index[d] = 1
                strides.append(int(positions[tuple(index)] - origin))
            else:
                strides.append(None)
        result = _size_one_strides(tuple(shape), strides), int(origin)
    _STRIDES[key] = result
    return result


def storage_root(storage: Storage) -> Storage:
    """The storage whose memory `storage` reads: a view's root, a detached tracer's source."""
    while True:
        if isinstance(storage, ViewStorage):
            storage = storage.root
        elif isinstance(storage, StopGradientStorage):
            storage = storage.source
        else:
            return storage


def _non_overlapping_and_dense(shape: tuple, strides: tuple) -> bool:
    """torch's is_non_overlapping_and_dense: some permutation of the dims is contiguous."""
    if len(shape) == 1:
        return shape[0] < 2 or strides[0] == 1
    expected = 1
    for d in sorted(range(len(shape)), key=lambda d: strides[d]):
        if shape[d] < 2:
            continue
        if strides[d] != expected:
            return False
        expected *= shape[d]
    return True


def partial_overlap(a_storage: Storage, a_shape: tuple, b_storage: Storage,
                    b_shape: tuple) -> bool:
    """torch's get_overlap_status(a, b) == PARTIAL, for two tensors over one root storage.

    NOTE [Memory overlap]
    torch refuses an in-place op (and copy_, index_put_, scatter_...) whose operand shares
    memory with the written tensor in part: its kernels would read elements already written.
    It decides from strides, and only where both tensors are non-overlapping and dense
    (otherwise "too hard": no error, and torch's result depends on its write order): the two
    element ranges [offset, offset + numel) overlap but are not the same range with the same
    strides. tapegrad computes every in-place op from a snapshot, so it has no hazard of its
    own; it raises exactly where torch does, from the strides NOTE [Strides] computes."""
    a_numel, b_numel = _numel(a_shape), _numel(b_shape)
    if a_numel == 0 or b_numel == 0:
        return False
    a_strides, a_begin = strides_of(_unwrap_detached(a_storage), a_shape)
    b_strides, b_begin = strides_of(_unwrap_detached(b_storage), b_shape)
    if not (_non_overlapping_and_dense(a_shape, a_strides)
            and _non_overlapping_and_dense(b_shape, b_strides)):
        return False
    a_end, b_end = a_begin + a_numel, b_begin + b_numel
    if a_begin == b_begin and a_end == b_end:
        return tuple(a_strides) != tuple(b_strides)
    return a_begin < b_end and b_begin < a_end


def _numel(shape: tuple) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _unwrap_detached(storage: Storage) -> Storage:
    while isinstance(storage, StopGradientStorage):
        storage = storage.source
    return storage


def is_contiguous_strides(shape: tuple, strides: tuple) -> bool:
    """torch's is_contiguous: size-1 dims ignored, the rest row-major and dense."""
    expected = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n == 0:
            return True
        if n != 1:
            if s != expected:
                return False
            expected *= n
    return True


def view_strides(old_shape: tuple, old_strides: tuple, new_shape: tuple) -> tuple | None:
    """torch's computeStride: the strides of `view(new_shape)`, or None where the old strides
    cannot express it (a dim would span two non-contiguous runs)."""
    if not old_shape:
        return contiguous_strides(new_shape)
    numel = 1
    for n in old_shape:
        numel *= n
    if numel == 0:
        return contiguous_strides(new_shape) if tuple(old_shape) != tuple(new_shape) \
            else tuple(old_strides)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = old_strides[-1] if old_strides else 1
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        if tensor_d == 0 or (old_shape[tensor_d - 1] != 1 and old_strides[tensor_d - 1]
                             != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = old_strides[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(new_strides)
