"""torch's linear-algebra names outside torch.linalg (the legacy spellings torch keeps with a
deprecation warning: cholesky, qr, lu, lu_solve, triangular_solve, frobenius_norm,
nuclear_norm), the contractions inner/tensordot, adjoint, vander, polar/complex, and
linalg.tensorinv.

Most are composites in torch whose graphs show other ops' nodes (tensordot: permute, reshape,
mm/dot; torch.qr: LinalgQrBackward0; torch.lu: LinalgLuFactorExBackward0): they are written
here as torch writes them, over the ops `linalg.py`, `linalg_factor.py` and `linalg_more.py`
declare. torch warns once per process for each deprecated name (TORCH_WARN_ONCE); so does
tapegrad, at the same point of the call."""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
from jax._src.lax.linalg import geqrf as _lapack_geqrf  # (LAPACK geqrf; no public name)

from .._storage import value_checkable
from .. import _checks, _errors, return_types
from .. import _grad_mode as grad_mode
from .. import tensor as _tensor
from .._checks import user_stacklevel
from .._dtype import complex64, complex128, float64, int64, promote_types
from ..tensor import Tensor
from ._op import Op
from ._registry import public
from .complex_ops import imag as _imag
from .complex_ops import real as _real
from .from_jax import JaxFunction
from .linalg import _linalg, _LinAlgError, _matrices, dot, mm
from .linalg import qr as _linalg_qr
from .linalg_factor import householder_full_q as _full_q
from .linalg_factor import householder_product, lu_factor_ex
from .linalg_factor import lu_solve as _linalg_lu_solve
from .linalg_more import _float_input, _raise_info, inv_ex, matrix_norm
from .nn_extra.loss_norm import norm_dim
from .shape import reshape_alias_op

_WARNED: set[str] = set()


def _warn_once(key: str, message: str) -> None:
    """torch's TORCH_WARN_ONCE: the first call in the process warns."""
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, UserWarning, stacklevel=user_stacklevel())


# --------------------------------------------------------------------- adjoint, inner, tensordot
@public
def adjoint(input):
    """Matches `torch.adjoint` (transpose(-2, -1), conjugated for complex dtypes)."""
    if input.ndim == 1:
        raise RuntimeError(_errors.ADJOINT_NDIM.format(ndim=input.ndim))
    if input.ndim == 0:
        _warn_once("adjoint", _errors.ADJOINT_0D)
        return input.conj() if input.dtype.is_complex else input
    out = input.transpose(-2, -1)
    return out.conj() if input.dtype.is_complex else out


def _tensordot(a, b, dims1, dims2):
    """torch's native tensordot: size-1 contracted dims summed first, then permute + reshape
    + mm (dot, or a product summed, when every dim is contracted), reshaped to the result."""
    if len(dims1) != len(dims2):
        raise RuntimeError(_errors.TENSORDOT_LISTS)
    if a.dtype is not b.dtype:
        raise RuntimeError(_errors.TENSORDOT_DTYPE)
    w1 = [_checks.wrap_dim(d, a.ndim) for d in dims1]
    w2 = [_checks.wrap_dim(d, b.ndim) for d in dims2]
    csize = 1
    t1, t2 = a, b
    for d1, d2, r1, r2 in zip(w1, w2, dims1, dims2):
        s1, s2 = a.shape[d1], b.shape[d2]
        if s2 == 1:
            t1 = t1.sum(r1, True)
        elif s1 == 1:
            t2 = t2.sum(r2, True)
        else:
            if s1 != s2:
                raise RuntimeError(_errors.TENSORDOT_SIZES.format(s1=s1, d1=r1, s2=s2, d2=r2))
            csize *= s1
    p1 = [i for i in range(a.ndim) if i not in w1]
    p2 = [i for i in range(b.ndim) if i not in w2]
    rsizes = [t1.shape[i] for i in p1] + [t2.shape[i] for i in p2]
    size1 = math.prod(t1.shape[i] for i in p1)
    size2 = math.prod(t2.shape[i] for i in p2)
    t1 = t1.permute(tuple(p1 + list(dims1)))
    t2 = t2.permute(tuple(list(dims2) + p2))
    if size1 == 1 and size2 == 1:
        if t1.is_contiguous() and t2.is_contiguous():
            f1 = t1 if t1.ndim == 1 else t1.reshape(csize)
            f2 = t2 if t2.ndim == 1 else t2.reshape(csize)
            out = dot(f1, f2)
        else:
            out = (t1.squeeze() * t2.squeeze()).sum()
        return out.reshape(tuple(rsizes))
    out = mm(t1.reshape(size1, csize), t2.reshape(csize, size2))
    return out.reshape(tuple(rsizes))


@public(method=False)
def tensordot(a, b, dims=2, out=None):
    """Matches `torch.tensordot`."""
    if isinstance(dims, Tensor):
        if dims.numel() > 1:
            dims_a, dims_b = dims[0].tolist(), dims[1].tolist()
        else:
            dims = int(dims.item())
            if dims < 0:
                raise RuntimeError(_errors.TENSORDOT_NEGATIVE.format(dims=dims))
            dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    elif isinstance(dims, (tuple, list)):
        dims_a, dims_b = dims
        dims_a = [dims_a] if isinstance(dims_a, int) else list(dims_a)
        dims_b = [dims_b] if isinstance(dims_b, int) else list(dims_b)
    elif isinstance(dims, int) and not isinstance(dims, bool):
        if dims < 0:
            raise RuntimeError(_errors.TENSORDOT_NEGATIVE.format(dims=dims))
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(_errors.TENSORDOT_LARGE.format(dims=dims))
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    else:
        raise RuntimeError(_errors.TENSORDOT_DIMS_TYPE.format(dims=dims))  # noqa: TRY004 (torch's)
    return _tensordot(a, b, dims_a, dims_b)


@public
def inner(input, other):
    """Matches `torch.inner` (a product with a 0-d operand, else tensordot over the last
    dims)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(_errors.INNER_SHAPES.format(a=list(input.shape),
                                                       b=list(other.shape)))
    return _tensordot(input, other, [-1], [-1])


# --------------------------------------------------------------------- vander, polar, complex
@public(method=False)
def vander(x, N=None, increasing=False):
    """Matches `torch.vander` (torch's composition: fill_, copies into a slice, cumprod,
    flip)."""
    if x.ndim != 1:
        raise RuntimeError(_errors.VANDER_1D)
    n = x.shape[0]
    if N is not None:
        n = N
        if n < 0:
            raise RuntimeError(_errors.VANDER_NEGATIVE)
    dtype = promote_types(x.dtype, int64)
    result = _tensor.empty((x.shape[0], n), dtype=dtype)
    if n > 0:
        result.fill_(1)
        if n > 1:
            result.narrow(1, 1, n - 1).copy_(x.unsqueeze(1))
            result.narrow(1, 1, n - 1).copy_(result.narrow(1, 1, n - 1).cumprod(1))
    return result if increasing else result.flip((1,))


def _complex_checks(real, imag):
    if real.dtype is not imag.dtype:
        raise RuntimeError(_errors.COMPLEX_DTYPE.format(a=real.dtype.scalar_name,
                                                        b=imag.dtype.scalar_name))
    if real.dtype.name not in ("float32", "float64"):
        raise RuntimeError(_errors.COMPLEX_FLOAT.format(a=real.dtype.scalar_name,
                                                        b=imag.dtype.scalar_name))


def _to_complex(dt):
    return complex128 if dt is float64 else complex64


def _shapes(*ts):
    return _checks.broadcast_shapes(*(tuple(t.shape) for t in ts))


_complex_op = Op("complex", "ComplexBackward0", lambda real, imag: jax.lax.complex(
                     *jnp.broadcast_arrays(real, imag)),
                 inputs=("real", "imag"), dtype_rule="keep", out_dtype=_to_complex,
                 derivatives={"real": lambda grad: _real(grad),
                              "imag": lambda grad: _imag(grad)})


def _polar_fwd(abs, angle):
    return jax.lax.complex(abs * jnp.cos(angle), abs * jnp.sin(angle))


def _polar_abs(grad, result):
    return _real(grad.conj() * result.sgn())


def _polar_angle(grad, result):
    return _real(grad.conj() * (result * 1j))


_polar_op = Op("polar", "PolarBackward0", _polar_fwd, inputs=("abs", "angle"),
               dtype_rule="keep", out_dtype=_to_complex,
               derivatives={"abs": _polar_abs, "angle": _polar_angle})


@public(method=False)
def complex(real, imag):
    """Matches `torch.complex`."""
    _complex_checks(real, imag)
    _shapes(real, imag)
    return _complex_op(real, imag)


@public(method=False)
def polar(abs, angle):
    """Matches `torch.polar`."""
    _complex_checks(abs, angle)
    _shapes(abs, angle)
    return _polar_op(abs, angle)


# --------------------------------------------------------------------- deprecated factorizations
cholesky_legacy_fn = JaxFunction(lambda A, upper: jnp.linalg.cholesky(A).mT if upper
                                 else jnp.linalg.cholesky(A), name="cholesky",
                                 node="CholeskyBackward0", grad_version=1)


@public
def cholesky(input, upper=False):
    """Matches `torch.cholesky` (deprecated: warns once)."""
    _warn_once("cholesky", _errors.CHOLESKY_DEPRECATED)
    if input.ndim < 2:
        raise RuntimeError(_errors.LINALG_NDIM.format(name="cholesky")[len("linalg."):])
    if input.shape[-1] != input.shape[-2]:
        raise RuntimeError(_errors.LINALG_SQUARE.format(
            name="cholesky", m=input.shape[-2], n=input.shape[-1])[len("linalg."):])
    out = cholesky_legacy_fn(input, upper=upper)
    array = out._storage.array
    if value_checkable(array) and array.size:
        bad = jnp.isnan(jnp.diagonal(array, axis1=-2, axis2=-1)).reshape(-1, array.shape[-1])
        if bool(bad.any()):
            order = int(jnp.argmax(bad.any(0))) + 1
            raise _LinAlgError(_errors.LINALG_NOT_PD_NAMED.format(name="cholesky", order=order))
    return out


@public
def qr(input, some=True):
    """Matches `torch.qr` (deprecated: warns once; linalg.qr's node)."""
    _warn_once("qr", _errors.QR_DEPRECATED)
    Q, R = _linalg_qr(input, "reduced" if some else "complete")
    return return_types.make("qr", ("Q", "R"))(Q, R)


def _lu_with_info(A, pivot, get_infos):
    _warn_once("lu", _errors.LU_DEPRECATED)
    return lu_factor_ex(A, pivot=pivot, check_errors=not get_infos)


def _lu_method(self, pivot=True, get_infos=False):
    """Matches `torch.Tensor.lu` (plain tuples)."""
    LU, pivots, info = _lu_with_info(self, pivot, get_infos)
    return (LU, pivots, info) if get_infos else (LU, pivots)


@public(name="lu", method=_lu_method)
def lu_(A, pivot=True, get_infos=False, out=None):
    """Matches `torch.lu` (deprecated: warns once; linalg.lu_factor_ex's node)."""
    LU, pivots, info = _lu_with_info(A, pivot, get_infos)
    if get_infos:
        return return_types.make("_lu_with_info", ("LU", "pivots", "info"))(LU, pivots, info)
    return LU, pivots


@public
def lu_solve(input, LU_data, LU_pivots):
    """Matches `torch.lu_solve` (deprecated: warns once; linalg.lu_solve's node)."""
    _warn_once("lu_solve", _errors.LU_SOLVE_DEPRECATED)
    if LU_pivots.dtype.name != "int32":
        raise RuntimeError(_errors.LU_SOLVE_PIVOTS)
    if input.ndim >= 2 and LU_data.ndim >= 2 and LU_data.shape[-1] == LU_data.shape[-2] \
            and input.shape[-2] != LU_data.shape[-1]:
        raise RuntimeError(_errors.LU_SOLVE_SHAPES.format(
            a0=LU_data.shape[-2], a1=LU_data.shape[-1], b0=input.shape[-2],
            b1=input.shape[-1]))
    return _linalg_lu_solve(LU_data, LU_pivots, input)


def _tri_kernel(b, A, upper, transpose, unitriangular):
    batch = jnp.broadcast_shapes(A.shape[:-2], b.shape[:-2])
    A2 = jnp.broadcast_to(A, batch + A.shape[-2:])
    b2 = jnp.broadcast_to(b, batch + b.shape[-2:])
    X = jax.lax.linalg.triangular_solve(A2, b2, left_side=True, lower=not upper,
                                        transpose_a=transpose, unit_diagonal=unitriangular)
    return X, A2 + 0


triangular_solve_fn = JaxFunction(_tri_kernel, name="triangular_solve",
                                  node="TriangularSolveBackward0", grad_version=(1, 0))


@public
def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False):
    """Matches `torch.triangular_solve` (deprecated: warns once)."""
    if input.ndim < 2:
        raise RuntimeError(_errors.TRI_SOLVE_NDIM.format(name="b", ndim=input.ndim))
    if A.ndim < 2:
        raise RuntimeError(_errors.TRI_SOLVE_NDIM.format(name="A", ndim=A.ndim))
    if input.dtype is not A.dtype:
        raise RuntimeError(_errors.TRI_SOLVE_DTYPE.format(b=input.dtype.scalar_name,
                                                          a=A.dtype.scalar_name))
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(_errors.LINALG_SQUARE.format(
            name="", m=A.shape[-2], n=A.shape[-1])[len("linalg.: "):])
    if A.shape[-1] != input.shape[-2]:
        raise RuntimeError(_errors.TRI_SOLVE_SHAPES.format(
            a0=A.shape[-2], a1=A.shape[-1], b0=input.shape[-2], b1=input.shape[-1]))
    # (torch warns from its kernel, after the argument checks.)
    _warn_once("triangular_solve", _errors.TRIANGULAR_SOLVE_DEPRECATED)
    X, M = triangular_solve_fn(input, A, upper=upper, transpose=transpose,
                               unitriangular=unitriangular)
    return return_types.make("triangular_solve", ("solution", "cloned_coefficient"))(X, M)


# --------------------------------------------------------------------- deprecated norms
@public(method=False)
def frobenius_norm(input, dim, keepdim=False):
    """Matches `torch.frobenius_norm` (deprecated: warns once; norm's NormBackward1)."""
    _warn_once("frobenius_norm", _errors.FROBENIUS_DEPRECATED)
    dim = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dim) > 2:
        raise RuntimeError(_errors.FROBENIUS_DIMS.format(n=len(dim)))
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(_errors.NORM_DTYPE.format(dtype=input.dtype.scalar_name))
    dim = tuple(_checks.wrap_any(dim, input.ndim))
    if not dim:
        dim = tuple(range(input.ndim))
    return norm_dim(input, 2.0, dim, bool(keepdim))


@public(method=False)
def nuclear_norm(input, dim=None, keepdim=False):
    """Matches `torch.nuclear_norm` (deprecated: warns once; linalg.matrix_norm('nuc'))."""
    if isinstance(dim, bool):
        dim, keepdim = None, dim
    _warn_once("nuclear_norm", _errors.NUCLEAR_DEPRECATED)  # (one flag for both overloads)
    if dim is None:
        return matrix_norm(input, "nuc", (-2, -1), keepdim)
    return matrix_norm(input, "nuc", tuple(dim), keepdim)


# --------------------------------------------------------------------- linalg.tensorinv
@public(method=False, namespace="linalg")
def tensorinv(input, ind=2):
    """Matches `torch.linalg.tensorinv` (reshape, inv_ex, reshape back)."""
    if ind <= 0:
        raise RuntimeError(_errors.TENSORINV_IND.format(ind=ind))
    end, start = tuple(input.shape[ind:]), tuple(input.shape[:ind])
    p_end, p_start = math.prod(end), math.prod(start)
    if p_end != p_start:
        raise RuntimeError(_errors.TENSORINV_SHAPE.format(a=p_end, b=p_start))
    _float_input("linalg.inv", input)
    result, info = inv_ex(input.reshape(p_end, p_end))
    _raise_info(info, lambda k: _LinAlgError(
        _errors.LINALG_SINGULAR.format(index=k)[len("linalg."):]))
    return reshape_alias_op(result, end + start)


# --------------------------------------------------------------------- geqrf, orgqr, ormqr
def _geqrf_backward(grad):
    raise NotImplementedError(_errors.DERIVATIVE_NOT_IMPLEMENTED_THE.format(name="geqrf"))


_geqrf_op = Op("geqrf", "GeqrfBackward0", lambda self: tuple(_lapack_geqrf(self)),
               outputs=("a", "tau"), dtype_rule="keep",
               derivatives={"self": lambda grad: _geqrf_backward(grad)})


@public
def geqrf(input):
    """Matches `torch.geqrf` (LAPACK's reflectors; torch has no derivative: its backward
    raises)."""
    if input.ndim < 2:
        raise RuntimeError(_errors.GEQRF_NDIM)
    a, tau = _geqrf_op(input)
    return return_types.make("geqrf", ("a", "tau"))(a, tau)


@public
def orgqr(input, input2):
    """Matches `torch.orgqr` (linalg.householder_product's node)."""
    return householder_product(input, input2)


def _ormqr_kernel(A, tau, C, left, transpose):
    Q = _full_q(A, tau)
    if transpose:
        Q = jnp.swapaxes(Q, -1, -2).conj()
    return Q @ C if left else C @ Q


# (torch's backward kernel writes the gradients in place: 4, 3 and 1 times.)
ormqr_fn = JaxFunction(_ormqr_kernel, name="ormqr", node="OrmqrBackward0", grad_version=(4, 3, 1))


@public
def ormqr(input, input2, input3, left=True, transpose=False):
    """Matches `torch.ormqr` (the product with Q of Householder reflectors)."""
    if input.ndim < 2:
        raise RuntimeError(_errors.ORMQR_NDIM.format(name="input"))
    if input3.ndim < 2:
        raise RuntimeError(_errors.ORMQR_NDIM.format(name="other"))
    if input2.ndim != input.ndim - 1:
        raise RuntimeError(_errors.ORMQR_TAU_NDIM.format(t=input2.ndim, a=input.ndim))
    d = -2 if left else -1
    if input3.shape[d] != input.shape[-2]:
        raise RuntimeError(_errors.ORMQR_SHAPES.format(d=d))
    if input2.shape[-1] != min(input3.shape[d], input.shape[-1]):
        raise RuntimeError(_errors.ORMQR_TAU.format(d=d))
    for name, t in (("tau", input2), ("other", input3)):
        if t.dtype is not input.dtype:
            raise RuntimeError(_errors.ORMQR_DTYPE.format(
                name=name, a=input.dtype.scalar_name, b=t.dtype.scalar_name))
    return ormqr_fn(input, input2, input3, left=bool(left), transpose=bool(transpose))


# --------------------------------------------------------------------- linalg.eigvals
def _eigvals_kernel(A):
    # The values of LAPACK's geev; the derivative of torch's formula (linalg_eig_backward
    # with no eigenvector gradient: V^-H diag(gL) V^H), written as diag(V^-1 A V).
    sg = jax.lax.stop_gradient
    L, V = jnp.linalg.eig(sg(A))
    Vi = jnp.linalg.inv(V)
    h = jnp.diagonal(Vi @ A.astype(V.dtype) @ V, axis1=-2, axis2=-1)
    return L + h - sg(h)


eigvals_fn = JaxFunction(_eigvals_kernel, name="linalg_eig", node="LinalgEigBackward0",
                         grad_version=1)


@public(**_linalg)
def eigvals(input):
    """Matches `torch.linalg.eigvals` (LinalgEigBackward0)."""
    # (torch computes it by linalg_eig, and names that, when input may need a gradient.)
    _matrices("eig" if input.requires_grad and grad_mode.is_grad_enabled() else "eigvals", input)
    return eigvals_fn(input)


# --------------------------------------------------------------------- linalg.eig
def _eig_backward(L, V, gL, gV, real_input):
    # torch's linalg_eig_backward (torch's gradient convention):
    # gA = V^-H (diag(gL) + (V^H gV - V^H V diag(re(V^H gV))) / conj(E)) V^H, E_ij = L_j - L_i.
    Vh = jnp.swapaxes(V, -1, -2).conj()
    VhgV = Vh @ gV
    gA = VhgV - Vh @ (V * jnp.real(jnp.diagonal(VhgV, axis1=-2, axis2=-1))[..., None, :])
    n = L.shape[-1]
    eye = jnp.eye(n, dtype=bool)
    Econj = jnp.where(eye, 1, L.conj()[..., None, :] - L.conj()[..., :, None])
    gA = jnp.where(eye, gL[..., None, :] * jnp.eye(n, dtype=L.dtype), gA / Econj)
    gA = jnp.linalg.solve(Vh, gA @ Vh)
    return jnp.real(gA) if real_input else gA


@jax.custom_vjp
def _eig(A):
    return tuple(jnp.linalg.eig(A))


def _eig_fwd(A):
    L, V = jnp.linalg.eig(A)
    return (L, V), (L, V, jnp.zeros((), A.dtype))


def _eig_bwd(res, cts):
    L, V, proto = res
    ctL, ctV = cts  # JAX's cotangents: the conjugates of torch's gradients
    g = _eig_backward(L, V, jnp.conj(ctL), jnp.conj(ctV), not jnp.iscomplexobj(proto))
    return (jnp.conj(g).astype(proto.dtype),)


_eig.defvjp(_eig_fwd, _eig_bwd)
eig_fn = JaxFunction(lambda A: _eig(A), name="linalg_eig", node="LinalgEigBackward0",
                     grad_version=1)
_EigNode = eig_fn.node_cls


def _eig_node_apply(self, grads, create_graph):
    # torch's check: a loss that depends on the eigenvectors' phases is ill-defined.
    gV = grads[1] if len(grads) > 1 else None
    if gV is not None and gV.dtype.is_complex:
        A = self._saved_inputs[0].unpack(self)
        V = jnp.linalg.eig(A._storage.array)[1]
        g = gV._storage.array
        if not isinstance(g, jax.core.Tracer):
            im = jnp.imag(jnp.diagonal(jnp.swapaxes(V, -1, -2).conj() @ g, axis1=-2, axis2=-1))
            if not bool(jnp.allclose(im, 0, rtol=1e-2, atol=1e-2)):
                raise RuntimeError(_errors.EIG_GAUGE)
    return _EigNode.apply(self, grads, create_graph)


eig_fn.node_cls = type("LinalgEigBackward0", (_EigNode,), {"__slots__": (),
                                                             "apply": _eig_node_apply})


@public(**_linalg)
def eig(input):
    """Matches `torch.linalg.eig` (LAPACK's geev: eigenvectors of unit norm)."""
    _matrices("eig", input)
    L, V = eig_fn(input)
    return return_types.make("linalg_eig", ("eigenvalues", "eigenvectors"))(L, V)
