"""torch.linalg and the torch.* linear-algebra names beyond the core products (issue 11's
linalg family), on top of `linalg.py`'s products and decompositions.

Decompositions whose torch formulas branch on data run on the generic path under torch's node
names (as det/cholesky/qr/svd in `linalg.py`); compositions are written as torch writes them
(matrix_norm, cond, matrix_power, multi_dot, vander, logdet, ...), so their graphs are torch's.
addmm and baddbmm are `nn_ops.py`'s declarations (F.linear and attention use them)."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from .._storage import value_checkable
from .._compilation_cache import jit as _cc_jit
from .. import _checks, _errors, return_types
from .. import tensor as _tensor
from .._checks import broadcast_shapes
from ..tensor import Tensor
from ._op import Op
from ._registry import public
from .from_jax import JaxFunction
from .linalg import (
    _linalg,
    _LinAlgError,
    _matrices,
    cholesky_fn,
    det,
    inv,
    inv_op,
    matmul,
    mm,
    outer,
    solve,
    svd_fn,
)
from .nn_ops import addmm as addmm_op
from .nn_ops import baddbmm as baddbmm_op
from .pointwise import where as _where
from .reduction import check_norm_dtype
from .reduction import vector_norm as _vector_norm
from .shape import cat as _cat
from .shape import diagonal as _diagonal
from .._checks import user_stacklevel

# --------------------------------------------------------------------- linalg family (issue 11)
# Decompositions whose torch formulas branch on data run on the generic path under torch's
# node names (as det/cholesky/qr/svd above); compositions are written as torch writes them
# (matrix_norm, cond, matrix_power, multi_dot, vander, ...), so their graphs are torch's.


def _const(array) -> Tensor:
    """A result torch returns without a graph (info, pivots, rank)."""
    return Tensor._make(array)


def _float_input(name: str, A) -> None:
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(_errors.LINALG_NOT_FLOAT.format(name=name, dtype=A.dtype.scalar_name))


def _detached(t: Tensor) -> Tensor:
    return Tensor._make(t._storage.array)


@_cc_jit
def _zero_pivot_info(a):
    # Per matrix: 1-based index of the first zero on U's diagonal (LAPACK's info), or 0.
    u = jax.scipy.linalg.lu_factor(a)[0] if a.ndim == 2 else jax.vmap(
        lambda m: jax.scipy.linalg.lu_factor(m)[0])(a.reshape(-1, *a.shape[-2:])).reshape(a.shape)
    zero = jnp.diagonal(u, axis1=-2, axis2=-1) == 0
    return jnp.where(zero.any(-1), jnp.argmax(zero, -1) + 1, 0).astype(jnp.int32)


@_cc_jit
def _not_pd_info(chol):
    bad = jnp.isnan(jnp.diagonal(chol, axis1=-2, axis2=-1))
    return jnp.where(bad.any(-1), jnp.argmax(bad, -1) + 1, 0).astype(jnp.int32)


def _raise_info(info: Tensor, make_error) -> None:
    array = info._storage.array
    if value_checkable(array) and array.size:
        flat = np.asarray(array).reshape(-1)
        bad = flat[flat > 0]
        if bad.size:
            raise make_error(int(bad[0]))


slogdet_fn = JaxFunction(lambda A: tuple(jnp.linalg.slogdet(A)), name="linalg_slogdet",
                         node="LinalgSlogdetBackward0", grad_version=1)


@public(name="slogdet", **_linalg)
def linalg_slogdet(A):
    """Matches `torch.linalg.slogdet`."""
    _matrices("slogdet", A)
    sign, logabsdet = slogdet_fn(A)
    return return_types.make("linalg_slogdet", ("sign", "logabsdet"))(sign, logabsdet)


@public(name="slogdet")
def slogdet_(input):
    """Matches `torch.slogdet`."""
    _matrices("slogdet", input)
    sign, logabsdet = slogdet_fn(input)
    return return_types.make("slogdet", ("sign", "logabsdet"))(sign, logabsdet)


@public
def logdet(input):
    """Matches `torch.logdet` (nan where the determinant is negative: a where over slogdet)."""
    if input.ndim < 2:
        raise RuntimeError(_errors.LINALG_NDIM.format(name="logdet")[len("linalg."):])
    if input.shape[-1] != input.shape[-2]:
        raise RuntimeError(_errors.LINALG_SQUARE.format(
            name="logdet", m=input.shape[-2], n=input.shape[-1])[len("linalg."):])
    sign, logabsdet = slogdet_fn(input)
    return _where(sign == -1.0, float("nan"), logabsdet)


@public(name="det")
def det_(input):
    """Matches `torch.det`."""
    return det(input)


@public
def inverse(input):
    """Matches `torch.inverse`."""
    return inv(input)


@public(**_linalg)
def inv_ex(A, *, check_errors=False):
    """Matches `torch.linalg.inv_ex`."""
    _matrices("inv", A)
    out = inv_op(A)
    info = _const(_zero_pivot_info(A._storage.array)) if A.numel() else _const(
        jnp.zeros(A.shape[:-2], jnp.int32))
    if check_errors:
        _raise_info(info, lambda k: _LinAlgError(_errors.LINALG_SINGULAR_EX.format(index=k)))
    return return_types.make("linalg_inv_ex", ("inverse", "info"))(out, info)


@public(**_linalg)
def cholesky_ex(input, *, upper=False, check_errors=False):
    """Matches `torch.linalg.cholesky_ex`."""
    _matrices("cholesky", input)
    L = cholesky_fn(input, upper=upper)
    info = _const(_not_pd_info(L._storage.array))
    if check_errors:
        _raise_info(info, lambda k: _LinAlgError(_errors.LINALG_NOT_PD_NAMED.format(
            name="linalg.cholesky_ex", order=k)))
    return return_types.make("linalg_cholesky_ex", ("L", "info"))(L, info)


@public(**_linalg)
def solve_ex(A, B, *, left=True, check_errors=False):
    """Matches `torch.linalg.solve_ex` (left=True)."""
    result = solve(A, B, left=left)
    info = _const(_zero_pivot_info(A._storage.array))
    if check_errors:
        _raise_info(info, lambda k: _LinAlgError(
            _errors.LINALG_SOLVE_SINGULAR.format(name="solve_ex")))
    return return_types.make("linalg_solve_ex", ("result", "info"))(result, info)


@public(**_linalg)
def svdvals(A, *, driver=None):
    """Matches `torch.linalg.svdvals` (output 1 of LinalgSvdBackward0, as torch)."""
    _matrices("svd", A, square=False)
    if driver is not None:
        raise RuntimeError(_errors.SVD_DRIVER)
    return svd_fn(A, full_matrices=False)[1]


def _backshift(d0: int, d1: int, ndim: int) -> tuple[int, ...]:
    return tuple(i for i in range(ndim) if i not in (d0, d1)) + (d0, d1)


@public(**_linalg)
def matrix_norm(input, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """Matches `torch.linalg.matrix_norm` (torch's composition: vector_norm, svdvals, amax)."""
    if input.ndim < 2:
        raise RuntimeError(_errors.LINALG_NDIM.format(name="matrix_norm"))
    _float_input("linalg.matrix_norm", input)
    if len(dim) != 2:
        raise RuntimeError(_errors.MATRIX_NORM_DIM_TUPLE.format(
            dims=" ".join(str(d) for d in dim)))
    d0, d1 = (_checks.wrap_dim(d, input.ndim) for d in dim)
    if d0 == d1:
        raise RuntimeError(_errors.MATRIX_NORM_DIMS.format(d0=dim[0], d1=dim[1]))
    if dtype is not None:
        check_norm_dtype("linalg.matrix_norm", input, dtype)
    if isinstance(ord, str):
        if ord == "fro":
            return _vector_norm(input, 2, (d0, d1), keepdim, dtype=dtype)
        if ord != "nuc":
            raise RuntimeError(_errors.MATRIX_NORM_ORDER.format(ord=ord))
    elif abs(ord) not in (1, 2, float("inf")):
        raise RuntimeError(_errors.MATRIX_NORM_ORDER.format(ord=ord))
    if ord == "nuc" or abs(ord) == 2:
        if dtype is not None:  # (torch casts first here; 1/inf cast inside vector_norm)
            input = input.to(dtype)
        perm = _backshift(d0, d1, input.ndim)
        s = svdvals(input.permute(perm))
        if ord == "nuc":
            result = s.sum(-1, keepdim=keepdim)
        else:
            result = s.amax(-1, keepdim=keepdim) if ord > 0 else s.amin(-1, keepdim=keepdim)
        if keepdim:
            reverse = tuple(int(i) for i in np.argsort(perm))
            result = result.unsqueeze(-1).permute(reverse)
        return result
    if abs(ord) == float("inf"):
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    rows = _vector_norm(input, 1.0, (d0,), keepdim, dtype=dtype)
    return rows.amax(d1, keepdim=keepdim) if ord > 0 else rows.amin(d1, keepdim=keepdim)


@public(**_linalg)
def norm(input, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """Matches `torch.linalg.norm`: a vector norm over one dim (or all, when `ord` is None), a
    matrix norm over two (or of a 2-D input, when `ord` is given)."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError(_errors.LINALG_NORM_DIM_LEN.format(dim=list(dims)))
    elif ord is not None and input.ndim not in (1, 2):
        raise RuntimeError(_errors.LINALG_NORM_NO_DIM.format(ndim=input.ndim))
    else:
        dims = None
    if isinstance(ord, str) or (ord is not None and (
            len(dims) == 2 if dims is not None else input.ndim == 2)):
        return matrix_norm(input, ord, dims or (0, 1), keepdim, dtype=dtype)
    if dims is not None:
        dims = tuple(_checks.wrap_dim(d, input.ndim) for d in dims)
    return _vector_norm(input, 2 if ord is None else ord, dims, keepdim, dtype=dtype)


@public(**_linalg)
def cond(input, p=None):
    """Matches `torch.linalg.cond` (torch's composition)."""
    if input.ndim < 2:
        raise RuntimeError(_errors.COND_NDIM)
    if p is None or (not isinstance(p, str) and abs(p) == 2):
        s = svdvals(input)
        s_max, s_min = s.narrow(-1, 0, 1), s.narrow(-1, -1, 1)
        result = s_min / s_max if p == -2 else s_max / s_min
        return result.squeeze(-1)
    label = p if isinstance(p, str) else int(p)
    _matrices(f"cond(ord={label})", input)
    inverse_, info = inv_ex(input)
    inverse_.masked_fill_((info > 0).unsqueeze(-1).unsqueeze(-1), float("inf"))
    result = matrix_norm(input, p) * matrix_norm(inverse_, p)
    return result.nan_to_num_(float("inf"), float("inf"), float("-inf"))


def _pinv_kernel(A, atol, rtol, hermitian):
    m, n = A.shape[-2:]
    if atol is None and rtol is None:
        rtol = float(jnp.finfo(A.dtype).eps) * max(m, n)
    elif rtol is None:
        rtol = 0.0 if atol > 0 else float(jnp.finfo(A.dtype).eps) * max(m, n)
    if hermitian:  # torch reads the lower triangle; its formula is the general one
        tri = jnp.tril(A) + jnp.swapaxes(jnp.tril(A, -1), -1, -2).conj()
        A = A + jax.lax.stop_gradient(tri - A)
    if not atol:
        return jnp.linalg.pinv(A, rtol=rtol)
    u, s, vh = jnp.linalg.svd(A, full_matrices=False)
    cutoff = jnp.maximum(atol, rtol * s[..., :1])
    s_inv = jnp.where(s > cutoff, 1.0 / jnp.where(s > cutoff, s, 1.0), 0.0)
    return jnp.swapaxes(vh, -1, -2).conj() @ (s_inv[..., None] * jnp.swapaxes(u, -1, -2).conj())


pinv_fn = JaxFunction(_pinv_kernel, name="linalg_pinv", node="LinalgPinvBackward0", grad_version=1)


@public(**_linalg)
def pinv(input, *, atol=None, rtol=None, hermitian=False):
    """Matches `torch.linalg.pinv`."""
    if input.ndim < 2 or not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(_errors.PINV_INPUT.format(
            dtype=input.dtype.scalar_name, shape=list(input.shape)))
    return pinv_fn(input, atol=atol, rtol=rtol, hermitian=hermitian)


@public
def pinverse(input, rcond=1e-15):
    """Matches `torch.pinverse`."""
    return pinv(input, rtol=rcond)


def _hermitian_part(A, UPLO="L"):
    """The Hermitian matrix torch's kernels read from one triangle of A, with the gradient
    torch's formulas give (the Hermitian part of the unrestricted one)."""
    tri = jnp.tril(A) if UPLO == "L" else jnp.triu(A)
    strict = jnp.tril(A, -1) if UPLO == "L" else jnp.triu(A, 1)
    value = tri + jnp.swapaxes(strict, -1, -2).conj()
    sym = (A + jnp.swapaxes(A, -1, -2).conj()) / 2
    return sym + jax.lax.stop_gradient(value - sym)


eigh_fn = JaxFunction(lambda A, UPLO: tuple(jnp.linalg.eigh(_hermitian_part(A, UPLO),
                                                            symmetrize_input=False)),
                      name="linalg_eigh", node="LinalgEighBackward0")


def _eigh_checks(A, UPLO):
    _matrices("eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(_errors.EIGH_UPLO.format(uplo=UPLO))


@public(**_linalg)
def eigh(input, UPLO="L"):
    """Matches `torch.linalg.eigh`."""
    _eigh_checks(input, UPLO)
    w, v = eigh_fn(input, UPLO=UPLO)
    return return_types.make("linalg_eigh", ("eigenvalues", "eigenvectors"))(w, v)


@public(**_linalg)
def eigvalsh(input, UPLO="L"):
    """Matches `torch.linalg.eigvalsh` (output 0 of LinalgEighBackward0, as torch)."""
    _eigh_checks(input, UPLO)
    return eigh_fn(input, UPLO=UPLO)[0]


def _expm(A):
    """exp(A) by scaling and squaring with a degree-14 Taylor polynomial (|A/2^s|_1 <= 1/2:
    truncation below 1e-16 relative), in plain matmuls: a small kernel that compiles fast."""
    norm = jnp.max(jnp.sum(jnp.abs(A), axis=-2), axis=-1)
    s = jnp.clip(jnp.ceil(jnp.log2(jnp.maximum(norm, 1e-300) / 0.5)), 0, 64)
    X = A / (2.0 ** s)[..., None, None]
    eye = jnp.broadcast_to(jnp.eye(A.shape[-1], dtype=A.dtype), A.shape)
    result, term = eye, eye
    for k in range(1, 15):
        term = term @ X / k
        result = result + term
    def square(i, r):
        return jnp.where((i < s)[..., None, None], r @ r, r)

    return jax.lax.fori_loop(0, 64, square, result)


matrix_exp_fn = JaxFunction(_expm, name="linalg_matrix_exp",
                            node="LinalgMatrixExpBackward0", grad_version=1)


@public(**_linalg)
def matrix_exp(input):
    """Matches `torch.linalg.matrix_exp`."""
    _matrices("matrix_exp", input)
    return matrix_exp_fn(input)


public(matrix_exp, name="matrix_exp", function=True, method=True)


@public(**_linalg)
def matrix_power(input, n):
    """Matches `torch.linalg.matrix_power` (torch's binary decomposition with matmul)."""
    _matrices("matrix_power", input)
    if n == 0:
        out = input.clone()
        out.copy_(_tensor.eye(input.shape[-1], dtype=input.dtype).expand(tuple(input.shape)))
        return out
    if n < 0:
        _float_input("linalg.inv", input)
        input = inv(input)
        n = -n
    if n == 1:
        return input.clone()
    if n == 2:
        return matmul(input, input)
    if n == 3:
        return matmul(matmul(input, input), input)
    z = result = None
    while n > 0:
        bit = n % 2
        n //= 2
        z = input if z is None else matmul(z, z)
        if bit == 1:
            result = z if result is None else matmul(result, z)
            if n == 0:
                return result
    return result


public(matrix_power, name="matrix_power", function=True, method=True)

cross_op = Op("linalg_cross", "LinalgCrossBackward0",
              lambda self, other, dim: jnp.cross(self, other, axis=dim),
              inputs=("self", "other"), static=("dim",),
              derivatives={"self": lambda grad, other, dim: cross_op(other, grad, dim=dim),
                           "other": lambda grad, self, dim: cross_op(grad, self, dim=dim)})


def _cross(input, other, dim):
    if input.ndim != other.ndim:
        raise RuntimeError(_errors.CROSS_NDIM)
    shape = broadcast_shapes(tuple(input.shape), tuple(other.shape))
    d = _checks.wrap_dim(dim, len(shape))
    a = input.shape[d - len(shape) + input.ndim] if input.ndim else 1
    b = other.shape[d - len(shape) + other.ndim] if other.ndim else 1
    if a != 3 or b != 3:
        raise RuntimeError(_errors.CROSS_LENGTH.format(dim=dim, a=a, b=b))
    return cross_op(input, other, dim=d - len(shape))


@public(name="cross", **_linalg)
def linalg_cross(input, other, *, dim=-1):
    """Matches `torch.linalg.cross`."""
    return _cross(input, other, dim)


_warned_cross = False


@public
def cross(input, other, dim=None):
    """Matches `torch.cross` (without dim: the first dim of size 3, with torch's warning)."""
    global _warned_cross
    if dim is None:
        if not _warned_cross:
            warnings.warn(_errors.CROSS_NO_DIM, UserWarning, stacklevel=user_stacklevel())
            _warned_cross = True
        shape = broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, s in enumerate(shape) if s == 3), -1)
    return _cross(input, other, dim)


@public(**_linalg)
def vecdot(x, y, *, dim=-1):
    """Matches `torch.linalg.vecdot` for real inputs (a mul and a sum, as torch)."""
    if x.dtype.is_complex or y.dtype.is_complex:  # torch conjugates x: not made exact yet
        raise NotImplementedError("tapegrad: linalg.vecdot of complex tensors is not supported")
    return (x * y).sum(dim)


@public(**_linalg)
def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """Matches `torch.linalg.diagonal`."""
    return _diagonal(A, offset, dim1, dim2)


def _chain_order(shapes):
    n = len(shapes)
    p = [shapes[0][0]] + [s[1] for s in shapes]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


@public(method=False, namespace="linalg")
def multi_dot(tensors):
    """Matches `torch.linalg.multi_dot` (mm in the cheapest order, then a view)."""
    n = len(tensors)
    if n < 2:
        raise RuntimeError(_errors.MULTI_DOT_COUNT.format(n=n))
    first, last = tensors[0], tensors[-1]
    if first.ndim not in (1, 2):
        raise RuntimeError(_errors.MULTI_DOT_FIRST.format(ndim=first.ndim))
    if last.ndim not in (1, 2):
        raise RuntimeError(_errors.MULTI_DOT_LAST.format(ndim=last.ndim))
    for i in range(1, n - 1):
        if tensors[i].ndim != 2:
            raise RuntimeError(_errors.MULTI_DOT_MID.format(i=i, ndim=tensors[i].ndim))
    out_shape = ()
    mats = list(tensors)
    if first.ndim == 1:
        mats[0] = first.unsqueeze(0)
    else:
        out_shape += (first.shape[0],)
    if last.ndim == 1:
        mats[-1] = last.unsqueeze(-1)
    else:
        out_shape += (last.shape[1],)
    for i in range(n - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(_errors.MULTI_DOT_SHAPES.format(
                i=i, j=i + 1, a=list(tensors[i].shape), b=list(tensors[i + 1].shape)))
    if n == 2:
        return mm(mats[0], mats[1]).view(out_shape)
    split = _chain_order([tuple(m.shape) for m in mats])

    def product(i, j):
        if i == j:
            return mats[i]
        k = split[i][j]
        return mm(product(i, k), product(k + 1, j))

    return product(0, n - 1).view(out_shape)


_warned_chain = False


@public(method=False)
def chain_matmul(*matrices):
    """Matches `torch.chain_matmul` (multi_dot, with torch's deprecation warning)."""
    global _warned_chain
    if not _warned_chain:
        warnings.warn(_errors.CHAIN_MATMUL_DEPRECATED, UserWarning, stacklevel=user_stacklevel())
        _warned_chain = True
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(list(matrices))


def _solve_tri_kernel(A, B, upper, left, unitriangular):
    batch = jnp.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    A = jnp.broadcast_to(A, batch + A.shape[-2:])
    B = jnp.broadcast_to(B, batch + B.shape[-2:])
    return jax.lax.linalg.triangular_solve(A, B, left_side=left, lower=not upper,
                                           unit_diagonal=unitriangular)


solve_tri_fn = JaxFunction(_solve_tri_kernel, name="linalg_solve_triangular",
                           node="LinalgSolveTriangularBackward0", grad_version=1)


@public(**_linalg)
def solve_triangular(input, B, *, upper, left=True, unitriangular=False):
    """Matches `torch.linalg.solve_triangular`."""
    if input.ndim < 2:
        raise RuntimeError(_errors.LINALG_NDIM.format(name="solve_triangular"))
    if B.ndim < 2:
        raise RuntimeError(_errors.LINALG_NDIM_B.format(name="solve_triangular"))
    _matrices("solve_triangular", input)
    k = B.shape[-2] if left else B.shape[-1]
    if k != input.shape[-1]:
        raise RuntimeError(_errors.LINALG_TRI_SHAPES.format(
            a0=input.shape[-2], a1=input.shape[-1], b0=B.shape[-2], b1=B.shape[-1]))
    return solve_tri_fn(input, B, upper=upper, left=left, unitriangular=unitriangular)


@public(method=False, namespace="linalg")
def vander(x, *, N=None):
    """Matches `torch.linalg.vander` (cumprod of an expand, after a column of ones)."""
    if x.dtype.name == "bool":
        raise RuntimeError(_errors.VANDER_DTYPE.format(dtype=x.dtype.scalar_name))
    x_ = x.unsqueeze(-1) if x.ndim == 0 else x
    shape = list(x_.shape)
    n = shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError(_errors.VANDER_N)
    shape.append(n - 1)
    result = x_.unsqueeze(-1).expand(tuple(shape)).cumprod(-1)
    shape[-1] = 1
    ones = _tensor.ones(tuple(shape), dtype=result.dtype)
    return _cat([ones, result], -1)


@public(**_linalg)
def tensorsolve(input, other, dims=None):
    """Matches `torch.linalg.tensorsolve` (reshape, solve, view back; dims=None)."""
    if dims is not None:
        nd = input.ndim
        ds = [_checks.wrap_dim(d, nd) for d in dims]
        rest = [i for i in range(nd) if i not in ds]
        input = input.permute(tuple(rest + ds))
    result_shape = tuple(input.shape[other.ndim:])
    p = int(np.prod(result_shape, dtype=np.int64))
    A2 = input.reshape(p, p)
    result = solve(A2, other if other.ndim == 1 else other.flatten())
    return result.view(result_shape)


# --------------------------------------------------------------------- add*mm family
def _maybe_mul(t, s):
    return t if s == 1 else t * s


def _beta_self(self, beta):
    return jnp.zeros_like(self) if beta == 0 else beta * self


addmv_op = Op("addmv", "AddmvBackward0",
              lambda self, mat, vec, beta, alpha: _beta_self(self, beta) + alpha * (mat @ vec),
              inputs=("self", "mat", "vec"), static=("beta", "alpha"), precision="matmul",
              derivatives={"self": lambda grad, beta: _maybe_mul(grad, beta),
                           "mat": lambda grad, vec, alpha: outer(grad, vec) * alpha,
                           "vec": lambda grad, mat, alpha: mat.t().mv(grad) * alpha})
addr_op = Op("addr", "AddrBackward0",
             lambda self, vec1, vec2, beta, alpha: _beta_self(self, beta)
             + alpha * jnp.outer(vec1, vec2),
             inputs=("self", "vec1", "vec2"), static=("beta", "alpha"), precision="matmul",
             derivatives={"self": lambda grad, beta: _maybe_mul(grad, beta),
                          "vec1": lambda grad, vec2, alpha: _maybe_mul(grad.mv(vec2), alpha),
                          "vec2": lambda grad, vec1, alpha: _maybe_mul(grad.t().mv(vec1), alpha)})
def _addbmm_expand(grad, b1, b2):
    return grad.unsqueeze(0).expand((b1[0], b1[1], b2[2]))


addbmm_op = Op("addbmm", "AddbmmBackward0",
               lambda self, batch1, batch2, beta, alpha: _beta_self(self, beta)
               + alpha * (batch1 @ batch2).sum(0),
               inputs=("self", "batch1", "batch2"), static=("beta", "alpha"),
               precision="matmul",
               derivatives={"self": lambda grad, beta: _maybe_mul(grad, beta),
                            "batch1": lambda grad, batch1_sym_sizes, batch2, alpha: _maybe_mul(
                                _addbmm_expand(grad, batch1_sym_sizes, tuple(batch2.shape)).bmm(
                                    batch2.transpose(1, 2)), alpha),
                            "batch2": lambda grad, batch1, batch2_sym_sizes, alpha: _maybe_mul(
                                batch1.transpose(1, 2).bmm(_addbmm_expand(
                                    grad, tuple(batch1.shape), batch2_sym_sizes)), alpha)})


def _expand_check(shape, target):
    """torch's expand error when `shape` does not broadcast to `target`."""
    shape, target = tuple(shape), tuple(target)
    if len(shape) > len(target):
        raise RuntimeError(_errors.EXPAND_SIZE.format(size=target[0], existing=shape[0], dim=0,
                                                      target=list(target), sizes=list(shape)))
    offset = len(target) - len(shape)
    for i in range(len(shape) - 1, -1, -1):
        if shape[i] != 1 and shape[i] != target[i + offset]:
            raise RuntimeError(_errors.EXPAND_SIZE.format(
                size=target[i + offset], existing=shape[i], dim=i + offset, target=list(target),
                sizes=list(shape)))


def _same_dtype(*ts):
    for t in ts[1:]:
        if t.dtype is not ts[0].dtype:
            raise RuntimeError(_errors.ADD_MM_DTYPE.format(a=ts[0].dtype.scalar_name,
                                                            b=t.dtype.scalar_name))


def _inplace_of(fn):
    def method(self, *args, **kwargs):
        out = fn(self, *args, **kwargs)
        if tuple(out.shape) != tuple(self.shape):
            raise RuntimeError(_errors.INPLACE_BROADCAST.format(shape=list(self.shape),
                                                                broadcast=list(out.shape)))
        return out
    return method


@public(inplace=True)
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """Matches `torch.addmm`."""
    if mat1.ndim != 2:
        raise RuntimeError(_errors.ADDMM_MATRIX.format(name="mat1", ndim=mat1.ndim))
    if mat2.ndim != 2:
        raise RuntimeError(_errors.ADDMM_MATRIX.format(name="mat2", ndim=mat2.ndim))
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(_errors.ADDMM_SHAPES.format(a0=mat1.shape[0], a1=mat1.shape[1],
                                                       b0=mat2.shape[0], b1=mat2.shape[1]))
    _expand_check(input.shape, (mat1.shape[0], mat2.shape[1]))
    return addmm_op(input, mat1, mat2, beta=beta, alpha=alpha)


@public(inplace=True)
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """Matches `torch.addmv`."""
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(_errors.MV_NOT.format(a=input.ndim, b=mat.ndim, c=vec.ndim))
    n_in = input.shape[0] if input.ndim else 1
    if mat.shape[1] != vec.shape[0] or (input.ndim == 1 and n_in not in (1, mat.shape[0])):
        raise RuntimeError(_errors.ADDMV_SIZES.format(i=n_in, m=mat.shape[0], n=mat.shape[1],
                                                      k=vec.shape[0]))
    _expand_check(input.shape, (mat.shape[0],))
    return addmv_op(input, mat, vec, beta=beta, alpha=alpha)


@public(inplace=True)
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """Matches `torch.addr`."""
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(_errors.ADDR_VECTORS.format(a=vec1.ndim, b=vec2.ndim))
    _expand_check(input.shape, (vec1.shape[0], vec2.shape[0]))
    return addr_op(input, vec1, vec2, beta=beta, alpha=alpha)


def _check_bmm3(batch1, batch2):
    if batch1.ndim != 3:
        raise RuntimeError(_errors.BMM_NOT_3D.format(name="batch1"))
    if batch2.ndim != 3:
        raise RuntimeError(_errors.BMM_NOT_3D.format(name="batch2"))
    if batch2.shape[0] != batch1.shape[0] or batch2.shape[1] != batch1.shape[2]:
        raise RuntimeError(_errors.BMM_SIZES.format(b=batch1.shape[0], k=batch1.shape[2],
                                                    b2=batch2.shape[0], k2=batch2.shape[1]))


@public(inplace=True)
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """Matches `torch.baddbmm`."""
    _check_bmm3(batch1, batch2)
    _expand_check(input.shape, (batch1.shape[0], batch1.shape[1], batch2.shape[2]))
    return baddbmm_op(input, batch1, batch2, beta=beta, alpha=alpha)


@public(inplace=True)
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """Matches `torch.addbmm`."""
    _check_bmm3(batch1, batch2)
    _expand_check(input.shape, (batch1.shape[1], batch2.shape[2]))
    return addbmm_op(input, batch1, batch2, beta=beta, alpha=alpha)
