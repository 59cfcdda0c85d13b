"""torch.nn's legacy layers: the deprecated `Container` and `NLLLoss2d` (with torch's
FutureWarnings) and `CrossMapLRN2d` (torch's custom autograd Function, with its own backward);
and `CTCLoss`."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..._checks import user_stacklevel
from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled
from ...tensor import Tensor, tensor
from .. import functional as F
from .loss import NLLLoss, _Loss
from .module import Module

__all__ = ["Container", "NLLLoss2d", "CrossMapLRN2d", "CTCLoss"]

_CONTAINER_DEPRECATED = ("`nn.Container` is deprecated. All of its functionality is now "
                         "implemented in `nn.Module`. Subclass that instead.")
_NLLLOSS2D_DEPRECATED = ("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a "
                         "drop-in replacement and see "
                         "https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more "
                         "details.")


class _Deprecated:
    """torch marks these classes `@deprecated(..., category=FutureWarning)`: making one warns
    (not one of a subclass), and so does subclassing one."""

    _deprecation = ""
    _deprecated_owner: type | None = None

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is cls._deprecated_owner:
            warnings.warn(cls._deprecation, FutureWarning, stacklevel=user_stacklevel())
        return super().__new__(cls)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls._deprecated_owner is None:
            cls._deprecated_owner = cls
        else:
            warnings.warn(cls._deprecation, FutureWarning, stacklevel=user_stacklevel())


class Container(_Deprecated, Module):
    """Matches the deprecated `torch.nn.Container` (children given as keywords)."""

    _deprecation = _CONTAINER_DEPRECATED

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        for key, value in kwargs.items():
            self.add_module(key, value)


class NLLLoss2d(_Deprecated, NLLLoss):
    """Matches the deprecated `torch.nn.NLLLoss2d` (NLLLoss under its old name)."""

    _deprecation = _NLLLOSS2D_DEPRECATED

    def __init__(self, weight: Tensor | None = None, size_average: Any = None,
                 ignore_index: int = -100, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


def _window_matrices(channels: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """torch's channel windows as 0/1 matrices: forward (its running sum, which never drops
    channel 0 once past the first pre_pad maps) and backward (its padded accumulation)."""
    pre_pad = int((size - 1) / 2 + 1)
    fwd = np.zeros((channels, channels))
    fwd[0, :min(pre_pad, channels)] = 1
    for c in range(1, channels):
        fwd[c] = fwd[c - 1]
        if c < channels - pre_pad + 1:
            fwd[c, c + pre_pad - 1] += 1
        if c > pre_pad:
            fwd[c, c - pre_pad] -= 1
    inverse_pre_pad = int(size - (size - 1) / 2)
    bwd = np.zeros((channels, channels))
    for c in range(channels):
        lo, hi = c - inverse_pre_pad, c + size - 1 - inverse_pre_pad
        bwd[c, max(lo, 0):max(min(hi, channels - 1) + 1, 0)] = 1
    return fwd, bwd


def _over_channels(matrix: np.ndarray, x: Tensor) -> Tensor:
    # out[n, c] = sum_j matrix[c, j] * x[n, j]
    m = tensor(matrix, dtype=x.dtype)
    return (m @ x.flatten(2)).reshape(x.shape) if x.numel() else x * 0


class _CrossMapLRN2dFunction(Function):
    @staticmethod
    def forward(ctx: Any, input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                k: float = 1) -> Tensor:
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D "
                             "instead.")
        ctx.size, ctx.alpha, ctx.beta, ctx.k = size, alpha, beta, k
        fwd, bwd = _window_matrices(input.size(1), size)
        ctx.bwd = bwd
        scale = _over_channels(fwd, input * input) * (alpha / size) + k
        ctx.scale = scale
        output = scale.pow(-beta) * input
        ctx.save_for_backward(input, output)
        return output

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple:
        input, output = ctx.saved_tensors
        channels, inverse_pre_pad = input.size(1), int(ctx.size - (ctx.size - 1) / 2)
        if inverse_pre_pad > ctx.size - 1:  # size 1: torch's padded buffer is too short
            raise RuntimeError(f"start ({inverse_pre_pad}) + length ({channels}) exceeds "
                               f"dimension size ({channels + ctx.size - 1}).")
        if is_grad_enabled() and output.requires_grad:
            # create_graph: torch's backward writes mul(grad, output, out=...) and refuses
            raise RuntimeError("mul(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        cache_ratio_value = 2 * ctx.alpha * ctx.beta / ctx.size
        accum = _over_channels(ctx.bwd, grad_output * output / ctx.scale)
        grad_input = ctx.scale.pow(-ctx.beta) * grad_output - cache_ratio_value * input * accum
        return grad_input, None, None, None, None


_CrossMapLRN2dFunction.__name__ = "CrossMapLRN2d"
_CrossMapLRN2dFunction._backward_cls.__name__ = "CrossMapLRN2dBackward"
_CrossMapLRN2dFunction._backward_cls.__qualname__ = "CrossMapLRN2dBackward"


class CrossMapLRN2d(Module):
    """Matches `torch.nn.CrossMapLRN2d` (torch's legacy Function: its forward's running sum
    over channels and its own backward, which is not the derivative of that forward)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return _CrossMapLRN2dFunction.apply(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CTCLoss(_Loss):
    """Matches `torch.nn.CTCLoss` (torch's CPU algorithm and gradient; see ops/nn_extra/ctc.py).
    """

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths: Any,
                target_lengths: Any) -> Tensor:
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                          self.reduction, self.zero_infinity)
