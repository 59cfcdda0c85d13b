"""`ASGD` (averaged SGD), torch's formulas."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import ops
from ..tensor import ones_like, tensor, zeros_like
from .optimizer import (
    Optimizer,
    add_alpha,
    add_scaled_,
    check_step_flags,
    is_traced,
    is_zero,
    run_closure,
    scalar_state_tensor,
    scalar_step_tensor,
    step_grad_mode,
    step_value,
    step_with_hooks,
)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Matches `torch.optim.ASGD` (its single-tensor path, op for op)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    @step_with_hooks
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One ASGD step over every parameter that has a grad."""
        loss = run_closure(closure)
        with step_grad_mode(self):
            for group in self.param_groups:
                check_step_flags(self, group, "params, mus, etas, and state_steps")
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = scalar_step_tensor()
                        state["eta"] = scalar_state_tensor(group["lr"])
                        state["mu"] = scalar_state_tensor(1.0)
                        state["ax"] = zeros_like(p)
                    _asgd_update(p, p.grad, state, group)
        return loss


def _asgd_update(param, grad, state: dict, group: dict[str, Any]) -> None:
    # torch's _single_tensor_asgd (non-capturable) for one parameter.
    lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
    grad = -grad if group["maximize"] else grad
    mu, ax, eta, step_t = state["mu"], state["ax"], state["eta"], state["step"]
    step_t += 1
    if not is_zero(group["weight_decay"]):
        grad = add_alpha(grad, param, group["weight_decay"])
    eta_value = step_value(eta)  # torch's _get_value(eta)
    param.mul_(1 - lambd * eta_value)
    add_scaled_(param, grad, -eta_value)  # See NOTE [Varying scalars in updates]
    if is_traced(mu):
        # torch branches on mu.item() on the host; traced, both branches and a select.
        ax.copy_(ops.where(mu == 1, param, ax + param.sub(ax).mul_(mu)))
    elif mu.item() != 1:
        ax.add_(param.sub(ax).mul_(mu))
    else:
        ax.copy_(param)
    step = step_value(step_t)
    new_eta = lr / ((1 + lambd * lr * step) ** alpha)
    if is_traced(step_t):
        new_mu = 1 / ops.maximum(step - t0, ones_like(step))
    else:  # torch.as_tensor of the Python floats: the default dtype
        new_eta, new_mu = tensor(new_eta), tensor(1 / max(1, step - t0))
    eta.copy_(new_eta)
    mu.copy_(new_mu)
