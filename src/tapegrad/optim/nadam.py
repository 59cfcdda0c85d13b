"""`NAdam` (Nesterov Adam, momentum decay, optional decoupled weight decay), torch's formulas."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..tensor import zeros_like
from .optimizer import (
    Optimizer,
    add_alpha,
    addcdiv_scaled_,
    is_traced,
    is_zero,
    per_parameter_step,
    run_closure,
    scalar_state_tensor,
    step_grad_mode,
    step_value,
    step_with_hooks,
)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """Matches `torch.optim.NAdam` (its single-tensor path, op for op)."""

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
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
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    @step_with_hooks
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One NAdam step over every parameter that has a grad."""
        loss = run_closure(closure)
        with step_grad_mode(self):
            per_parameter_step(self, "params, mu_products and state_steps",
                               lambda p: {"mu_product": scalar_state_tensor(1.0),
                                          "exp_avg": zeros_like(p), "exp_avg_sq": zeros_like(p)},
                               _nadam_update)
        return loss


def _nadam_update(param, grad, state: dict, group: dict[str, Any]) -> None:
    # torch's _single_tensor_nadam (non-capturable) for one parameter.
    beta1, beta2 = group["betas"]
    lr, weight_decay, momentum_decay = group["lr"], group["weight_decay"], group["momentum_decay"]
    grad = -grad if group["maximize"] else grad
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    mu_product, step_t = state["mu_product"], state["step"]
    step_t += 1
    step = step_value(step_t)  # See NOTE [Step counts under tg.compile]
    bias_correction2 = 1 - beta2**step
    if not is_zero(weight_decay):
        if group["decoupled_weight_decay"]:
            param.mul_(1 - lr * weight_decay)
        else:
            grad = add_alpha(grad, param, weight_decay)
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
    # torch multiplies by the Python float cast to mu_product's dtype; traced, the same cast
    mu_product *= mu.to(mu_product.dtype) if is_traced(step_t) else mu
    exp_avg.lerp_(grad, 1 - beta1)
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    denom = (exp_avg_sq / bias_correction2).sqrt()
    if group["differentiable"]:
        # torch's differentiable branch: the factors on the mu_product tensor (its dtype)
        denom = denom.add(group["eps"])
        mu_product_next = mu_product * mu_next
        grad = grad * (-lr * (1.0 - mu) / (1.0 - mu_product))
        exp_avg = exp_avg * (-lr * mu_next / (1.0 - mu_product_next))
        param.addcdiv_(grad, denom)
        param.addcdiv_(exp_avg, denom)
        return
    mu_product_value = step_value(mu_product)
    mu_product_next = mu_product_value * mu_next
    denom.add_(group["eps"])
    addcdiv_scaled_(param, grad, denom, -lr * (1.0 - mu) / (1.0 - mu_product_value))
    addcdiv_scaled_(param, exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product_next))
