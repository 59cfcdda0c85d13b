"""Pointwise functions beyond the basic table: torch.special, the gamma family, bitwise and
floating-point manipulation ops, and their torch.* / Tensor.* names. Declarations as in
`pointwise.py` (NOTE [Public surface])."""

from __future__ import annotations
