"""`Adagrad` (lr decay, weight decay, initial accumulator), torch's formulas."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..tensor import full_like
from .optimizer import (
    Optimizer,
    add_alpha,
    addcdiv_scaled_,
    check_fused_flags,
    check_step_flags,
    is_zero,
    run_closure,
    scalar_step_tensor,
    step_grad_mode,
    step_value,
    step_with_hooks,
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Matches `torch.optim.Adagrad` (its single-tensor path; state made at construction)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        check_fused_flags(fused, foreach, differentiable)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = scalar_step_tensor(group["fused"])
                state["sum"] = full_like(p, initial_accumulator_value)

    @step_with_hooks
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adagrad step over every parameter that has a grad."""
        loss = run_closure(closure)
        with step_grad_mode(self):
            for group in self.param_groups:
                check_step_flags(self, group)
                for p in group["params"]:
                    if p.grad is not None:
                        _adagrad_update(p, p.grad, self.state[p], group)
        return loss


def _adagrad_update(param, grad, state: dict, group: dict[str, Any]) -> None:
    # torch's _single_tensor_adagrad (dense) for one parameter.
    step_t = state["step"]
    step_t += 1
    step = step_value(step_t)  # torch's _get_value: see NOTE [Step counts under tg.compile]
    grad = -grad if group["maximize"] else grad
    if not is_zero(group["weight_decay"]):
        grad = add_alpha(grad, param, group["weight_decay"])
    clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
    state_sum = state["sum"]
    state_sum.addcmul_(grad, grad, value=1)
    std = state_sum.sqrt().add_(group["eps"])
    addcdiv_scaled_(param, grad, std, -clr)  # See NOTE [Varying scalars in updates]
