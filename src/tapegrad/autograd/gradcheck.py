"""gradcheck / gradgradcheck: finite differences against the tape. Matches torch's API."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .. import _x64
from ..tensor import Tensor
from ._backward import grad as autograd_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck on a mismatch. Matches `torch.autograd.gradcheck.GradcheckError`."""


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn, inputs) -> tuple[Tensor, ...]:
    return tuple(o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor)
                 and (o.dtype.is_floating_point or o.dtype.is_complex))


# Complex tensors are checked in their real representation (NOTE [Complex gradcheck]).
def _real_view(array) -> np.ndarray:
    """A tensor's values as a real vector: the real parts, then (complex) the imaginary parts."""
    flat = np.asarray(array).reshape(-1)
    if np.iscomplexobj(flat):
        return np.concatenate([flat.real, flat.imag]).astype(np.float64)
    return flat.astype(np.float64)


def _numerical(fn, inputs, eps) -> list[list[np.ndarray]]:
    """jac[i][j]: d output j / d input i, shape (real size in, real size out), central
    differences."""
    jac = []
    for t in inputs:
        if not (isinstance(t, Tensor) and t.requires_grad):
            jac.append(None)
            continue
        base = np.asarray(t._storage.array).copy()
        flat = base.reshape(-1)
        steps = [eps] + ([1j * eps] if np.iscomplexobj(flat) else [])
        cols = []
        for step in steps:
            for k in range(flat.size):
                outs = []
                for sign in (1, -1):
                    pert = flat.copy()
                    pert[k] += sign * step
                    t._storage.array = _like(t, pert.reshape(base.shape))
                    # Not under no_grad: gradgradcheck's function itself calls autograd.grad.
                    outs.append([_real_view(o._storage.array) for o in _outputs(fn, inputs)])
                t._storage.array = _like(t, base)
                cols.append([(a - b) / (2 * eps) for a, b in zip(*outs)])
        jac.append([np.stack([c[j] for c in cols]) if cols else None
                    for j in range(len(cols[0]) if cols else 0)])
    return jac


def _like(t: Tensor, values: np.ndarray):
    import jax.numpy as jnp

    return jnp.asarray(values, dtype=t._storage.array.dtype)


def _analytical(fn, inputs) -> list[list[np.ndarray]]:
    """NOTE [Complex gradcheck]
    torch's gradient for a real loss L of z = x + iy is dL/dx + i dL/dy, and a backward
    seeded with g computes it for L = sum(Re(g) Re(out) + Im(g) Im(out)). So seeding 1 and
    then i at each output element gives the rows of the real Jacobian of (Re out, Im out)
    with respect to (Re in, Im in): the real and imaginary parts of the gradient."""
    import jax.numpy as jnp

    diff_inputs = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    outs = _outputs(fn, inputs)
    size = {id(t): t.numel() * (2 if t.dtype.is_complex else 1) for t in diff_inputs}
    jac = {id(t): [np.zeros((size[id(t)], o.numel() * (2 if o.dtype.is_complex else 1)))
                   for o in outs] for t in diff_inputs}
    for j, out in enumerate(outs):
        if not out.requires_grad:
            continue  # an output that does not depend on the inputs: a zero Jacobian
        units = (1.0, 1j) if out.dtype.is_complex else (1.0,)
        for u, unit in enumerate(units):
            for k in range(out.numel()):
                seed = np.zeros(out.numel(), dtype=complex if u else float)
                seed[k] = unit
                g = Tensor._make(jnp.asarray(seed.reshape(tuple(out.shape)),
                                             dtype=out._storage.array.dtype))
                grads = autograd_grad(out, diff_inputs, grad_outputs=g, retain_graph=True,
                                      allow_unused=True)
                for t, gi in zip(diff_inputs, grads):
                    if gi is not None:
                        jac[id(t)][j][:, u * out.numel() + k] = _real_view(gi._storage.array)
    return [jac[id(t)] if isinstance(t, Tensor) and t.requires_grad else None for t in inputs]


@_x64.scoped
def gradcheck(func: Callable[..., Tensor | Sequence[Tensor]], inputs, *, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True,
              **kwargs) -> bool:
    """Compare the tape's gradients with finite differences. Matches `torch.autograd.gradcheck`.

    Inputs that require grad should be float64, as in torch.
    """
    inputs = _as_tuple(inputs)
    numerical = _numerical(func, inputs, eps)
    analytical = _analytical(func, inputs)
    for i, (n, a) in enumerate(zip(numerical, analytical)):
        if n is None:
            continue
        for j, (nj, aj) in enumerate(zip(n, a)):
            if not np.allclose(aj, nj, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {j} with respect to input {i},\n"
                    f"numerical:{nj}\nanalytical:{aj}\n")
    return True


@_x64.scoped
def gradgradcheck(func: Callable[..., Tensor | Sequence[Tensor]], inputs, grad_outputs=None,
                  *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True, **kwargs) -> bool:
    """gradcheck of the backward itself (built with create_graph=True).

    Matches `torch.autograd.gradgradcheck`.
    """
    import jax.numpy as jnp

    inputs = _as_tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            Tensor._make(jnp.asarray(rng.standard_normal(tuple(o.shape)) + (
                1j * rng.standard_normal(tuple(o.shape)) if o.dtype.is_complex else 0),
                dtype=o._storage.array.dtype)).requires_grad_()
            for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]

    def first_order(*args):
        ins, gos = args[:n_in], args[n_in:]
        outputs = _outputs(func, ins)
        diff = [ins[i] for i in diff_idx]
        grads = autograd_grad(outputs, diff, grad_outputs=gos, create_graph=True,
                              allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_order, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
