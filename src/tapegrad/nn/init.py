"""`tapegrad.nn.init`: torch's initialisers, in place under no_grad, driven by tapegrad's generator.

The formulas (fans, gains, bounds) are torch's, so the distributions match; the samples come
from `tapegrad.random` (same seed, same weights, run to run; not torch's values).
"""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp

from .. import _x64
from ..autograd.grad_mode import no_grad
from ..random import Generator, randn
from ..tensor import Tensor, from_jax
from .._checks import user_stacklevel

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_"]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Matches `torch.nn.init.calculate_gain`."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, int) or isinstance(param, float):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _write(tensor: Tensor, array: jax.Array) -> Tensor:
    # torch's tensor.copy_(...) under no_grad: one in-place write, one version bump.
    with no_grad():
        return tensor.copy_(from_jax(array))


@_x64.scoped
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: Generator | None = None) -> Tensor:
    """Matches `torch.nn.init.uniform_`."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


@_x64.scoped
def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Generator | None = None) -> Tensor:
    """Matches `torch.nn.init.normal_`."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


@_x64.scoped
def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Generator | None = None) -> Tensor:
    """Normal(mean, std) truncated to [a, b]. Matches `torch.nn.init.trunc_normal_`.

    Sampled by inverting the CDF (one draw, no rejection loop).
    """
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=user_stacklevel())
    norm_cdf = lambda x: (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0  # noqa: E731
    lo, hi = norm_cdf((a - mean) / std), norm_cdf((b - mean) / std)
    with no_grad():
        tensor.uniform_(2 * lo - 1, 2 * hi - 1, generator=generator)
        u = tensor.jax()
        values = jnp.clip(jax.scipy.special.erfinv(u) * (std * math.sqrt(2.0)) + mean, a, b)
        return _write(tensor, values)


@_x64.scoped
def constant_(tensor: Tensor, val: float) -> Tensor:
    """Matches `torch.nn.init.constant_`."""
    with no_grad():
        return tensor.fill_(val)


@_x64.scoped
def ones_(tensor: Tensor) -> Tensor:
    """Matches `torch.nn.init.ones_`."""
    return constant_(tensor, 1.0)


@_x64.scoped
def zeros_(tensor: Tensor) -> Tensor:
    """Matches `torch.nn.init.zeros_`."""
    with no_grad():
        return tensor.zero_()


@_x64.scoped
def eye_(tensor: Tensor) -> Tensor:
    """Matches `torch.nn.init.eye_`."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, jnp.eye(*tensor.shape))


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field_size = 1
    for s in tensor.shape[2:]:
        receptive_field_size *= s
    return tensor.size(1) * receptive_field_size, tensor.size(0) * receptive_field_size


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


@_x64.scoped
def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: Generator | None = None) -> Tensor:
    """Matches `torch.nn.init.xavier_uniform_`."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


@_x64.scoped
def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: Generator | None = None) -> Tensor:
    """Matches `torch.nn.init.xavier_normal_`."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


@_x64.scoped
def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:
    """Matches `torch.nn.init.kaiming_uniform_`."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=user_stacklevel())
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


@_x64.scoped
def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:
    """Matches `torch.nn.init.kaiming_normal_`."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=user_stacklevel())
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


@_x64.scoped
def orthogonal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """A (semi-)orthogonal matrix from the QR of a normal sample. Matches `orthogonal_`."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    flattened = randn(rows, cols, generator=generator, dtype=tensor.dtype).jax()
    if rows < cols:
        flattened = flattened.T
    q, r = jnp.linalg.qr(flattened)
    q = q * jnp.sign(jnp.diag(r))
    if rows < cols:
        q = q.T
    # torch: tensor.view_as(q).copy_(q); tensor.mul_(gain) (two writes).
    _write(tensor, q.reshape(tuple(tensor.shape)))
    with no_grad():
        return tensor.mul_(gain)
