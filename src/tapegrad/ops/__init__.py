"""The op table: one declaration per op (`Op` entries and `@public` functions in the family
modules), and the public surface generated from them (`_surface.py`).

The family modules are imported in dependency order (each may use the ones before it); then
`_surface.build()` makes `tg.*`, `Tensor.*`, the in-place variants and the dunders.
"""

from __future__ import annotations

from . import indexing, linalg, nn_ops, pointwise, reduction, shape, views  # noqa: F401
# The breadth families (issue 11), each after the core modules it builds on.
from . import complex_ops  # noqa: F401, I001
from . import assembly, fft, linalg_factor, linalg_legacy, linalg_more, nn_extra, scatter, special, special_bessel, stats, stats_seq  # noqa: F401, E501, I001
from . import tensor_api  # noqa: F401, E402, I001
from . import inplace_views, sampling, tensor_misc  # noqa: F401, E402, I001
from ._op import Op as Op
from ._op import OpNode as OpNode
from ._registry import REGISTRY as REGISTRY
from ._registry import Public as Public
from ._registry import public as public
from ._surface import FUNCTIONAL, FUNCTIONS, METHODS, NAMESPACES, build  # noqa: F401
from .from_jax import JaxFunction as JaxFunction
from .from_jax import jax_function as jax_function

# The tg.* names, generated from the declarations (no hand-kept list).
__all__ = build()
globals().update(FUNCTIONS)
