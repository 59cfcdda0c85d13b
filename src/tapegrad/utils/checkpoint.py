"""Activation checkpointing. Matches `torch.utils.checkpoint.checkpoint` and
`checkpoint_sequential`: the forward keeps no activations, the backward recomputes them.

`use_reentrant=True` (torch's default when the argument is left out, with torch's warning) is
a custom Function (`CheckpointFunctionBackward`) whose backward reruns the function with grad
enabled and backpropagates through the rerun. `use_reentrant=False` records the function's
graph as usual but packs every saved tensor as an index (saved-tensor hooks); the first
unpack in a backward reruns the function and hands back the tensors it saves. With
`preserve_rng_state` (default) the rerun sees tapegrad's default generator in the state the
forward saw, and the generator's state after the rerun is the state before it."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from .. import random as _random
from .._grad_mode import enable_grad, no_grad
from ..autograd import backward as _backward
from ..autograd.function import Function
from ..autograd.graph import saved_tensors_hooks
from ..tensor import Tensor
from .._checks import user_stacklevel

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "CheckpointFunction",
           "detach_variable", "check_backward_validity"]


class CheckpointError(RuntimeError):
    """Matches `torch.utils.checkpoint.CheckpointError`."""


def detach_variable(inputs: tuple) -> tuple:
    """Each tensor detached, keeping its requires_grad; other values as they are."""
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    out = []
    for inp in inputs:
        if not isinstance(inp, Tensor):
            out.append(inp)
            continue
        x = inp.detach()
        x.requires_grad = inp.requires_grad
        out.append(x)
    return tuple(out)


def check_backward_validity(inputs) -> None:
    if not any(inp.requires_grad for inp in inputs if isinstance(inp, Tensor)):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      stacklevel=user_stacklevel())


@contextlib.contextmanager
def _rng_as_in_forward(state: Tensor | None) -> Iterator[None]:
    """torch's fork_rng: run with the forward's generator state, then restore."""
    if state is None:
        yield
        return
    outer = _random.get_rng_state()
    _random.set_rng_state(state)
    try:
        yield
    finally:
        _random.set_rng_state(outer)


class CheckpointFunction(Function):
    """The reentrant checkpoint. Matches torch's `CheckpointFunction`."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        check_backward_validity(args)
        ctx.run_function = run_function
        ctx.fwd_cpu_state = _random.get_rng_state() if preserve_rng_state else None
        ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *args):
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            inputs[i] = t
        with _rng_as_in_forward(ctx.fwd_cpu_state):
            detached = detach_variable(tuple(inputs))
            with enable_grad():
                outputs = ctx.run_function(*detached)
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        with_grad = [(o, g) for o, g in zip(outputs, args)
                     if isinstance(o, Tensor) and o.requires_grad]
        if not with_grad:
            raise RuntimeError("none of output has requires_grad=True,"
                               " this checkpoint() is not necessary")
        _backward([o for o, _ in with_grad], [g for _, g in with_grad])
        return (None, None) + tuple(inp.grad if isinstance(inp, Tensor) else None
                                    for inp in detached)


def _checkpoint_without_reentrant(function: Callable, preserve: bool, args: tuple,
                                  kwargs: dict) -> Any:
    rng = _random.get_rng_state() if preserve else None
    count = [0]
    recomputed: dict[int, Tensor] = {}

    def pack(t: Tensor) -> int:
        count[0] += 1
        return count[0] - 1

    def recompute() -> None:
        got: list[Tensor] = []

        def capture(t: Tensor) -> None:
            got.append(t.detach())

        with _rng_as_in_forward(rng), enable_grad(), saved_tensors_hooks(capture, _unused):
            function(*args, **kwargs)
        if len(got) != count[0]:
            raise CheckpointError(
                "torch.utils.checkpoint: A different number of tensors was saved during the "
                "original forward and recomputation.\n"
                f"Number of tensors saved during forward: {count[0]}\n"
                f"Number of tensors saved during recomputation: {len(got)}.\n")
        recomputed.update(enumerate(got))

    def unpack(i: int) -> Tensor:
        if i not in recomputed:
            recompute()
        return recomputed.pop(i)

    with saved_tensors_hooks(pack, unpack):
        return function(*args, **kwargs)


def _unused(_: Any) -> Tensor:
    raise CheckpointError("torch.utils.checkpoint: a tensor saved during recomputation was "
                          "unpacked")


def checkpoint(function: Callable, *args: Any, use_reentrant: bool | None = None,
               context_fn: Callable | None = None, determinism_check: str = "default",
               debug: bool = False, early_stop: bool = True, **kwargs: Any) -> Any:
    """Run `function(*args)` without keeping its activations; the backward recomputes them.
    Matches `torch.utils.checkpoint.checkpoint`."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be "
            "passed explicitly. Starting in PyTorch 2.9, calling checkpoint "
            "without use_reentrant will raise an exception. use_reentrant=False is "
            "recommended, but if you need to preserve the current default "
            "behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.", stacklevel=user_stacklevel())
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not None or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        return CheckpointFunction.apply(function, preserve, *args)
    if context_fn is not None:
        raise NotImplementedError("tapegrad's checkpoint does not take context_fn")
    return _checkpoint_without_reentrant(function, preserve, args, kwargs)


def checkpoint_sequential(functions, segments: int, input: Tensor,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """Checkpoint all but the last of `segments` chunks of a sequence of functions. Matches
    `torch.utils.checkpoint.checkpoint_sequential`."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant "
            "parameter should be passed explicitly. "
            "In version 2.9 we will raise an exception if use_reentrant "
            "is not passed. use_reentrant=False is "
            "recommended, but if you need to preserve the current default "
            "behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.", stacklevel=user_stacklevel())
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run_function(start: int, end: int, functions):
        def forward(input):
            for j in range(start, end + 1):
                input = functions[j](input)
            return input
        return forward

    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_function(start, end, functions), input,
                           use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run_function(end + 1, len(functions) - 1, functions)(input)
