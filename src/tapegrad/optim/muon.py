"""`Muon` (momentum orthogonalized by Newton-Schulz iterations in bfloat16), torch's formulas."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor, zeros_like
from .optimizer import Optimizer, run_closure, step_with_hooks

__all__ = ["Muon"]

EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.7750
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5


def _bf16_addmm(m: Tensor | None, a: Tensor, b: Tensor, beta: float = 1.0,
                alpha: float = 1.0) -> Tensor:
    # torch's CPU bfloat16 matmul/addmm: products summed in float32, `beta * m + alpha * ab`
    # formed in float32, rounded to bfloat16 once.
    ab = a.float() @ b.float()
    out = ab if alpha == 1.0 else ab * alpha
    if m is not None:
        out = m.float() * beta + out
    return out.bfloat16()


def _zeropower_via_newtonschulz(grad: Tensor, ns_coefficients: tuple[float, float, float],
                                ns_steps: int, eps: float) -> Tensor:
    # The quintic Newton-Schulz iteration towards the nearest semi-orthogonal matrix.
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if len(grad.shape) != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = ns_coefficients
    ortho_grad = grad.bfloat16()
    tall = grad.size(0) > grad.size(1)
    if tall:
        ortho_grad = ortho_grad.T
    # torch's bfloat16 norm sums in float32 and rounds once (tapegrad's bfloat16 norm
    # rounds differently), so the norm is taken in float32 and rounded here
    ortho_grad.div_(ortho_grad.float().norm().bfloat16().clamp(min=eps))
    for _ in range(ns_steps):
        gram_matrix = _bf16_addmm(None, ortho_grad, ortho_grad.T)
        gram_update = _bf16_addmm(gram_matrix, gram_matrix, gram_matrix, beta=b, alpha=c)
        ortho_grad = _bf16_addmm(ortho_grad, gram_update, ortho_grad, beta=a)
    if tall:
        ortho_grad = ortho_grad.T
    return ortho_grad


def _adjust_lr(lr: float, adjust_lr_fn: str | None, param_shape: Any) -> float:
    rows, cols = param_shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        ratio = math.sqrt(max(1, rows / cols))
    elif adjust_lr_fn == "match_rms_adamw":
        ratio = 0.2 * math.sqrt(max(rows, cols))
    else:
        ratio = 1.0
    return lr * ratio


class Muon(Optimizer):
    """Matches `torch.optim.Muon` (2-D parameters only)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, weight_decay: float = 0.1,
                 momentum: float = 0.95, nesterov: bool = True,
                 ns_coefficients: tuple[float, float, float] = (DEFAULT_A, DEFAULT_B,
                                                                DEFAULT_C),
                 eps: float = EPS, ns_steps: int = DEFAULT_NS_STEPS,
                 adjust_lr_fn: str | None = None) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ["original", "match_rms_adamw"]:
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = {"lr": lr, "weight_decay": weight_decay, "momentum": momentum,
                    "nesterov": nesterov, "ns_coefficients": ns_coefficients, "eps": eps,
                    "ns_steps": ns_steps, "adjust_lr_fn": adjust_lr_fn}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError("Muon only supports 2D parameters whereas we found a "
                                     f"parameter with size: {p.size()}")

    @step_with_hooks
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Muon step over every parameter that has a grad."""
        loss = run_closure(closure)
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if p.is_complex():
                        raise RuntimeError("Muon does not support complex parameters")
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        state["momentum_buffer"] = zeros_like(p.grad)
                    _muon_update(p, p.grad, state["momentum_buffer"], group)
        return loss


def _muon_update(param, grad, buf, group: dict[str, Any]) -> None:
    # torch's _single_tensor_muon for one parameter.
    lr, momentum = group["lr"], group["momentum"]
    buf.lerp_(grad, 1 - momentum)
    update = grad.lerp(buf, momentum) if group["nesterov"] else buf
    update = _zeropower_via_newtonschulz(update, group["ns_coefficients"], group["ns_steps"],
                                         group["eps"])
    adjusted_lr = _adjust_lr(lr, group["adjust_lr_fn"], param.shape)
    param.mul_(1 - lr * group["weight_decay"])
    # param.add_(update, alpha=-adjusted_lr): the bfloat16 update is promoted to the
    # parameter dtype before the product (NOTE [Varying scalars in updates])
    param.add_(update.to(param.dtype) * -adjusted_lr)
