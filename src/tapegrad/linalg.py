"""`tapegrad.linalg`: matches `torch.linalg` for the functions listed here."""

from __future__ import annotations

from .ops import linalg as _l
from .ops import matmul as matmul
from .ops import vector_norm as vector_norm
from .return_types import _cache  # noqa: F401
from .tensor import Tensor

__all__ = ["inv", "det", "solve", "cholesky", "qr", "svd", "vector_norm", "matmul", "norm"]


def inv(A: Tensor) -> Tensor:
    return _l.inv_op(A)


def det(A: Tensor) -> Tensor:
    return _l.det_fn(A)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    return _l.solve_op(A, B)


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    return _l.cholesky_fn(A, upper=upper)


def qr(A: Tensor, mode: str = "reduced"):
    from collections import namedtuple

    Q, R = _l.qr_fn(A, mode=mode)
    return namedtuple("qr", ["Q", "R"])(Q, R)


def svd(A: Tensor, full_matrices: bool = True):
    from collections import namedtuple

    U, S, Vh = _l.svd_fn(A, full_matrices=full_matrices)
    return namedtuple("svd", ["U", "S", "Vh"])(U, S, Vh)


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False) -> Tensor:
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim)
