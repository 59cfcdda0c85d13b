"""The package's `Op` declarations by name (for `tapegrad.ops.nn_extra`'s namespace)."""

from __future__ import annotations

from .._op import Op
from . import activation, ctc, embedding_bag, fractional, layers, loss_norm, spatial

__all__ = []
for _module in (activation, spatial, loss_norm, layers, embedding_bag, ctc, fractional):
    for _name, _value in vars(_module).items():
        if isinstance(_value, Op) and not _name.startswith("_"):
            globals()[_name] = _value
            __all__.append(_name)
