"""The shared boxes behind aliasing: a Storage holds the current array, a VersionCounter the
number of in-place writes. JAX arrays are immutable, so an in-place op swaps the array inside
the box; every tensor sharing the box sees the new value.

NOTE [Storage and version counter]
torch's `detach()` shares both storage and version counter with its source; `.data` shares the
storage but gets a fresh version counter (so autograd cannot see writes made through it). A
tensor therefore holds the two boxes separately.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

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

    __slots__ = ("root", "chain", "_cache_root", "overlapping", "no_grad_view", "multi_output")

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

    @property
    def array(self):  # type: ignore[override]
        root_array = self.root.array
        if root_array is not self._cache_root:
            Storage.array.__set__(self, view_function(self.chain)(root_array))
            self._cache_root = root_array
        return Storage.array.__get__(self)

    @array.setter
    def array(self, value) -> None:
        root_array = scatter_function(self.chain)(self.root.array, value)
        self.root.array = root_array
        self._cache_root = root_array
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
        fn = jax.jit(lambda root: _apply_chain(chain, root))
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

        fn = jax.jit(scatter)
        _SCATTER_FNS[chain] = fn
    return fn
