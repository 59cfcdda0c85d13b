"""`RMSprop` (centered, momentum), torch's formulas."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..tensor import zeros_like
from .optimizer import (
    Optimizer,
    add_alpha,
    add_scaled_,
    addcdiv_scaled_,
    check_step_flags,
    is_positive,
    is_zero,
    run_closure,
    scalar_step_tensor,
    step_grad_mode,
    step_with_hooks,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """Matches `torch.optim.RMSprop` (its single-tensor path, op for op)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    @step_with_hooks
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RMSprop step over every parameter that has a grad."""
        loss = run_closure(closure)
        with step_grad_mode(self):
            for group in self.param_groups:
                check_step_flags(self, group, "params and state_steps")
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = scalar_step_tensor()
                        state["square_avg"] = zeros_like(p)
                        if is_positive(group["momentum"]):
                            state["momentum_buffer"] = zeros_like(p)
                        if group["centered"]:
                            state["grad_avg"] = zeros_like(p)
                    _rmsprop_update(p, p.grad, state, group)
        return loss


def _rmsprop_update(param, grad, state: dict, group: dict[str, Any]) -> None:
    # torch's _single_tensor_rmsprop for one parameter.
    lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
    grad = -grad if group["maximize"] else grad
    square_avg = state["square_avg"]
    state["step"] += 1
    if not is_zero(group["weight_decay"]):
        grad = add_alpha(grad, param, group["weight_decay"])
    square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
    if group["centered"]:
        grad_avg = state["grad_avg"]
        grad_avg.lerp_(grad, 1 - alpha)
        avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
    else:
        avg = square_avg.sqrt()
    avg = avg.add_(eps)
    if is_positive(group["momentum"]):
        buf = state["momentum_buffer"]
        buf.mul_(group["momentum"]).addcdiv_(grad, avg)
        add_scaled_(param, buf, -lr)  # See NOTE [Varying scalars in updates]
    else:
        addcdiv_scaled_(param, grad, avg, -lr)
