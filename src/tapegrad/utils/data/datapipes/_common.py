"""Checks shared by the built-in DataPipes (torch's `datapipes.utils.common`)."""

from __future__ import annotations

import functools
import importlib.util
import inspect
import warnings
from collections.abc import Callable

from .... import random as _random


def _is_local_fn(fn) -> bool:
    if hasattr(fn, "__code__"):
        return bool(fn.__code__.co_flags & inspect.CO_NESTED)
    if hasattr(fn, "__qualname__"):
        return "<locals>" in fn.__qualname__
    return "<locals>" in getattr(type(fn), "__qualname__", "")


def _check_unpickable_fn(fn: Callable) -> None:
    """TypeError for a non-callable; torch's UserWarning for a lambda or local function
    (pickle cannot carry them; torch stays silent when `dill` is installed)."""
    if not callable(fn):
        raise TypeError(f"A callable function is expected, but {type(fn)} is provided.")
    if isinstance(fn, functools.partial):
        fn = fn.func
    if importlib.util.find_spec("dill") is not None:
        return
    if _is_local_fn(fn):
        warnings.warn("Local function is not supported by pickle, please use regular python "
                      "function or functools.partial instead.", stacklevel=3)
    elif getattr(fn, "__name__", None) == "<lambda>":
        warnings.warn("Lambda function is not supported by pickle, please use regular python "
                      "function or functools.partial instead.", stacklevel=3)


def _validate_input_col(fn: Callable, input_col) -> None:
    """ValueError when `fn` cannot take as many positional arguments as `input_col` names."""
    try:
        sig = inspect.signature(fn)
    except ValueError:          # a builtin without a signature
        return
    size = len(input_col) if isinstance(input_col, (list, tuple)) else 1
    P = inspect.Parameter
    pos = [p for p in sig.parameters.values()
           if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    var_pos = any(p.kind is P.VAR_POSITIONAL for p in sig.parameters.values())
    kw_required = [p for p in sig.parameters.values()
                   if p.kind is P.KEYWORD_ONLY and p.default is p.empty]
    target = fn.func if isinstance(fn, functools.partial) else fn
    name = getattr(target, "__name__", repr(target))
    if kw_required:
        raise ValueError(f"The function {name} takes {len(kw_required)} non-default "
                         "keyword-only parameters, which is not allowed.")
    if len(sig.parameters) < size:
        if not var_pos:
            raise ValueError(f"The function {name} takes {len(sig.parameters)} parameters, "
                             f"but {size} are required.")
    elif (len(pos) > size and any(p.default is p.empty for p in pos[size:])) or \
            (len(pos) < size and not var_pos):
        raise ValueError(f"The function {name} takes {len(pos)} positional parameters, but "
                         f"{size} are required.")


def _no_len(dp) -> TypeError:
    return TypeError(f"{type(dp).__name__} instance doesn't have valid length")


def _fresh_seed(generator=None) -> int:
    """A seed for a shuffler that was given none: torch draws one int64 from its default
    generator (`torch.empty((), dtype=int64).random_()`); here from tapegrad's (a different
    stream, as for the random samplers)."""
    return int(_random.randint(0, 2 ** 62, (), generator=generator).item())
