"""`RAdam` (rectified Adam, optional decoupled weight decay), torch's formulas."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import ops
from ..tensor import zeros_like
from .optimizer import (
    Optimizer,
    add_alpha,
    is_traced,
    is_zero,
    per_parameter_step,
    run_closure,
    step_grad_mode,
    step_value,
    step_with_hooks,
)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """Matches `torch.optim.RAdam` (its single-tensor path, op for op)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    @step_with_hooks
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RAdam step over every parameter that has a grad."""
        loss = run_closure(closure)
        with step_grad_mode(self):
            per_parameter_step(self, "params and state_steps",
                               lambda p: {"exp_avg": zeros_like(p), "exp_avg_sq": zeros_like(p)},
                               _radam_update)
        return loss


def _radam_update(param, grad, state: dict, group: dict[str, Any]) -> None:
    # torch's _single_tensor_radam (non-capturable) for one parameter.
    beta1, beta2 = group["betas"]
    lr, weight_decay, eps = group["lr"], group["weight_decay"], group["eps"]
    grad = -grad if group["maximize"] else grad
    exp_avg, exp_avg_sq, step_t = state["exp_avg"], state["exp_avg_sq"], state["step"]
    step_t += 1
    step = step_value(step_t)  # See NOTE [Step counts under tg.compile]
    if not is_zero(weight_decay):
        if group["decoupled_weight_decay"]:
            param.mul_(1 - lr * weight_decay)
        else:
            grad = add_alpha(grad, param, weight_decay)
    exp_avg.lerp_(grad, 1 - beta1)
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    bias_corrected_exp_avg = exp_avg / bias_correction1
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2

    def rect():
        return ((rho_t - 4) * (rho_t - 2) * rho_inf
                / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5

    def adaptive_lr():
        return (bias_correction2**0.5) / exp_avg_sq.sqrt().add_(eps)

    if is_traced(step_t):
        # torch branches on rho_t on the host; traced, both branches and a select.
        plain = bias_corrected_exp_avg * lr
        update = ops.where(rho_t > 5.0, plain * adaptive_lr() * rect(), plain)
    elif rho_t > 5.0:
        update = bias_corrected_exp_avg * lr * adaptive_lr() * rect()
    else:
        update = bias_corrected_exp_avg * lr
    param.add_(update, alpha=-1.0)
