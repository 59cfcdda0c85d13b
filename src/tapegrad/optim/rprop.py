"""`Rprop` (resilient backpropagation), torch's formulas."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import ops
from ..tensor import full_like, zeros_like
from .optimizer import (
    Optimizer,
    check_step_flags,
    run_closure,
    scalar_step_tensor,
    step_grad_mode,
    step_with_hooks,
)

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Matches `torch.optim.Rprop` (its single-tensor path)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    @step_with_hooks
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Rprop step over every parameter that has a grad."""
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
                        state["prev"] = zeros_like(p)
                        state["step_size"] = full_like(p.grad, group["lr"])
                    _rprop_update(p, p.grad, state, group)
        return loss


def _rprop_update(param, grad, state: dict, group: dict[str, Any]) -> None:
    # torch's _single_tensor_rprop for one parameter. torch writes the masks with index_put
    # into temporaries; selects give the same values.
    etaminus, etaplus = group["etas"]
    step_size_min, step_size_max = group["step_sizes"]
    grad = -grad if group["maximize"] else grad
    prev, step_size = state["prev"], state["step_size"]
    state["step"] += 1
    sign = grad.mul(prev).sign()
    sign = ops.where(sign.gt(0), etaplus, ops.where(sign.lt(0), etaminus,
                                                    ops.where(sign.eq(0), 1.0, sign)))
    step_size.mul_(sign).clamp_(step_size_min, step_size_max)
    grad = ops.where(sign.eq(etaminus), 0.0, grad)
    param.addcmul_(grad.sign(), step_size, value=-1)
    prev.copy_(grad)
