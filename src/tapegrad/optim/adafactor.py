"""`Adafactor` (factored second moments, relative step sizes), torch's formulas."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import _dtype, ops
from ..autograd.grad_mode import no_grad
from ..tensor import tensor, zeros, zeros_like
from .optimizer import (
    Optimizer,
    is_traced,
    is_zero,
    run_closure,
    scalar_step_tensor,
    step_value,
    step_with_hooks,
)

__all__ = ["Adafactor"]

# torch.finfo(dtype).eps
_EPS = {_dtype.float64: 2.220446049250313e-16, _dtype.float32: 1.1920928955078125e-07,
        _dtype.float16: 0.0009765625, _dtype.bfloat16: 0.0078125}


class Adafactor(Optimizer):
    """Matches `torch.optim.Adafactor` (its single-tensor path, op for op)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    @step_with_hooks
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adafactor step over every parameter that has a grad."""
        loss = run_closure(closure)
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if p.is_complex():
                        raise RuntimeError("Adafactor does not support complex parameters")
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = scalar_step_tensor()
                        if p.grad.dim() > 1:
                            row_shape = list(p.grad.shape)
                            row_shape[-1] = 1
                            state["row_var"] = zeros(row_shape, dtype=p.grad.dtype)
                            col_shape = list(p.grad.shape)
                            col_shape[-2] = 1
                            state["col_var"] = zeros(col_shape, dtype=p.grad.dtype)
                        else:
                            state["variance"] = zeros_like(p.grad)
                    _adafactor_update(p, p.grad, state, group)
        return loss


def _host_max(a: Any, b: Any) -> Any:
    # Python's max on host values; traced, an elementwise maximum of 0-d tensors.
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return max(a, b)
    return ops.maximum(tensor(a, dtype=_dtype.float64) if isinstance(a, (int, float))
                       else a, b if not isinstance(b, (int, float))
                       else tensor(b, dtype=_dtype.float64))


def _adafactor_update(param, grad, state: dict, group: dict[str, Any]) -> None:
    # torch's _single_tensor_adafactor for one parameter. torch reads the step and two norms
    # on the host (.item()); traced, they stay 0-d float64 tensors (NOTE [Step counts ...]).
    lr, eps1, eps2 = group["lr"], group["eps"][0], group["eps"][1]
    grad = -grad if group["maximize"] else grad
    if eps1 is None:
        eps1 = _EPS[param.dtype]
    step_t = state["step"]
    step_t += 1
    step_float = step_value(step_t)
    one_minus_beta2_t = step_float ** group["beta2_decay"]
    inv_sqrt = 1 / (step_float**0.5)
    rho_t = min(lr, inv_sqrt) if not is_traced(step_t) else ops.minimum(
        tensor(lr, dtype=_dtype.float64), inv_sqrt)
    alpha = _host_max(eps2, step_value(param.norm(2)) / (param.numel() ** 0.5)) * rho_t
    if not is_zero(group["weight_decay"]):
        param.mul_(1 - lr * group["weight_decay"])
    if grad.dim() > 1:
        row_var, col_var = state["row_var"], state["col_var"]
        row_mean = grad.norm(dim=-1, keepdim=True).square_().div_(grad.size(-1))
        row_var.lerp_(row_mean, one_minus_beta2_t)
        col_mean = grad.norm(dim=-2, keepdim=True).square_().div_(grad.size(-2))
        col_var.lerp_(col_mean, one_minus_beta2_t)
        var_estimate = row_var @ col_var
        var_estimate.div_(row_var.mean(dim=-2, keepdim=True).clamp_(min=eps1))
    else:
        variance = state["variance"]
        variance.lerp_(grad * grad, one_minus_beta2_t)
        var_estimate = variance.clone()
    update = var_estimate.clamp_(min=eps1 * eps1).rsqrt_()
    update.mul_(grad)
    denom = _host_max(1.0, step_value(update.norm(2)) / ((update.numel() ** 0.5) * group["d"]))
    param.add_(update * (-alpha / denom))  # param.add_(update, alpha=...): NOTE [Varying ...]
