"""Grad modes: thread-local switches for recording the tape. Matches `torch.autograd.grad_mode`
(re-exported there). State layer: everything else reads these switches."""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled"]

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    def __init__(self) -> None:
        self.grad_enabled = True
        self.inference_mode = False


_state = _State()
# Set once inference mode was first entered: until then no tensor pays for inference checks
# (see NOTE [Inference tensors] in tensor.py).
inference_used = False


def is_grad_enabled() -> bool:
    """True if ops currently record the graph. Matches `torch.is_grad_enabled`."""
    return _state.grad_enabled


def _set_enabled(mode: bool) -> None:
    _state.grad_enabled = bool(mode)


def is_inference_mode_enabled() -> bool:
    """True inside `inference_mode()`. Matches `torch.is_inference_mode_enabled`."""
    return _state.inference_mode


def _wrap_generator(ctx_factory: Callable, func: Callable) -> Callable:
    # torch.utils._contextlib._wrap_generator: the mode is on only while the generator's own
    # code runs (each send/throw/close), never between yields; its return value is kept.
    @functools.wraps(func)
    def generator_context(*args, **kwargs):
        gen = func(*args, **kwargs)
        try:
            with ctx_factory():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with ctx_factory():
                        gen.close()
                    raise
                except BaseException as exc:
                    with ctx_factory():
                        response = gen.throw(exc)
                else:
                    with ctx_factory():
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value

    return generator_context


class _DecoratorContextManager:
    """Usable as `with mode():` and as `@mode()` (also on generator functions), like torch's."""

    def __call__(self, func: F) -> F:
        if inspect.isgeneratorfunction(func):
            return _wrap_generator(self.clone, func)  # type: ignore[return-value]

        @functools.wraps(func)
        def decorate_context(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return decorate_context  # type: ignore[return-value]

    def clone(self):
        return self.__class__()


class _NoParamDecoratorContextManager(_DecoratorContextManager):
    """Also usable as a bare decorator, `@no_grad` (torch's _NoParamDecoratorContextManager)."""

    def __new__(cls, orig_func: Callable | None = None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecoratorContextManager):
    """Disable recording. Matches `torch.no_grad`."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = is_grad_enabled()
        _set_enabled(False)

    def __exit__(self, *exc: object) -> None:
        _set_enabled(self.prev)


class enable_grad(_NoParamDecoratorContextManager):
    """Enable recording inside a no_grad region. Matches `torch.enable_grad`."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = is_grad_enabled()
        _set_enabled(True)

    def __exit__(self, *exc: object) -> None:
        _set_enabled(self.prev)


class set_grad_enabled(_DecoratorContextManager):
    """Set recording on or off; takes effect at once, also usable as a context manager.

    Matches `torch.set_grad_enabled`.
    """

    def __init__(self, mode: bool) -> None:
        self.prev = is_grad_enabled()
        self.mode = bool(mode)
        _set_enabled(self.mode)

    def __enter__(self) -> None:
        _set_enabled(self.mode)

    def __exit__(self, *exc: object) -> None:
        _set_enabled(self.prev)

    def __call__(self, func: F) -> F:
        # torch: the constructor already switched the mode; as a decorator, undo that now
        # and apply the mode only while the function runs.
        _set_enabled(self.prev)
        return super().__call__(func)

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """Disable recording, and make the tensors created inside inference tensors.

    Matches `torch.inference_mode` (also a decorator, bare or called; `inference_mode(False)`
    turns inference mode off and grad mode on, as torch's does). See NOTE [Inference tensors]
    in `tensor.py` for what inference tensors refuse later.
    Unlike torch, `enable_grad()` nested inside it records ops again: tapegrad's ops consult
    grad mode only.
    """

    def __new__(cls, mode: Any = True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self.prev = (True, False)

    def __enter__(self) -> None:
        global inference_used
        if self.mode:
            inference_used = True
        self.prev = (_state.grad_enabled, _state.inference_mode)
        # torch's c10::InferenceMode(enabled): grad mode is the opposite of inference mode.
        _state.grad_enabled = not self.mode
        _state.inference_mode = bool(self.mode)

    def __exit__(self, *exc: object) -> None:
        _state.grad_enabled, _state.inference_mode = self.prev

    def clone(self):
        return self.__class__(self.mode)
