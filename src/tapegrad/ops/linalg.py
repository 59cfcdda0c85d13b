"""Matrix products and decompositions: the table. `matmul` decomposes into these as torch's
does; the public functions check shapes and dtypes with torch's errors first."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import _errors, return_types
from .._checks import broadcast_shapes
from .._lru import LRU
from ._op import Op
from ._registry import public
from .from_jax import JaxFunction
from .reduction import vector_norm as _vector_norm
from .shape import squeeze_inplace_dim, unsafe_view

mm_op = Op("mm", "MmBackward0", lambda self, mat2: jnp.matmul(self, mat2),
           inputs=("self", "mat2"),
           derivatives={"self": lambda grad, mat2: grad.mm(mat2.t()),
                        "mat2": lambda grad, self: self.t().mm(grad)})
bmm_op = Op("bmm", "BmmBackward0", lambda self, mat2: jnp.matmul(self, mat2),
            inputs=("self", "mat2"),
            derivatives={"self": lambda grad, mat2: grad.bmm(mat2.transpose(1, 2)),
                         "mat2": lambda grad, self: self.transpose(1, 2).bmm(grad)})
mv_op = Op("mv", "MvBackward0", lambda self, vec: jnp.matmul(self, vec), inputs=("self", "vec"),
           derivatives={"self": lambda grad, vec: grad.unsqueeze(1).mm(vec.unsqueeze(0)),
                        "vec": lambda grad, self: self.t().mv(grad)})
dot_op = Op("dot", "DotBackward0", lambda self, tensor: jnp.dot(self, tensor),
            inputs=("self", "tensor"),
            derivatives={"self": lambda grad, tensor: grad * tensor,
                         "tensor": lambda grad, self: grad * self})


@public
def mm(input, mat2):
    """Matches `torch.mm`."""
    if input.ndim != 2:
        raise RuntimeError(_errors.MM_NOT_MATRIX.format(name="self"))
    if mat2.ndim != 2:
        raise RuntimeError(_errors.MM_NOT_MATRIX.format(name="mat2"))
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(_errors.MM_SHAPES.format(a0=input.shape[0], a1=input.shape[1],
                                                    b0=mat2.shape[0], b1=mat2.shape[1]))
    if input.dtype is not mat2.dtype:
        raise RuntimeError(_errors.MM_DTYPE.format(a=input.dtype.type_meta_name,
                                                   b=mat2.dtype.type_meta_name))
    return mm_op(input, mat2)


@public
def bmm(input, mat2):
    """Matches `torch.bmm`."""
    if input.ndim != 3:
        raise RuntimeError(_errors.BMM_NOT_3D.format(name="batch1"))
    if mat2.ndim != 3:
        raise RuntimeError(_errors.BMM_NOT_3D.format(name="batch2"))
    if mat2.shape[0] != input.shape[0] or mat2.shape[1] != input.shape[2]:
        raise RuntimeError(_errors.BMM_SIZES.format(b=input.shape[0], k=input.shape[2],
                                                    b2=mat2.shape[0], k2=mat2.shape[1]))
    if input.dtype is not mat2.dtype:
        raise RuntimeError(_errors.BMM_DTYPE.format(a=input.dtype.scalar_name,
                                                    b=mat2.dtype.scalar_name))
    return bmm_op(input, mat2)


@public
def mv(input, vec):
    """Matches `torch.mv`."""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(_errors.MV_NOT.format(a=1, b=input.ndim, c=vec.ndim))
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(_errors.MV_SHAPES.format(n=input.shape[0], m=input.shape[1],
                                                    k=vec.shape[0]))
    if input.dtype is not vec.dtype:
        raise RuntimeError(_errors.MV_DTYPE.format(vec=vec.dtype.scalar_name,
                                                   mat=input.dtype.scalar_name))
    return mv_op(input, vec)


@public
def dot(input, tensor):
    """Matches `torch.dot`."""
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(_errors.DOT_DIMS.format(a=input.ndim, b=tensor.ndim))
    if input.shape[0] != tensor.shape[0]:
        raise RuntimeError(_errors.DOT_SIZES.format(a=input.shape[0], b=tensor.shape[0]))
    if input.dtype is not tensor.dtype:
        raise RuntimeError(_errors.DOT_DTYPE.format(a=input.dtype.scalar_name,
                                                    b=tensor.dtype.scalar_name))
    return dot_op(input, tensor)


@public(dunders=("__matmul__",))
def matmul(input, other):
    """Matrix product with torch's decomposition. Matches `torch.matmul`.

    torch: dot (1-D @ 1-D), mv, mm, unsqueeze-mm-squeeze_ (1-D @ 2-D), batch folded into rows
    and unfolded by _unsafe_view (N-D @ 1/2-D), else expand + view + bmm + _unsafe_view.
    """
    a, b = input.ndim, other.ndim
    if a == 0 or b == 0:
        raise RuntimeError(_errors.MATMUL_0D.format(a=a, b=b))
    if a == 1 and b == 1:
        return dot(input, other)
    if a == 2 and b == 1:
        return mv(input, other)
    if a == 1 and b == 2:
        return squeeze_inplace_dim(mm(input.unsqueeze(0), other), 0)
    if a == 2 and b == 2:
        return mm(input, other)
    if a >= 3 and b <= 2:
        rows = input.reshape(-1, input.shape[-1])
        out = mv(rows, other) if b == 1 else mm(rows, other)
        shape = tuple(input.shape[:-1]) + (() if b == 1 else (other.shape[-1],))
        return unsafe_view(out, shape)
    self2 = input.unsqueeze(0) if a == 1 else input
    other2 = other.unsqueeze(-1) if b == 1 else other
    batch = broadcast_shapes(tuple(self2.shape[:-2]), tuple(other2.shape[:-2]))
    n = 1
    for s in batch:
        n *= s
    x = self2.expand(batch + tuple(self2.shape[-2:])).reshape(n, *self2.shape[-2:])
    y = other2.expand(batch + tuple(other2.shape[-2:])).reshape(n, *other2.shape[-2:])
    out_shape = batch + (self2.shape[-2], other2.shape[-1])
    if a == 1:
        out_shape = batch + (other2.shape[-1],)
    if b == 1:
        out_shape = out_shape[:-1]
    return unsafe_view(bmm(x, y), out_shape)


@public(function=False, name="__rmatmul__")
def _rmatmul(self, other):
    return matmul(other, self)


@public(aliases=("ger",))
def outer(input, vec2):
    """Matches `torch.outer` (a broadcast mul: MulBackward0)."""
    if input.ndim != 1:
        raise RuntimeError(_errors.OUTER_DIMS.format(name="self", ndim=input.ndim))
    if vec2.ndim != 1:
        raise RuntimeError(_errors.OUTER_DIMS.format(name="vec2", ndim=vec2.ndim))
    return input.reshape(-1, 1) * vec2


# --------------------------------------------------------------------- decompositions
# Formulas torch writes with data-dependent branches (rank, pivots) are taken from jax.vjp via
# the generic path, keeping torch's node names; their double-backward graphs show generic nodes.
inv_op = Op("linalg_inv", "LinalgInvExBackward0", lambda A: jnp.linalg.inv(A), inputs=("A",),
            outputs=("inverse",), dtype_rule="keep",
            derivatives={"A": lambda grad, inverse: -(inverse.mT @ grad @ inverse.mT)})
det_fn = JaxFunction(jnp.linalg.det, name="linalg_det", node="LinalgDetBackward0",
                     grad_version=1)
def _solve_backward_A(grad, A, result):
    g = solve_op(A.mT, grad)
    if result.ndim == 1:  # a vector right-hand side: the outer product
        return -(g.unsqueeze(-1) * result.unsqueeze(-2))
    return -(g @ result.mT)


solve_op = Op("linalg_solve", "LinalgSolveExBackward0", lambda A, B: jnp.linalg.solve(
    A, B[..., None])[..., 0] if B.ndim == 1 else jnp.linalg.solve(A, B),
              # torch's kernel writes B's gradient in place, unless B is a vector.
              grad_version={"B": lambda shape: 1 if len(shape) > 1 else 0},
              inputs=("A", "B"), dtype_rule="promote",
              derivatives={"A": lambda grad, A, result: _solve_backward_A(grad, A, result),
                           "B": lambda grad, A: solve_op(A.mT, grad)})
cholesky_fn = JaxFunction(lambda A, upper: jnp.linalg.cholesky(A).mT if upper
                          else jnp.linalg.cholesky(A), name="linalg_cholesky",
                          node="LinalgCholeskyExBackward0", grad_version=1)
qr_fn = JaxFunction(lambda A, mode: tuple(jnp.linalg.qr(A, mode=mode)), name="linalg_qr",
                    node="LinalgQrBackward0", grad_version=1)
def _svd_kernel(A, full_matrices):
    U, S, Vh = jnp.linalg.svd(A, full_matrices=False)
    if not full_matrices or A.shape[-1] == A.shape[-2]:
        return U, S, Vh
    # torch's backward of a full SVD uses the first k columns only (the rest are not unique):
    # the values of the full SVD, the derivative of the reduced one (signs aligned).
    Uf, _, Vhf = jnp.linalg.svd(jax.lax.stop_gradient(A), full_matrices=True)
    k = S.shape[-1]
    sign = jax.lax.stop_gradient(jnp.sign((Uf[..., :, :k] * U).sum(-2)))
    U, Vh = U * sign[..., None, :], Vh * sign[..., :, None]
    Uf = Uf.at[..., :, :k].set(U)
    Vhf = Vhf.at[..., :k, :].set(Vh)
    return Uf, S, Vhf


svd_fn = JaxFunction(_svd_kernel, name="linalg_svd", node="LinalgSvdBackward0")
_einsum_fns = LRU("einsum", 256)


def _check_einsum(equation: str, operands: tuple) -> None:
    """torch's einsum argument checks (explicit subscripts; `...` is left to JAX)."""
    inputs, _, output = equation.replace(" ", "").partition("->")
    terms = inputs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError(_errors.EINSUM_FEWER)
    if len(terms) < len(operands):  # (raised by torch's Python wrapper: a ValueError)
        raise ValueError(_errors.EINSUM_OPERANDS.format(n=len(terms), m=len(operands)))
    seen: dict[str, int] = {}
    for index, (term, op) in enumerate(zip(terms, operands)):
        if "..." in term or len(term) != op.ndim:
            continue
        for label, size in zip(term, op.shape):
            if label in seen and seen[label] != size and 1 not in (size, seen[label]):
                raise RuntimeError(_errors.EINSUM_SIZE.format(label=label, size=size,
                                                              index=index, seen=seen[label]))
            seen.setdefault(label, size)
    for label in output.replace(".", ""):
        if not any(label in term for term in terms):
            raise RuntimeError(_errors.EINSUM_OUTPUT.format(label=label))


@public(method=False)
def einsum(equation, *operands):
    """Matches `torch.einsum` values and grads (its node is `EinsumBackward`, see README)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    _check_einsum(equation, operands)
    fn = _einsum_fns.get(equation)
    if fn is None:
        fn = JaxFunction(lambda *ops: jnp.einsum(equation, *ops), name="einsum")
        _einsum_fns[equation] = fn
    return fn(*operands)


# --------------------------------------------------------------------- torch.linalg
_linalg = dict(namespace="linalg", method=False)
public(matmul, **_linalg)


class _LinAlgError(RuntimeError):
    """A decomposition that cannot be completed. Matches `torch.linalg.LinAlgError` (whose
    class torch names `_LinAlgError`)."""


LinAlgError = _LinAlgError


def _matrices(name: str, A, square: bool = True) -> None:
    if A.ndim < 2:
        raise RuntimeError(_errors.LINALG_NDIM.format(name=name))
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(_errors.LINALG_SQUARE.format(name=name, m=A.shape[-2],
                                                        n=A.shape[-1]))


@jax.jit
def _first_zero_pivot(a):
    # 1-based index of the first zero on U's diagonal (torch's message), or 0.
    u = jax.scipy.linalg.lu_factor(a)[0]
    zero = jnp.diagonal(u, axis1=-2, axis2=-1) == 0
    return jnp.where(zero.any(), jnp.argmax(zero.reshape(-1, zero.shape[-1]).any(0)) + 1, 0)


@public(**_linalg)
def inv(A):
    """Matches `torch.linalg.inv` (a singular matrix raises LinAlgError when its values are
    concrete: see NOTE [Index checks] for why a value is read on the host)."""
    _matrices("inv", A)
    out = inv_op(A)
    array = A._storage.array
    if not isinstance(array, jax.core.Tracer) and array.size:
        k = int(_first_zero_pivot(array))
        if k:
            raise _LinAlgError(_errors.LINALG_SINGULAR.format(index=k))
    return out


@public(**_linalg)
def det(A):
    """Matches `torch.linalg.det`."""
    _matrices("det", A)
    return det_fn(A)


@public(**_linalg)
def solve(A, B, *, left=True):
    """Matches `torch.linalg.solve` (left=True)."""
    _matrices("solve", A)
    b = B.shape if B.ndim >= 2 else (B.shape[0], 1) if B.ndim == 1 else (1, 1)
    if b[-2] != A.shape[-1]:
        raise RuntimeError(_errors.LINALG_SOLVE_SHAPES.format(
            a0=A.shape[-2], a1=A.shape[-1], b0=b[-2], b1=b[-1]))
    return solve_op(A, B)


@public(**_linalg)
def cholesky(A, *, upper=False):
    """Matches `torch.linalg.cholesky` (a matrix that is not positive-definite raises
    LinAlgError when its values are concrete)."""
    _matrices("cholesky", A)
    out = cholesky_fn(A, upper=upper)
    array = out._storage.array
    if not isinstance(array, jax.core.Tracer) and array.size:
        bad = np.isnan(np.diagonal(np.asarray(array), axis1=-2, axis2=-1)).reshape(
            -1, array.shape[-1]).any(0)
        if bad.any():
            raise _LinAlgError(_errors.LINALG_NOT_PD.format(order=int(np.argmax(bad)) + 1))
    return out


@public(**_linalg)
def qr(A, mode="reduced"):
    """Matches `torch.linalg.qr`."""
    _matrices("qr", A, square=False)
    Q, R = qr_fn(A, mode=mode)
    return return_types.make("qr", ("Q", "R"))(Q, R)


@public(**_linalg)
def svd(A, full_matrices=True):
    """Matches `torch.linalg.svd`."""
    _matrices("svd", A, square=False)
    U, S, Vh = svd_fn(A, full_matrices=full_matrices)
    return return_types.make("linalg_svd", ("U", "S", "Vh"))(U, S, Vh)


@public(dims="dim", **_linalg)
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """Matches `torch.linalg.vector_norm`."""
    return _vector_norm(x, ord, dim, keepdim)


@public(dims="dim", **_linalg)
def norm(A, ord=None, dim=None, keepdim=False):  # noqa: A002
    """Matches `torch.linalg.norm` for vector norms."""
    return _vector_norm(A, 2 if ord is None else ord, dim, keepdim)


# --------------------------------------------------------------------- linalg family (issue 11)
# Decompositions whose torch formulas branch on data run on the generic path under torch's
# node names (as det/cholesky/qr/svd above); compositions are written as torch writes them
# (matrix_norm, cond, matrix_power, multi_dot, vander, ...), so their graphs are torch's.
from .. import _checks  # noqa: E402
from .. import tensor as _tensor  # noqa: E402
from ..tensor import Tensor  # noqa: E402
from .shape import cat as _cat  # noqa: E402
from .shape import diagonal as _diagonal  # noqa: E402


def _const(array) -> Tensor:
    """A result torch returns without a graph (info, pivots, rank)."""
    return Tensor._make(array)


def _float_input(name: str, A) -> None:
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(_errors.LINALG_NOT_FLOAT.format(name=name, dtype=A.dtype.scalar_name))


def _detached(t: Tensor) -> Tensor:
    return Tensor._make(t._storage.array)


@jax.jit
def _zero_pivot_info(a):
    # Per matrix: 1-based index of the first zero on U's diagonal (LAPACK's info), or 0.
    u = jax.scipy.linalg.lu_factor(a)[0] if a.ndim == 2 else jax.vmap(
        lambda m: jax.scipy.linalg.lu_factor(m)[0])(a.reshape(-1, *a.shape[-2:])).reshape(a.shape)
    zero = jnp.diagonal(u, axis1=-2, axis2=-1) == 0
    return jnp.where(zero.any(-1), jnp.argmax(zero, -1) + 1, 0).astype(jnp.int32)


@jax.jit
def _not_pd_info(chol):
    bad = jnp.isnan(jnp.diagonal(chol, axis1=-2, axis2=-1))
    return jnp.where(bad.any(-1), jnp.argmax(bad, -1) + 1, 0).astype(jnp.int32)


def _raise_info(info: Tensor, make_error) -> None:
    array = info._storage.array
    if not isinstance(array, jax.core.Tracer) and array.size:
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
    from .pointwise import where
    return where(sign == -1.0, float("nan"), logabsdet)


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
def cholesky_ex(A, *, upper=False, check_errors=False):
    """Matches `torch.linalg.cholesky_ex`."""
    _matrices("cholesky", A)
    L = cholesky_fn(A, upper=upper)
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
    return svd_fn(A, full_matrices=False)[1]


def _backshift(d0: int, d1: int, ndim: int) -> tuple[int, ...]:
    return tuple(i for i in range(ndim) if i not in (d0, d1)) + (d0, d1)


@public(**_linalg)
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """Matches `torch.linalg.matrix_norm` (torch's composition: vector_norm, svdvals, amax)."""
    if A.ndim < 2:
        raise RuntimeError(_errors.LINALG_NDIM.format(name="matrix_norm"))
    _float_input("linalg.matrix_norm", A)
    d0, d1 = (_checks.wrap_dim(d, A.ndim) for d in dim)
    if d0 == d1:
        raise RuntimeError(_errors.MATRIX_NORM_DIMS.format(d0=dim[0], d1=dim[1]))
    if dtype is not None:
        A = A.to(dtype)
    if isinstance(ord, str):
        if ord == "fro":
            return _vector_norm(A, 2, (d0, d1), keepdim)
        if ord != "nuc":
            raise RuntimeError(_errors.MATRIX_NORM_ORDER.format(ord=ord))
    elif abs(ord) not in (1, 2, float("inf")):
        raise RuntimeError(_errors.MATRIX_NORM_ORDER.format(ord=ord))
    if ord == "nuc" or abs(ord) == 2:
        perm = _backshift(d0, d1, A.ndim)
        s = svdvals(A.permute(perm))
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
    rows = _vector_norm(A, 1.0, (d0,), keepdim)
    return rows.amax(d1, keepdim=keepdim) if ord > 0 else rows.amin(d1, keepdim=keepdim)


@public(**_linalg)
def cond(A, p=None):
    """Matches `torch.linalg.cond` (torch's composition)."""
    if A.ndim < 2:
        raise RuntimeError(_errors.COND_NDIM)
    if p is None or (not isinstance(p, str) and abs(p) == 2):
        s = svdvals(A)
        s_max, s_min = s.narrow(-1, 0, 1), s.narrow(-1, -1, 1)
        result = s_min / s_max if p == -2 else s_max / s_min
        return result.squeeze(-1)
    label = p if isinstance(p, str) else int(p)
    _matrices(f"cond(ord={label})", A)
    inverse_, info = inv_ex(A)
    inverse_.masked_fill_((info > 0).unsqueeze(-1).unsqueeze(-1), float("inf"))
    result = matrix_norm(A, p) * matrix_norm(inverse_, p)
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
def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """Matches `torch.linalg.pinv`."""
    if A.ndim < 2 or not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(_errors.PINV_INPUT.format(
            dtype=A.dtype.scalar_name, shape=list(A.shape)))
    return pinv_fn(A, atol=atol, rtol=rtol, hermitian=hermitian)


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
def eigh(A, UPLO="L"):
    """Matches `torch.linalg.eigh`."""
    _eigh_checks(A, UPLO)
    w, v = eigh_fn(A, UPLO=UPLO)
    return return_types.make("linalg_eigh", ("eigenvalues", "eigenvectors"))(w, v)


@public(**_linalg)
def eigvalsh(A, UPLO="L"):
    """Matches `torch.linalg.eigvalsh` (output 0 of LinalgEighBackward0, as torch)."""
    _eigh_checks(A, UPLO)
    return eigh_fn(A, UPLO=UPLO)[0]


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
def matrix_exp(A):
    """Matches `torch.linalg.matrix_exp`."""
    _matrices("matrix_exp", A)
    return matrix_exp_fn(A)


public(matrix_exp, name="matrix_exp", function=True, method=True)


@public(**_linalg)
def matrix_power(A, n):
    """Matches `torch.linalg.matrix_power` (torch's binary decomposition with matmul)."""
    _matrices("matrix_power", A)
    if n == 0:
        out = A.clone()
        out.copy_(_tensor.eye(A.shape[-1], dtype=A.dtype).expand(tuple(A.shape)))
        return out
    if n < 0:
        _float_input("linalg.inv", A)
        A = inv(A)
        n = -n
    if n == 1:
        return A.clone()
    if n == 2:
        return matmul(A, A)
    if n == 3:
        return matmul(matmul(A, A), A)
    z = result = None
    while n > 0:
        bit = n % 2
        n //= 2
        z = A if z is None else matmul(z, z)
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
            import warnings
            warnings.warn(_errors.CROSS_NO_DIM, UserWarning, stacklevel=2)
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
        import warnings
        warnings.warn(_errors.CHAIN_MATMUL_DEPRECATED, UserWarning, stacklevel=2)
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
def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """Matches `torch.linalg.solve_triangular`."""
    if A.ndim < 2:
        raise RuntimeError(_errors.LINALG_NDIM.format(name="solve_triangular"))
    if B.ndim < 2:
        raise RuntimeError(_errors.LINALG_NDIM_B.format(name="solve_triangular"))
    _matrices("solve_triangular", A)
    k = B.shape[-2] if left else B.shape[-1]
    if k != A.shape[-1]:
        raise RuntimeError(_errors.LINALG_TRI_SHAPES.format(
            a0=A.shape[-2], a1=A.shape[-1], b0=B.shape[-2], b1=B.shape[-1]))
    return solve_tri_fn(A, B, upper=upper, left=left, unitriangular=unitriangular)


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
def tensorsolve(A, B, dims=None):
    """Matches `torch.linalg.tensorsolve` (reshape, solve, view back; dims=None)."""
    if dims is not None:
        nd = A.ndim
        ds = [_checks.wrap_dim(d, nd) for d in dims]
        rest = [i for i in range(nd) if i not in ds]
        A = A.permute(tuple(rest + ds))
    result_shape = tuple(A.shape[B.ndim:])
    p = int(np.prod(result_shape, dtype=np.int64))
    A2 = A.reshape(p, p)
    result = solve(A2, B if B.ndim == 1 else B.flatten())
    return result.view(result_shape)


# --------------------------------------------------------------------- add*mm family
def _maybe_mul(t, s):
    return t if s == 1 else t * s


def _beta_self(self, beta):
    return jnp.zeros_like(self) if beta == 0 else beta * self


addmm_op = Op("addmm", "AddmmBackward0",
              lambda self, mat1, mat2, beta, alpha: _beta_self(self, beta) + alpha * (mat1 @ mat2),
              inputs=("self", "mat1", "mat2"), static=("beta", "alpha"),
              derivatives={"self": lambda grad, beta: _maybe_mul(grad, beta),
                           "mat1": lambda grad, mat2, alpha: _maybe_mul(grad.mm(mat2.t()), alpha),
                           "mat2": lambda grad, mat1, alpha: _maybe_mul(mat1.t().mm(grad), alpha)})
addmv_op = Op("addmv", "AddmvBackward0",
              lambda self, mat, vec, beta, alpha: _beta_self(self, beta) + alpha * (mat @ vec),
              inputs=("self", "mat", "vec"), static=("beta", "alpha"),
              derivatives={"self": lambda grad, beta: _maybe_mul(grad, beta),
                           "mat": lambda grad, vec, alpha: outer(grad, vec) * alpha,
                           "vec": lambda grad, mat, alpha: mat.t().mv(grad) * alpha})
addr_op = Op("addr", "AddrBackward0",
             lambda self, vec1, vec2, beta, alpha: _beta_self(self, beta)
             + alpha * jnp.outer(vec1, vec2),
             inputs=("self", "vec1", "vec2"), static=("beta", "alpha"),
             derivatives={"self": lambda grad, beta: _maybe_mul(grad, beta),
                          "vec1": lambda grad, vec2, alpha: _maybe_mul(grad.mv(vec2), alpha),
                          "vec2": lambda grad, vec1, alpha: _maybe_mul(grad.t().mv(vec1), alpha)})
baddbmm_op = Op("baddbmm", "BaddbmmBackward0",
                lambda self, batch1, batch2, beta, alpha: _beta_self(self, beta)
                + alpha * (batch1 @ batch2),
                inputs=("self", "batch1", "batch2"), static=("beta", "alpha"),
                derivatives={"self": lambda grad, beta: _maybe_mul(grad, beta),
                             "batch1": lambda grad, batch2, alpha: _maybe_mul(
                                 grad.bmm(batch2.transpose(1, 2)), alpha),
                             "batch2": lambda grad, batch1, alpha: _maybe_mul(
                                 batch1.transpose(1, 2).bmm(grad), alpha)})


def _addbmm_expand(grad, b1, b2):
    return grad.unsqueeze(0).expand((b1[0], b1[1], b2[2]))


addbmm_op = Op("addbmm", "AddbmmBackward0",
               lambda self, batch1, batch2, beta, alpha: _beta_self(self, beta)
               + alpha * (batch1 @ batch2).sum(0),
               inputs=("self", "batch1", "batch2"), static=("beta", "alpha"),
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
        raise RuntimeError(_errors.EXPAND_SIZE.format(new=target[0], old=shape[0], dim=0,
                                                      target=list(target), sizes=list(shape)))
    offset = len(target) - len(shape)
    for i in range(len(shape) - 1, -1, -1):
        if shape[i] != 1 and shape[i] != target[i + offset]:
            raise RuntimeError(_errors.EXPAND_SIZE.format(
                new=target[i + offset], old=shape[i], dim=i + offset, target=list(target),
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


def _householder_kernel(A, tau):
    m, n = A.shape[-2:]
    Q = jnp.broadcast_to(jnp.eye(m, dtype=A.dtype), A.shape[:-2] + (m, m))
    rows = jnp.arange(m)
    for i in range(tau.shape[-1]):
        v = jnp.where(rows < i, 0, jnp.where(rows == i, 1, A[..., :, i]))
        Qv = Q @ v[..., :, None]
        Q = Q - tau[..., i, None, None] * (Qv @ v[..., None, :].conj())
    return Q[..., :, :n]


householder_fn = JaxFunction(_householder_kernel, name="linalg_householder_product",
                             node="LinalgHouseholderProductBackward0", grad_version=(3, 2))


@public(**_linalg)
def householder_product(A, tau):
    """Matches `torch.linalg.householder_product`."""
    if A.ndim < 2:
        raise RuntimeError(_errors.HOUSEHOLDER_NDIM)
    if A.shape[-2] < A.shape[-1]:
        raise RuntimeError(_errors.HOUSEHOLDER_ROWS)
    if A.shape[-1] < tau.shape[-1]:
        raise RuntimeError(_errors.HOUSEHOLDER_TAU)
    return householder_fn(A, tau)


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
def lstsq(A, B, rcond=None, *, driver=None):
    """Matches `torch.linalg.lstsq` for full-rank A and a matrix B (the solution by the
    pseudo-inverse; residuals for m > n unless driver='gelsy')."""
    if A.ndim < 2 or B.ndim < 1 or A.shape[-2] != (B.shape[-2] if B.ndim >= 2 else B.shape[-1]):
        raise RuntimeError(_errors.LSTSQ_SHAPES.format(d=-2 if B.ndim >= 2 else -1))
    X, res, rank, s = lstsq_fn(A, B, rcond=rcond, driver=driver or "gelsy")
    return return_types.make("linalg_lstsq", ("solution", "residuals", "rank",
                                              "singular_values"))(X, res, rank, _detached(s))


@jax.jit
def _svals(A):
    return jnp.linalg.svd(A, compute_uv=False)


@public(**_linalg)
def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):
    """Matches `torch.linalg.matrix_rank`."""
    if A.ndim < 2:
        raise RuntimeError(_errors.MATRIX_RANK_NDIM)
    if tol is not None:
        atol, rtol = tol, 0.0
    m, n = A.shape[-2:]
    a = A._storage.array
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
