"""Matrix products and decompositions: the table. `matmul` decomposes into these as torch's
does; the public functions check shapes and dtypes with torch's errors first."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from .._storage import value_checkable
from .._compilation_cache import jit as _cc_jit
from .. import _errors, return_types
from .._checks import broadcast_shapes
from .._lru import LRU
from ._op import Op
from ._registry import public
from .from_jax import JaxFunction
from .reduction import vector_norm as _vector_norm
from .shape import squeeze_inplace_dim, unsafe_view

mm_op = Op("mm", "MmBackward0", lambda self, mat2: jnp.matmul(self, mat2),
           inputs=("self", "mat2"), precision="matmul",
           derivatives={"self": lambda grad, mat2: grad.mm(mat2.t().conj()),
                        "mat2": lambda grad, self: self.t().conj().mm(grad)})
bmm_op = Op("bmm", "BmmBackward0", lambda self, mat2: jnp.matmul(self, mat2),
            inputs=("self", "mat2"), precision="matmul",
            derivatives={"self": lambda grad, mat2: grad.bmm(mat2.transpose(1, 2).conj()),
                         "mat2": lambda grad, self: self.transpose(1, 2).conj().bmm(grad)})
mv_op = Op("mv", "MvBackward0", lambda self, vec: jnp.matmul(self, vec), inputs=("self", "vec"),
           precision="matmul",
           # torch: self: grad.ger(vec.conj()) (outer: a reshape and a mul), vec:
           # self.conj().t().mv(grad).
           derivatives={"self": lambda grad, vec: grad.reshape(-1, 1) * vec.conj(),
                        "vec": lambda grad, self: self.conj().t().mv(grad)})
dot_op = Op("dot", "DotBackward0", lambda self, tensor: jnp.dot(self, tensor),
            inputs=("self", "tensor"), precision="matmul",
            derivatives={"self": lambda grad, tensor: grad * tensor.conj(),
                         "tensor": lambda grad, self: grad * self.conj()})


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
    if _should_fold(input, other):
        # torch folds the larger operand's batch into its rows and runs mm/mv (transposing
        # first when the larger one is `other`).
        transpose = b > a
        t1 = other.mT if transpose else input
        t2 = (input.t() if a == 2 else input) if transpose else other
        shape = tuple(t1.shape[:-1])
        rows = t1.reshape(math.prod(shape), t1.shape[-1])
        if t2.ndim == 2:
            out = unsafe_view(mm(rows, t2), shape + (t2.shape[1],))
            return out.mT.contiguous() if transpose else out
        return unsafe_view(mv(rows, t2), shape)
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
    out = bmm(x, y)
    if b == 1:
        out = out.squeeze(-1)  # torch drops the vector's column before the unsafe view
    return unsafe_view(out, out_shape)


def _should_fold(tensor1, tensor2) -> bool:
    """torch's should_fold: mm/mv over the folded batch rather than bmm, when it costs no
    copy (the batch dims of the larger operand are contiguous) or the smaller operand
    requires grad (a smaller gradient)."""
    larger = tensor1.ndim >= tensor2.ndim
    t1 = tensor1 if larger else tensor2.mT
    dim_t2 = tensor2.ndim if larger else tensor1.ndim
    if not (t1.ndim >= 3 and dim_t2 <= 2):
        return False
    if (tensor2 if larger else tensor1).requires_grad:
        return True
    if tensor1.ndim == 2:
        return False
    if t1.numel() == 0:
        return True
    shape, strides = t1.shape, t1.stride()
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(t1.ndim - 2))


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
            derivatives={"A": lambda grad, inverse: -(inverse.mH @ grad @ inverse.mH)})
det_fn = JaxFunction(jnp.linalg.det, name="linalg_det", node="LinalgDetBackward0",
                     grad_version=1)
def _solve_backward_A(grad, A, result):
    g = solve_op(A.mH, grad)
    if result.ndim == 1:  # a vector right-hand side: the outer product
        return -(g.unsqueeze(-1) * result.unsqueeze(-2).conj())
    return -(g @ result.mH)


solve_op = Op("linalg_solve", "LinalgSolveExBackward0", lambda A, B: jnp.linalg.solve(
    A, B[..., None])[..., 0] if B.ndim == 1 else jnp.linalg.solve(A, B),
              # torch's kernel writes B's gradient in place, unless B is a vector.
              grad_version={"B": lambda shape: 1 if len(shape) > 1 else 0},
              inputs=("A", "B"), dtype_rule="promote",
              derivatives={"A": lambda grad, A, result: _solve_backward_A(grad, A, result),
                           "B": lambda grad, A: solve_op(A.mH, grad)})
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
        fn = JaxFunction(lambda *ops: jnp.einsum(equation, *ops), name="einsum",
                         precision="matmul")
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


@_cc_jit
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
    if value_checkable(array) and array.size:
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
def cholesky(input, *, upper=False):
    """Matches `torch.linalg.cholesky` (a matrix that is not positive-definite raises
    LinAlgError when its values are concrete)."""
    _matrices("cholesky", input)
    out = cholesky_fn(input, upper=upper)
    array = out._storage.array
    if value_checkable(array) and array.size:
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
def svd(A, full_matrices=True, *, driver=None):
    """Matches `torch.linalg.svd` (`driver=` is for CUDA in torch: refused here as on CPU)."""
    _matrices("svd", A, square=False)
    if driver is not None:
        raise RuntimeError(_errors.SVD_DRIVER)
    U, S, Vh = svd_fn(A, full_matrices=full_matrices)
    return return_types.make("linalg_svd", ("U", "S", "Vh"))(U, S, Vh)


@public(dims="dim", **_linalg)
def vector_norm(input, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """Matches `torch.linalg.vector_norm`."""
    return _vector_norm(input, ord, dim, keepdim, dtype=dtype)

