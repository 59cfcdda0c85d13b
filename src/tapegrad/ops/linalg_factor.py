"""torch.linalg and torch.* factorizations beyond `linalg.py`'s (issue 11's linalg family):
LU (factor, unpack, solve), Cholesky products, torch.svd, Householder products, lstsq,
matrix_rank, and the complex queries. Generic-path functions carry torch's node names and the
grad versions torch's backward kernels leave."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._compilation_cache import jit as _cc_jit
from .. import _errors, return_types
from .. import tensor as _tensor
from ._registry import public
from .from_jax import JaxFunction
from .linalg import _linalg, svd
from .linalg_more import _const, _detached, svdvals


# --------------------------------------------------------------------- LU
def _lu_kernel(A):
    lu, piv, _ = jax.lax.linalg.lu(A)
    return lu, (piv + 1).astype(jnp.int32)


lu_factor_fn = JaxFunction(_lu_kernel, name="linalg_lu_factor_ex",
                           node="LinalgLuFactorExBackward0")


def _perm_matrix(piv, m, dtype):
    perm = jax.lax.linalg.lu_pivots_to_permutation(piv - 1, m)
    # A[perm] = L U, so A = P L U with P[perm[i], i] = 1.
    return jnp.swapaxes(jax.nn.one_hot(perm, m, dtype=dtype), -1, -2)


def _lu_unpack_kernel(LU, piv, unpack_data, unpack_pivots):
    m, n = LU.shape[-2:]
    k = min(m, n)
    P = _perm_matrix(piv, m, LU.dtype) if unpack_pivots else jnp.zeros((0,), LU.dtype)
    if not unpack_data:
        return P, jnp.zeros((0,), LU.dtype), jnp.zeros((0,), LU.dtype)
    L = jnp.tril(LU[..., :, :k], -1) + jnp.eye(m, k, dtype=LU.dtype)
    U = jnp.triu(LU[..., :k, :])
    return P, L, U


lu_unpack_fn = JaxFunction(_lu_unpack_kernel, name="lu_unpack", node="LuUnpackBackward0")


def _lu_plu(A):
    lu, piv = _lu_kernel(A)
    return _lu_unpack_kernel(lu, piv, True, True)


lu_fn = JaxFunction(_lu_plu, name="linalg_lu", node="LinalgLuBackward0")


def _lu_ndim(name, A):
    if A.ndim < 2:
        raise RuntimeError(_errors.LU_NDIM.format(name=name, size=list(A.shape)))


@public(**_linalg)
def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """Matches `torch.linalg.lu_factor_ex` (pivot=True)."""
    _lu_ndim("torch.lu_factor", A)
    LU, pivots = lu_factor_fn(A)
    zero = jnp.diagonal(LU._storage.array, axis1=-2, axis2=-1) == 0
    info = _const(jnp.where(zero.any(-1), jnp.argmax(zero, -1) + 1, 0).astype(jnp.int32))
    return return_types.make("linalg_lu_factor_ex", ("LU", "pivots", "info"))(LU, pivots, info)


@public(**_linalg)
def lu_factor(A, *, pivot=True):
    """Matches `torch.linalg.lu_factor` (pivot=True)."""
    _lu_ndim("torch.lu_factor", A)
    LU, pivots = lu_factor_fn(A)
    return return_types.make("linalg_lu_factor", ("LU", "pivots"))(LU, pivots)


@public(**_linalg)
def lu(A, *, pivot=True):
    """Matches `torch.linalg.lu` (pivot=True; P carries no graph, as torch's)."""
    _lu_ndim("linalg.lu", A)
    P, L, U = lu_fn(A)
    return return_types.make("linalg_lu", ("P", "L", "U"))(_detached(P), L, U)


@public(method=False)
def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """Matches `torch.lu_unpack`."""
    _lu_ndim("torch.lu_unpack", LU_data)
    P, L, U = lu_unpack_fn(LU_data, LU_pivots, unpack_data=unpack_data,
                           unpack_pivots=unpack_pivots)
    return return_types.make("lu_unpack", ("P", "L", "U"))(_detached(P), L, U)


def _lu_solve_kernel(LU, piv, B, left, adjoint):
    n = LU.shape[-1]
    tri = jax.lax.linalg.triangular_solve
    perm = jax.lax.linalg.lu_pivots_to_permutation(piv - 1, n)
    if not left:  # X A = B  <=>  A^T X^T = B^T (real inputs)
        B = jnp.swapaxes(B, -1, -2)
        adjoint = not adjoint
    if not adjoint:  # P L U X = B
        Y = jnp.take_along_axis(B, perm[..., :, None], axis=-2)
        Y = tri(LU, Y, left_side=True, lower=True, unit_diagonal=True)
        X = tri(LU, Y, left_side=True, lower=False)
    else:  # U^T L^T P^T X = B
        Y = tri(LU, B, left_side=True, lower=False, transpose_a=True)
        Y = tri(LU, Y, left_side=True, lower=True, unit_diagonal=True, transpose_a=True)
        inv = jnp.argsort(perm, axis=-1)
        X = jnp.take_along_axis(Y, inv[..., :, None], axis=-2)
    return jnp.swapaxes(X, -1, -2) if not left else X


# torch's kernel writes B's gradient in place when left=True.
lu_solve_fns = {left: JaxFunction(_lu_solve_kernel, name="linalg_lu_solve",
                                  node="LinalgLuSolveBackward0", grad_version=int(left))
                for left in (True, False)}


@public(**_linalg)
def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """Matches `torch.linalg.lu_solve`."""
    if B.ndim < 2:
        raise RuntimeError(_errors.LINALG_NDIM_B.format(name="lu_solve"))
    if LU.shape[-1] != LU.shape[-2]:
        raise RuntimeError("torch." + _errors.LINALG_SQUARE.format(
            name="lu_solve", m=LU.shape[-2], n=LU.shape[-1]))
    return lu_solve_fns[bool(left)](LU, pivots, B, left=left, adjoint=adjoint)


# --------------------------------------------------------------------- Cholesky products
def _cholesky_product(L, upper):
    Lh = jnp.swapaxes(L, -1, -2).conj()
    return Lh @ L if upper else L @ Lh


def _with_grad_of(value, h):
    """`value`, with the derivative of `h` (torch's formula for it, written as a function)."""
    sg = jax.lax.stop_gradient
    return sg(value) + h - sg(h)


def _cholesky_inverse_kernel(L, upper):
    # torch reads one triangle; its formula (-(inv (g + g^H) inv) L) uses the whole input.
    tri = jnp.triu(L) if upper else jnp.tril(L)
    inv0 = jax.lax.stop_gradient(jnp.linalg.inv(_cholesky_product(tri, upper)))
    return _with_grad_of(inv0, -(inv0 @ _cholesky_product(L, upper) @ inv0))


def _cholesky_solve_kernel(B, L, upper):
    tri = jnp.triu(L) if upper else jnp.tril(L)
    inv0 = jax.lax.stop_gradient(jnp.linalg.inv(_cholesky_product(tri, upper)))
    X0 = jax.lax.stop_gradient(inv0 @ B)
    return _with_grad_of(X0, inv0 @ B - inv0 @ _cholesky_product(L, upper) @ X0)


cholesky_inverse_fn = JaxFunction(_cholesky_inverse_kernel, name="cholesky_inverse",
                                  node="CholeskyInverseBackward0")
cholesky_solve_fn = JaxFunction(_cholesky_solve_kernel, name="cholesky_solve",
                                node="CholeskySolveBackward0", grad_version=(1, 0))


@public
def cholesky_inverse(input, upper=False):
    """Matches `torch.cholesky_inverse`."""
    if input.ndim < 2:
        raise RuntimeError(_errors.LINALG_NDIM.format(name="cholesky_inverse")[len("linalg."):])
    return cholesky_inverse_fn(input, upper=upper)


@public
def cholesky_solve(input, input2, upper=False):
    """Matches `torch.cholesky_solve`."""
    if input.ndim < 2:
        raise RuntimeError(_errors.CHOLESKY_SOLVE_NDIM.format(ndim=input.ndim))
    return cholesky_solve_fn(input, input2, upper=upper)


def householder_full_q(A, tau):
    """Q = H_1 ... H_k (m x m), H_i = I - tau_i v_i v_i^H (v_i: column i of A below the
    diagonal, 1 on it)."""
    m = A.shape[-2]
    Q = jnp.broadcast_to(jnp.eye(m, dtype=A.dtype), A.shape[:-2] + (m, m))
    rows = jnp.arange(m)
    for i in range(tau.shape[-1]):
        v = jnp.where(rows < i, 0, jnp.where(rows == i, 1, A[..., :, i]))
        Qv = Q @ v[..., :, None]
        Q = Q - tau[..., i, None, None] * (Qv @ v[..., None, :].conj())
    return Q


def _householder_kernel(A, tau):
    return householder_full_q(A, tau)[..., :, :A.shape[-1]]


householder_fn = JaxFunction(_householder_kernel, name="linalg_householder_product",
                             node="LinalgHouseholderProductBackward0", grad_version=(3, 2))


@public(**_linalg)
def householder_product(input, tau):
    """Matches `torch.linalg.householder_product`."""
    if input.ndim < 2:
        raise RuntimeError(_errors.HOUSEHOLDER_NDIM)
    if input.shape[-2] < input.shape[-1]:
        raise RuntimeError(_errors.HOUSEHOLDER_ROWS)
    if input.shape[-1] < tau.shape[-1]:
        raise RuntimeError(_errors.HOUSEHOLDER_TAU)
    return householder_fn(input, tau)


@public(name="svd")
def svd_(input, some=True, compute_uv=True):
    """Matches `torch.svd` (V, not Vh: a transpose of linalg.svd's Vh)."""
    if input.ndim < 2:
        raise RuntimeError(_errors.SVD_NDIM.format(ndim=input.ndim))
    if not compute_uv:
        m, n = input.shape[-2:]
        S = svdvals(input)
        U = _tensor.zeros(tuple(input.shape[:-2]) + (m, m), dtype=input.dtype)
        V = _tensor.zeros(tuple(input.shape[:-2]) + (n, n), dtype=input.dtype)
        return return_types.make("svd", ("U", "S", "V"))(U, S, V)
    U, S, Vh = svd(input, full_matrices=not some)
    return return_types.make("svd", ("U", "S", "V"))(U, S, Vh.mT)


# --------------------------------------------------------------------- Householder, lstsq, rank
def _lstsq_kernel(A, B, rcond, driver):
    m, n = A.shape[-2:]
    if rcond is None:
        rcond = float(jnp.finfo(A.dtype).eps) * max(m, n)
    X = jnp.linalg.pinv(A, rtol=rcond) @ B
    s = jnp.linalg.svd(jax.lax.stop_gradient(A), compute_uv=False)
    rank = (s > rcond * s[..., :1]).sum(-1).astype(jnp.int64)
    if m > n and driver != "gelsy":
        res = ((A @ X - B) ** 2).sum(-2)
    else:
        res = jnp.zeros((0,), A.dtype)
    return X, res, rank, s if driver in ("gelsd", "gelss") else jnp.zeros((0,), A.dtype)


lstsq_fn = JaxFunction(_lstsq_kernel, name="linalg_lstsq", node="LinalgLstsqBackward0",
                       grad_version=(1, 0))


@public(**_linalg)
def lstsq(input, b, rcond=None, *, driver=None):
    """Matches `torch.linalg.lstsq` for full-rank A and a matrix B (the solution by the
    pseudo-inverse; residuals for m > n unless driver='gelsy')."""
    if input.ndim < 2 or b.ndim < 1 or input.shape[-2] != (b.shape[-2] if b.ndim >= 2 else b.shape[-1]):
        raise RuntimeError(_errors.LSTSQ_SHAPES.format(d=-2 if b.ndim >= 2 else -1))
    X, res, rank, s = lstsq_fn(input, b, rcond=rcond, driver=driver or "gelsy")
    return return_types.make("linalg_lstsq", ("solution", "residuals", "rank",
                                              "singular_values"))(X, res, rank, _detached(s))


@_cc_jit
def _svals(A):
    return jnp.linalg.svd(A, compute_uv=False)


@public(**_linalg)
def matrix_rank(input, tol=None, hermitian=False, *, atol=None, rtol=None):
    """Matches `torch.linalg.matrix_rank`."""
    if input.ndim < 2:
        raise RuntimeError(_errors.MATRIX_RANK_NDIM)
    if tol is not None:
        atol, rtol = tol, 0.0
    m, n = input.shape[-2:]
    a = input._storage.array
    s = jnp.abs(jnp.linalg.eigvalsh(a)) if hermitian else _svals(a)
    if atol is None and rtol is None:
        rtol = float(jnp.finfo(a.dtype).eps) * max(m, n)
    elif rtol is None:
        rtol = 0.0 if (atol or 0) > 0 else float(jnp.finfo(a.dtype).eps) * max(m, n)
    smax = s.max(-1, keepdims=True) if s.shape[-1] else jnp.zeros(s.shape[:-1] + (1,), s.dtype)
    cutoff = jnp.maximum(atol or 0.0, rtol * smax)
    out = _const((s > cutoff).sum(-1).astype(jnp.int64))
    out._vc.version = 1  # torch's result is written in place by its kernel
    return out


# --------------------------------------------------------------------- complex queries
# tapegrad has no lazy conjugate or negative bits: is_conj/is_neg are False and resolve_conj/
# resolve_neg return the tensor itself (what torch does for a tensor without those bits).
@public(method=False)
def is_complex(input):
    """Matches `torch.is_complex`."""
    return input.dtype.is_complex


@public
def is_conj(input):
    """Matches `torch.is_conj` (False: tapegrad never holds a lazy conjugate)."""
    return False


@public
def is_neg(input):
    """Matches `torch.is_neg` (False: tapegrad never holds a lazy negation)."""
    return False


@public
def resolve_conj(input):
    """Matches `torch.resolve_conj` (the tensor itself: no lazy conjugate to resolve)."""
    return input


@public
def resolve_neg(input):
    """Matches `torch.resolve_neg` (the tensor itself: no lazy negation to resolve)."""
    return input
