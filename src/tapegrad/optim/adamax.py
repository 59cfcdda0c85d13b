"""`Adamax` (Adam with the infinity norm), torch's formulas."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import ops
from ..tensor import zeros_like
from .optimizer import (
    Optimizer,
    add_alpha,
    addcdiv_scaled_,
    is_zero,
    per_parameter_step,
    run_closure,
    step_grad_mode,
    step_value,
    step_with_hooks,
)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Matches `torch.optim.Adamax` (its single-tensor path, op for op)."""

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
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
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    @step_with_hooks
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adamax step over every parameter that has a grad."""
        loss = run_closure(closure)
        with step_grad_mode(self):
            per_parameter_step(self, "params and state_steps",
                               lambda p: {"exp_avg": zeros_like(p), "exp_inf": zeros_like(p)},
                               _adamax_update)
        return loss


def _adamax_update(param, grad, state: dict, group: dict[str, Any]) -> None:
    # torch's _single_tensor_adamax (non-differentiable, non-capturable) for one parameter.
    beta1, beta2 = group["betas"]
    grad = -grad if group["maximize"] else grad
    exp_avg, exp_inf, step_t = state["exp_avg"], state["exp_inf"], state["step"]
    step_t += 1
    if not is_zero(group["weight_decay"]):
        grad = add_alpha(grad, param, group["weight_decay"])
    exp_avg.lerp_(grad, 1 - beta1)
    # torch.maximum(exp_inf.mul_(beta2), |grad| + eps, out=exp_inf)
    exp_inf.copy_(ops.maximum(exp_inf.mul_(beta2), grad.abs().add_(group["eps"])))
    bias_correction = 1 - beta1 ** step_value(step_t)
    clr = group["lr"] / bias_correction
    addcdiv_scaled_(param, exp_avg, exp_inf, -clr)  # See NOTE [Varying scalars in updates]
