"""`Adadelta`, torch's formulas (its single-tensor path, op for op)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..tensor import zeros_like
from .optimizer import (
    Optimizer,
    add_alpha,
    add_scaled_,
    check_step_flags,
    is_zero,
    run_closure,
    scalar_step_tensor,
    step_grad_mode,
    step_with_hooks,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Matches `torch.optim.Adadelta`."""

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    @step_with_hooks
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adadelta step over every parameter that has a grad."""
        loss = run_closure(closure)
        with step_grad_mode(self):
            for group in self.param_groups:
                check_step_flags(self, group, "params and state_steps", xla=False)
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = scalar_step_tensor()
                        state["square_avg"] = zeros_like(p)
                        state["acc_delta"] = zeros_like(p)
                    _adadelta_update(p, p.grad, state, group)
        return loss


def _adadelta_update(param, grad, state: dict, group: dict[str, Any]) -> None:
    # torch's _single_tensor_adadelta for one parameter.
    rho, eps, lr = group["rho"], group["eps"], group["lr"]
    square_avg, acc_delta = state["square_avg"], state["acc_delta"]
    state["step"] += 1
    grad = -grad if group["maximize"] else grad
    if not is_zero(group["weight_decay"]):
        grad = add_alpha(grad, param, group["weight_decay"])
    square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
    std = square_avg.add(eps).sqrt_()
    delta = acc_delta.add(eps).sqrt_()
    delta.div_(std).mul_(grad)
    acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
    add_scaled_(param, delta, -lr)  # param.add_(delta, alpha=-lr): NOTE [Varying scalars]
