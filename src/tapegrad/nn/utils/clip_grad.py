"""Gradient clipping, in place under no_grad, as torch.nn.utils.clip_grad."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ...autograd.grad_mode import no_grad
from ...ops import stack
from ...tensor import Tensor, tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale grads so their joint norm is at most `max_norm`; returns the norm before clipping.

    Matches `torch.nn.utils.clip_grad_norm_` (the coefficient is applied even when it is
    1, as torch does, without a host round trip).
    """
    with no_grad():
        grads = _grads(parameters)
        max_norm = float(max_norm)
        norm_type = float(norm_type)
        if not grads:
            return tensor(0.0)
        norms = [g.norm(norm_type) for g in grads]
        total_norm = stack(norms).norm(norm_type)
        if error_if_nonfinite and not math.isfinite(float(total_norm)):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is "
                "non-finite, so it cannot be clipped. To disable this error and scale the "
                "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
        clip_coef = max_norm / (total_norm + 1e-6)
        clip_coef_clamped = clip_coef.clamp(max=1.0)
        for g in grads:
            g.mul_(clip_coef_clamped.to(g.dtype))
        return total_norm


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every grad to [-clip_value, clip_value]. Matches `clip_grad_value_`."""
    with no_grad():
        clip_value = float(clip_value)
        for g in _grads(parameters):
            # torch: _foreach_clamp_min_ then _foreach_clamp_max_ (two writes).
            g.clamp_(min=-clip_value)
            g.clamp_(max=clip_value)
