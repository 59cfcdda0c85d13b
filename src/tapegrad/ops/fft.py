"""`torch.fft`: declared with `namespace="fft"` (NOTE [Public surface]).

The shifts are rolls (torch's composition: RollBackward0); the frequency factories build their
values as torch does (an arange, the upper half shifted down, scaled by 1/(n*d))."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import _device, _dtype, _errors
from .. import tensor as _tensor
from ._registry import public
from .shape import roll

_fft = dict(namespace="fft", method=False)


def _shift_dims(x, dim):
    if dim is None:
        return tuple(range(x.ndim))
    return (dim,) if isinstance(dim, int) else tuple(dim)


@public(dims="dim", **_fft)
def fftshift(input, dim=None):
    """Matches `torch.fft.fftshift`."""
    dims = _shift_dims(input, dim)
    return roll(input, [input.shape[d] // 2 for d in dims], list(dims))


@public(dims="dim", **_fft)
def ifftshift(input, dim=None):
    """Matches `torch.fft.ifftshift`."""
    dims = _shift_dims(input, dim)
    return roll(input, [(input.shape[d] + 1) // 2 for d in dims], list(dims))


def _freq(values: np.ndarray, n: int, d: float, dtype, requires_grad: bool, device=None):
    dt = dtype or _dtype.get_default_dtype()
    scale = np.asarray(1.0 / (n * d), dt.np)
    t = _tensor.Tensor._make(_device.place(jnp.asarray(values.astype(dt.np) * scale, dt.np),
                                           device, "fftfreq"))
    t._requires_grad = requires_grad
    return t


@public(**_fft)
def fftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False,
            pin_memory=False):
    """Matches `torch.fft.fftfreq`."""
    if n < 0:
        raise RuntimeError(_errors.FFT_NEGATIVE.format(n=n))
    values = np.arange(n, dtype=np.int64)
    values[(n + 1) // 2:] -= n
    return _freq(values, n, d, dtype, requires_grad, device)


@public(**_fft)
def rfftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    """Matches `torch.fft.rfftfreq`."""
    size = (n // 2 if n >= 0 else -((-n) // 2)) + 1  # C++ division truncates
    if size < 0:
        raise RuntimeError(_errors.FFT_NEGATIVE.format(n=size))
    return _freq(np.arange(size, dtype=np.int64), n, d, dtype, requires_grad, device)
