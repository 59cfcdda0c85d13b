"""`Adam` (with amsgrad) and `AdamW` (decoupled weight decay), torch's formulas."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import ops
from ..tensor import zeros_like
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

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Matches `torch.optim.Adam` (its single-tensor path, op for op)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
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
        if not (isinstance(betas[0], float) and isinstance(betas[1], float)):
            raise ValueError("betas must be either both floats or both Tensors")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        check_fused_flags(fused, foreach, differentiable)

    @step_with_hooks
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adam step over every parameter that has a grad."""
        loss = run_closure(closure)
        with step_grad_mode(self):
            for group in self.param_groups:
                check_step_flags(self, group, "params and state_steps")
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = scalar_step_tensor(group["fused"])
                        state["exp_avg"] = zeros_like(p)
                        state["exp_avg_sq"] = zeros_like(p)
                        if group["amsgrad"]:
                            state["max_exp_avg_sq"] = zeros_like(p)
                    _adam_update(p, p.grad, state, group)
        return loss


def _adam_update(param, grad, state: dict, group: dict[str, Any]) -> None:
    # torch's _single_tensor_adam (capturable=False) for one parameter.
    beta1, beta2 = group["betas"]
    lr, weight_decay, eps = group["lr"], group["weight_decay"], group["eps"]
    exp_avg, exp_avg_sq, step_t = state["exp_avg"], state["exp_avg_sq"], state["step"]
    if group["maximize"]:
        grad = -grad
    step_t += 1
    if not is_zero(weight_decay):
        if group["decoupled_weight_decay"]:
            param.mul_(1 - lr * weight_decay)
        else:
            grad = add_alpha(grad, param, weight_decay)
    exp_avg.lerp_(grad, 1 - beta1)
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    if group["differentiable"]:
        _adam_differentiable_tail(param, state, group)
        return
    # torch reads the step back to the host here (_get_value -> .item()); under tg.compile
    # it stays a tensor: see NOTE [Step counts under tg.compile].
    step = step_value(step_t)
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2**0.5
    if group["amsgrad"]:
        max_exp_avg_sq = state["max_exp_avg_sq"]
        max_exp_avg_sq.copy_(ops.maximum(max_exp_avg_sq, exp_avg_sq))  # maximum(out=...)
        denom = (max_exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
    else:
        denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
    # param.addcdiv_(exp_avg, denom, value=-step_size): see NOTE [Varying scalars in updates]
    addcdiv_scaled_(param, exp_avg, denom, -step_size)


def _adam_differentiable_tail(param, state: dict, group: dict[str, Any]) -> None:
    # torch's differentiable branch: the bias corrections on the step tensor (its dtype), the
    # step size folded into the denominator, the update recorded in the graph.
    beta1, beta2 = group["betas"]
    lr, eps, step = group["lr"], group["eps"], state["step"]
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size_neg = (lr / bias_correction1).neg()
    bias_correction2_sqrt = bias_correction2.sqrt()
    if group["amsgrad"]:
        max_exp_avg_sq = state["max_exp_avg_sq"]
        max_exp_avg_sq.copy_(ops.maximum(max_exp_avg_sq.clone(), state["exp_avg_sq"]))
        sq = max_exp_avg_sq
    else:
        sq = state["exp_avg_sq"]
    denom = (sq.sqrt() / (bias_correction2_sqrt * step_size_neg)).add_(eps / step_size_neg)
    param.addcdiv_(state["exp_avg"].clone(), denom)


class AdamW(Adam):
    """Matches `torch.optim.AdamW` (Adam with decoupled weight decay, default 1e-2)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
