"""`Optimizer`: torch's base class (param groups, state, state_dict, zero_grad, hooks).

Updates are written by the subclasses as torch's `_single_tensor_*` functions are: in-place
Tensor methods under `no_grad`, so every update bumps the parameter's version as torch's does.
"""

from __future__ import annotations

import functools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from itertools import chain
from typing import Any

import jax

from .. import _dtype
from .._grad_mode import enable_grad, set_grad_enabled
from ..nn.modules.module import to_tapegrad_tensor
from ..tensor import Tensor, tensor
from ..utils.hooks import RemovableHandle
from .._checks import user_stacklevel

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Singleton class representing a required parameter for an Optimizer."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj: Any) -> str:
    return type(obj).__module__ + "." + type(obj).__qualname__


def step_with_hooks(step: Callable) -> Callable:
    """Decorate a subclass's `step`: hooks around it, gradients off inside (torch's default)."""

    @functools.wraps(step)
    def wrapper(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        for pre_hook in list(self._optimizer_step_pre_hooks.values()):
            result = pre_hook(self, args, kwargs)
            if result is not None:
                if isinstance(result, tuple) and len(result) == 2:
                    args, kwargs = result
                else:
                    raise RuntimeError(
                        f"{step} must return None or a tuple of (new_args, new_kwargs), but "
                        f"got {result}.")
        out = step(self, *args, **kwargs)
        for post_hook in list(self._optimizer_step_post_hooks.values()):
            post_hook(self, args, kwargs)
        return out

    return wrapper


class Optimizer:
    """Base class of optimizers. Matches `torch.optim.Optimizer`."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + params.dtype.legacy_name)
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_optimizer_step_pre_hooks", OrderedDict())
        self.__dict__.setdefault("_optimizer_step_post_hooks", OrderedDict())
        self.defaults.setdefault("differentiable", False)

    def __repr__(self) -> str:
        format_string = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            format_string += "\n"
            format_string += f"Parameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    format_string += f"    {key}: {group[key]}\n"
        return format_string + ")"

    # ------------------------------------------------------------------ hooks
    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """`hook(optimizer, args, kwargs)` before each step. Matches torch's."""
        handle = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """`hook(optimizer, args, kwargs)` after each step. Matches torch's."""
        handle = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------ state dict
    def state_dict(self) -> dict[str, Any]:
        """`{"state": {index: {...}}, "param_groups": [...]}` as torch packs it.

        The state tensors are the live ones (torch returns references too).
        """
        param_mappings: dict[int, int] = {}
        start_index = 0

        def pack_group(group: dict[str, Any]) -> dict[str, Any]:
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            param_mappings.update({id(p): i for i, p in enumerate(group["params"], start_index)
                                   if id(p) not in param_mappings})
            packed["params"] = [param_mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(param_mappings[id(k)] if isinstance(k, Tensor) else k): v
                        for k, v in self.state.items()}
        return {"state": packed_state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict from `state_dict()` (tapegrad's or torch's: tensors are converted).

        Matches `Optimizer.load_state_dict` (state cast to each parameter's dtype, except step).
        """
        state_dict = state_dict.copy()
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        param_lens = (len(g["params"]) for g in groups)
        saved_lens = (len(g["params"]) for g in saved_groups)
        if any(p_len != s_len for p_len, s_len in zip(param_lens, saved_lens, strict=True)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups), strict=True))

        fused_or_capturable = False

        def cast(param: Tensor, value: Any, key: Any = None) -> Any:
            tensor = to_tapegrad_tensor(value) if not isinstance(value, (str, bytes)) else None
            if tensor is not None:
                if key == "step":  # float32 for fused/capturable groups, as torch
                    return tensor.to(_dtype.float32) if fused_or_capturable else tensor
                if not param.is_floating_point():
                    return tensor
                return tensor.to(param.dtype)
            if isinstance(value, dict):
                return {k: cast(param, v, key=k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                group = next((g for g in saved_groups if k in g["params"]), {})
                fused_or_capturable = bool(group.get("fused") or group.get("capturable"))
                state[param] = cast(param, v)
            else:
                state[k] = v

        def update_group(group: dict[str, Any], new_group: dict[str, Any]) -> dict[str, Any]:
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups, strict=True)]
        self.__setstate__({"state": state, "param_groups": param_groups})

    # ------------------------------------------------------------------ grads and groups
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the grads of all parameters (to None by default, as torch 2.x)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        if p.grad.grad_fn is not None:
                            p.grad.detach_()
                        else:
                            p.grad.requires_grad_(False)
                        p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step (implemented by subclasses)."""
        raise NotImplementedError

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options. Matches torch's checks and texts."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)
        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) == len(tensors):
                param_group["param_names"] = names
            else:
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not self.defaults.get("differentiable", None) and not (
                    param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=user_stacklevel())
        param_set: set[int] = set()
        for group in self.param_groups:
            param_set.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                current = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {current} to the optimizer")
        if not param_set.isdisjoint(id(p) for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)




# NOTE [Varying scalars in updates]
# The op table passes `alpha=`/`value=` as static (compile-time) arguments, so a learning rate
# that changes every step (a scheduler, Adam's bias correction) would compile a new kernel per
# step. Where the scalar varies, the update is written with the scalar as an operand of `mul`,
# in torch's order of operations: `self + (value * t1) / t2` for addcdiv, `self + alpha * t`
# for add. Same version bumps (one in-place write into the parameter).
def add_scaled_(param: Tensor, tensor: Tensor, alpha: float) -> Tensor:
    """`param.add_(tensor, alpha=alpha)` for a varying alpha. See NOTE [Varying scalars]."""
    return param.add_(tensor * alpha)


def addcdiv_scaled_(param: Tensor, tensor1: Tensor, tensor2: Tensor, value: float) -> Tensor:
    """`param.addcdiv_(tensor1, tensor2, value=value)` for a varying value. See the NOTE."""
    return param.add_(tensor1 * value / tensor2)


# NOTE [Step counts under tg.compile]
# torch's non-capturable Adam/Adagrad read `state["step"]` back to the host (`_get_value` ->
# `.item()`) and do the bias correction in Python floats. Eager tapegrad does the same, so
# its values are torch's bit for bit. Under `tg.compile` (or any `jax.jit`) the step is a
# tracer and has no host value; there the same formulas run on the step as a float64 0-d
# tensor (the precision of Python's floats), so the program reads the step at run time and
# does not recompile as it grows. The two paths agree to the last bit or two of float64.
def step_value(step_t: Tensor) -> Any:
    """The step count as torch's `_get_value` gives it: a Python float eagerly, a float64
    0-d tensor when `step_t` holds a tracer (see NOTE [Step counts under tg.compile])."""
    if isinstance(step_t.jax(), jax.core.Tracer):
        return step_t.double()
    return step_t.item()


def run_closure(closure: Callable[[], Any] | None) -> Any:
    """torch's `with torch.enable_grad(): loss = closure()`."""
    if closure is None:
        return None
    with enable_grad():
        return closure()


def scalar_step_tensor(fused: Any = False) -> Tensor:
    """torch's `torch.tensor(0.0, dtype=_get_scalar_dtype(is_fused))`: the step count."""
    dt = _dtype.float64 if _dtype.get_default_dtype() is _dtype.float64 and not fused \
        else _dtype.float32
    return tensor(0.0, dtype=dt)



def is_traced(t: Tensor) -> bool:
    """Whether `t` holds a JAX tracer (the step runs under tg.compile / jax.jit)."""
    return isinstance(t.jax(), jax.core.Tracer)


def is_zero(value: Any) -> bool:
    """`value == 0` for a hyperparameter the optimizer branches on. Under tg.compile a traced
    one is a positive float's stand-in (NOTE [Traced hyperparameters] in _compile/_walk.py:
    zero stays a constant), so no branch reads a tracer."""
    if isinstance(value, Tensor) and is_traced(value):
        return False
    return bool(value == 0)


def add_alpha(t: Tensor, other: Tensor, alpha: Any) -> Tensor:
    """`t.add(other, alpha=alpha)`; a traced alpha (NOTE [Traced hyperparameters] in
    _compile/_walk.py) as an operand, as NOTE [Varying scalars in updates] does."""
    if isinstance(alpha, Tensor):
        return t.add(other * alpha)
    return t.add(other, alpha=alpha)


def is_positive(value: Any) -> bool:
    """`value > 0` for a hyperparameter the optimizer branches on (see `is_zero`)."""
    if isinstance(value, Tensor) and is_traced(value):
        return True
    return bool(value > 0)


def scalar_state_tensor(value: float) -> Tensor:
    """A 0-d state tensor of torch's `_get_scalar_dtype()` holding `value` (ASGD's eta, mu,
    NAdam's mu_product)."""
    dt = _dtype.float64 if _dtype.get_default_dtype() is _dtype.float64 else _dtype.float32
    if isinstance(value, Tensor):  # a traced lr under tg.compile (NOTE [Traced hyperparameters])
        return value.detach().to(dt).clone()
    return tensor(value, dtype=dt)


# NOTE [Flags torch accepts]
# foreach/fused pick torch's multi-tensor or fused kernels: the same update (to rounding), so
# tapegrad accepts them and runs its one path. What torch rejects on CPU is rejected with
# torch's class and text: `fused` with `foreach` or `differentiable` (at construction),
# `capturable=True` (at the step: CPU tensors are not capturable), and `foreach` with
# `differentiable` (at the step). `differentiable=True` runs the step with grad mode on, as
# torch's `_use_grad_for_differentiable` does (so the update is recorded, and an in-place
# update of a leaf that requires grad fails as torch's does).
_CAPTURABLE_DEVICES = ["cuda", "xpu", "hpu", "privateuseone", "xla"]


def check_fused_flags(fused: Any, foreach: Any, differentiable: Any) -> None:
    """torch's constructor checks of `fused` (Adam, AdamW, SGD, Adagrad)."""
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def check_step_flags(optimizer: Optimizer, group: dict[str, Any],
                     what: str = "params and state_steps", xla: bool = True) -> None:
    """torch's step-time refusals on CPU: capturable, and foreach with differentiable."""
    if group.get("capturable"):
        devices = _CAPTURABLE_DEVICES if xla else _CAPTURABLE_DEVICES[:-1]
        raise AssertionError(f"If capturable=True, {what} must be on supported devices: "
                             f"{devices}.")
    if group.get("foreach") and optimizer.defaults.get("differentiable"):
        raise AssertionError("_foreach ops don't support autograd")


def step_grad_mode(optimizer: Optimizer) -> Any:
    """torch's `_use_grad_for_differentiable`: grad mode on only for differentiable=True."""
    return set_grad_enabled(bool(optimizer.defaults.get("differentiable", False)))


def per_parameter_step(optimizer: Optimizer, flag_arrays: str,
                       initial_state: Callable[[Tensor], dict[str, Any]],
                       update: Callable[[Tensor, Tensor, dict, dict], None]) -> None:
    """torch's single-tensor loop of the Adam family: for each group (its flags checked as
    torch, `flag_arrays` naming the lists in torch's message) and each parameter with a grad,
    the state made on first use (a step tensor, then `initial_state(p)` in torch's key order),
    then `update(p, grad, state, group)`."""
    for group in optimizer.param_groups:
        check_step_flags(optimizer, group, flag_arrays)
        for p in group["params"]:
            if p.grad is None:
                continue
            state = optimizer.state[p]
            if len(state) == 0:
                state["step"] = scalar_step_tensor()
                state.update(initial_state(p))
            update(p, p.grad, state, group)
