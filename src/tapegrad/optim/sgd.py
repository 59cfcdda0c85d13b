"""`SGD` with momentum, dampening, Nesterov, weight decay and maximize (torch's formulas)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    add_alpha,
    add_scaled_,
    check_fused_flags,
    is_zero,
    run_closure,
    step_grad_mode,
    step_with_hooks,
)

__all__ = ["SGD"]


class SGD(Optimizer):
    """Matches `torch.optim.SGD` (its single-tensor path, op for op)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        check_fused_flags(fused, foreach, differentiable)

    @step_with_hooks
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One SGD step over every parameter that has a grad."""
        loss = run_closure(closure)
        with step_grad_mode(self):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if is_zero(group["momentum"]):
                        _sgd_update(p, p.grad, None, group)
                        continue
                    # torch touches the state only when there is momentum.
                    state = self.state[p]
                    state["momentum_buffer"] = _sgd_update(
                        p, p.grad, state.get("momentum_buffer"), group)
        return loss


def _sgd_update(param: Tensor, grad: Tensor, buf: Tensor | None,
                group: dict[str, Any]) -> Tensor | None:
    # torch's _single_tensor_sgd for one parameter.
    momentum, lr = group["momentum"], group["lr"]
    if group["maximize"]:
        grad = -grad
    if not is_zero(group["weight_decay"]):
        grad = add_alpha(grad, param, group["weight_decay"])
    if not is_zero(momentum):
        if buf is None:
            buf = grad.detach().clone()
        else:
            buf.mul_(momentum).add_(grad, alpha=1 - group["dampening"])
        if group["nesterov"]:
            # grad.add(buf, alpha=momentum); a traced momentum as an operand (NOTE [Varying
            # scalars in updates])
            grad = (grad.add(buf, alpha=momentum) if not isinstance(momentum, Tensor)
                    else grad.add(buf * momentum))
        else:
            grad = buf
    add_scaled_(param, grad, -lr)  # param.add_(grad, alpha=-lr): see NOTE [Varying scalars]
    return buf
