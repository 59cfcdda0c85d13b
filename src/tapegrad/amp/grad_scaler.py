"""`tg.amp.GradScaler`: dynamic loss scaling with torch's semantics (scale, unscale_, step
skipping on inf/NaN gradients, update's growth and backoff, state_dict) and its errors."""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Iterable
from enum import Enum
from typing import Any

import jax
import jax.numpy as jnp

from .._compilation_cache import jit as _cc_jit
from .. import _dtype, _numerics, _x64
from .._grad_mode import no_grad
from ..tensor import Tensor, full
from .._checks import user_stacklevel

__all__ = ["GradScaler", "OptState"]


class OptState(Enum):
    """Where an optimizer is in the scaler's iteration (torch's `OptState`)."""

    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fresh_state() -> dict[str, Any]:
    return {"stage": OptState.READY, "found_inf_per_device": {}}


@_x64.scoped  # NOTE [x64]: the kernel computes in float64/float32 as torch's does
@_cc_jit
def _unscale(grad: jax.Array, found: jax.Array, inv_scale: jax.Array) -> tuple:
    # torch's _amp_foreach_non_finite_check_and_unscale_ on one gradient: found_inf becomes
    # 1.0 if any element is inf or NaN; the gradient is multiplied by inv_scale in (at least)
    # float32 and stored in its own dtype.
    bad = jnp.logical_not(jnp.all(jnp.isfinite(grad)))
    compute = jnp.promote_types(grad.dtype, jnp.float32)
    unscaled = (grad.astype(compute) * inv_scale.astype(compute)).astype(grad.dtype)
    return unscaled, jnp.where(bad, jnp.float32(1.0), found)


@_x64.scoped
@_cc_jit
def _update_scale(scale: jax.Array, tracker: jax.Array, found: jax.Array, growth: float,
                  backoff: float, interval: int) -> tuple[jax.Array, jax.Array]:
    # torch's _amp_update_scale_: back off on inf, grow after `interval` clean steps (only
    # to a finite scale); the factor is applied in double, the scale stored as float32.
    scale64 = scale.astype(jnp.float64)
    successful = tracker + 1
    grown = (scale64 * growth).astype(jnp.float32)
    grow = successful == interval
    clean_scale = jnp.where(grow & jnp.isfinite(grown), grown, scale)
    clean_tracker = jnp.where(grow, jnp.zeros_like(tracker), successful)
    inf = found != 0
    new_scale = jnp.where(inf, (scale64 * backoff).astype(jnp.float32), clean_scale)
    new_tracker = jnp.where(inf, jnp.zeros_like(tracker), clean_tracker)
    return new_scale, new_tracker


class GradScaler:
    """Dynamic loss scaling. Matches `torch.amp.GradScaler(device='cuda', init_scale=2.**16,
    growth_factor=2.0, backoff_factor=0.5, growth_interval=2000, enabled=True)`.

    `scale(loss)` multiplies by the scale; `step(optimizer)` unscales the gradients (unless
    `unscale_` did), and skips `optimizer.step()` when any is inf or NaN; `update()` halves
    the scale after a skipped step and doubles it after `growth_interval` clean ones. A
    'cuda' scaler without a GPU warns and is disabled, as torch's.
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = enabled
        if device == "cuda" and enabled and not _numerics.on_gpu():
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
                          "Disabling.", stacklevel=user_stacklevel())
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale: Tensor | None = None
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker: Tensor | None = None
            self._per_optimizer_states: dict[int, dict[str, Any]] = defaultdict(_fresh_state)

    # ------------------------------------------------------------------ scale state
    def _check_scale_growth_tracker(self, funcname: str) -> tuple[Tensor, Tensor]:
        fix = ("This may indicate your script did not use scaler.scale(loss or outputs) "
               "earlier in the iteration.")
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  " + fix)
        if self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _growth_tracker is None.  " + fix)
        return self._scale, self._growth_tracker

    def _lazy_init_scale_growth_tracker(self) -> None:
        if self._growth_tracker is not None:
            raise AssertionError("_growth_tracker initialized before _scale")
        self._scale = full((), self._init_scale, dtype=_dtype.float32)
        self._growth_tracker = full((), self._init_growth_tracker, dtype=_dtype.int32)

    def scale(self, outputs: Any) -> Any:
        """Multiply a tensor (or an iterable of tensors, nested) by the scale factor."""
        if not self._enabled:
            return outputs

        def apply_scale(val: Any) -> Any:
            if isinstance(val, Tensor):
                if self._scale is None:
                    self._lazy_init_scale_growth_tracker()
                return val * self._scale
            if isinstance(val, Iterable):
                scaled = map(apply_scale, val)
                return type(val)(scaled) if isinstance(val, (list, tuple)) else scaled
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply_scale(outputs)

    # ------------------------------------------------------------------ unscale and step
    def _unscale_grads_(self, optimizer: Any, inv_scale: Tensor, found_inf: Tensor,
                        allow_fp16: bool) -> dict:
        found = None
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    if not isinstance(param, Tensor):
                        raise AssertionError(
                            f"expected param to be torch.Tensor, got {type(param).__name__}")
                    grad = param.grad
                    if grad is None:
                        continue
                    if not allow_fp16 and grad.dtype is _dtype.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    if found is None:
                        found = found_inf._storage.array
                    # Written in place without a version bump: torch's kernel for this has
                    # no autograd in-place bookkeeping (`.grad._version` stays).
                    grad._storage.array, found = _unscale(grad._storage.array, found,
                                                          inv_scale._storage.array)
        if found is None:
            return {}
        return {_numerics_device(): Tensor._make(found)}

    def unscale_(self, optimizer: Any) -> None:
        """Divide the optimizer's gradients by the scale factor (once per step), recording
        whether any is inf or NaN."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = self._scale.double().reciprocal().float()
        found_inf = full((), 0.0, dtype=_dtype.float32)
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv_scale, found_inf,
                                                             False)
        state["stage"] = OptState.UNSCALED

    def _maybe_opt_step(self, optimizer: Any, state: dict, *args: Any, **kwargs: Any) -> Any:
        if not sum(v.item() for v in state["found_inf_per_device"].values()):
            return optimizer.step(*args, **kwargs)
        return None

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """`unscale_(optimizer)` unless done, then `optimizer.step()` unless a gradient is
        inf or NaN; returns what `optimizer.step` returns (None when skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is "
                               "enabled.")
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if len(state["found_inf_per_device"]) == 0:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        retval = self._maybe_opt_step(optimizer, state, *args, **kwargs)
        state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Back off or grow the scale from this iteration's inf checks (or set `new_scale`)."""
        if not self._enabled:
            return
        scale, tracker = self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, float):
                scale.fill_(new_scale)
            else:
                reason = ("new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                          "torch.FloatTensor with requires_grad=False.")
                if new_scale.numel() != 1 or new_scale.requires_grad is True:
                    raise AssertionError(reason)
                scale.copy_(new_scale)
        else:
            found_infs = [found for state in self._per_optimizer_states.values()
                          for found in state["found_inf_per_device"].values()]
            if len(found_infs) == 0:
                raise AssertionError("No inf checks were recorded prior to update.")
            combined = found_infs[0]
            for other in found_infs[1:]:
                combined = combined + other
            new, count = _update_scale(scale._storage.array, tracker._storage.array,
                                       combined._storage.array, float(self._growth_factor),
                                       float(self._backoff_factor), int(self._growth_interval))
            with no_grad():
                scale.copy_(Tensor._make(new))
                tracker.copy_(Tensor._make(count))
        self._per_optimizer_states = defaultdict(_fresh_state)

    # ------------------------------------------------------------------ accessors
    def get_scale(self) -> float:
        """The current scale as a float (1.0 when disabled)."""
        if self._enabled:
            return self._init_scale if self._scale is None else float(self._scale.item())
        return 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if self._enabled:
            return (self._init_growth_tracker if self._growth_tracker is None
                    else int(self._growth_tracker.item()))
        return 0

    def is_enabled(self) -> bool:
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """scale, growth_factor, backoff_factor, growth_interval, _growth_tracker ({} when
        disabled)."""
        if self._enabled:
            return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                    "backoff_factor": self._backoff_factor,
                    "growth_interval": self._growth_interval,
                    "_growth_tracker": self._get_growth_tracker()}
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore from `state_dict()` (a no-op when disabled)."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale.fill_(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker.fill_(state_dict["_growth_tracker"])

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise AssertionError("A GradScaler instance may only be pickled at the beginning "
                                     "of an iteration, or at the end after scaler.update().")
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = None
            state["_growth_tracker"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


def _numerics_device() -> str:
    # The one device tapegrad's tensors live on (the key of torch's per-device dict).
    return "cuda" if _numerics.on_gpu() else "cpu"
