"""Parity harness: run one program text under torch and under tapegrad, compare observables.

A program is a function `program(T)` written against a module `T` that is `torch` or
`tapegrad`. Running it records what a user could see: what it printed, what it returned
(tensors observed as value, dtype, shape, requires_grad, is_leaf, grad_fn name and
next_functions, _version, retains_grad and grad), the warnings it raised, and the exception it
ended with (class and first line). `compare` reports the first difference; `assert_parity`
fails a test with it.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import math
import re
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Run", "run", "observe", "compare", "assert_parity", "normalize_text"]

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_MODULE = re.compile(r"\b(torch|tapegrad)\.(?=(float|int|bool|uint|complex|bfloat|half|double|"
                     r"long|Size))")
_TRIGGERED = re.compile(r"\s*\(Triggered internally at [^)]*\)\.?$", re.S)


def normalize_text(text: str) -> str:
    """Make printed text comparable: object addresses and the dtype module prefix."""
    text = _ADDRESS.sub("0x…", text)
    return _MODULE.sub("T.", text)


@dataclass
class Run:
    """What one program did under one module."""

    module: str
    stdout: str = ""
    result: Any = None
    error: tuple[str, str] | None = None
    warnings: list[tuple[str, str]] = field(default_factory=list)
    traceback: str = ""


def _tensor_types():
    types = []
    for name in ("torch", "tapegrad"):
        try:
            types.append(importlib.import_module(name).Tensor)
        except ImportError:  # pragma: no cover - torch is a test dependency
            pass
    return tuple(types)


def _node_observation(node, depth: int) -> Any:
    if node is None:
        return None
    name = type(node).__name__
    if depth <= 0:
        return name
    return (name, tuple((_node_observation(fn, depth - 1), nr)
                        for fn, nr in node.next_functions))


def observe(value: Any, depth: int = 6) -> Any:
    """Turn a program's result into plain data (tensors become dicts of observables)."""
    tensor_types = _tensor_types()
    if isinstance(value, tensor_types):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grad = value.grad
        # (torch's lazily conjugated results refuse .numpy() until resolved.)
        array = np.asarray(value.detach().resolve_conj().cpu().numpy()
                           if hasattr(value, "cpu") else value.detach().numpy())
        return {
            "tensor": array,
            "dtype": str(value.dtype).split(".")[-1],
            "shape": tuple(value.shape),
            "requires_grad": value.requires_grad,
            "is_leaf": value.is_leaf,
            "grad_fn": _node_observation(value.grad_fn, depth),
            "retains_grad": value.retains_grad,
            "_version": value._version,
            "grad": observe(grad, depth) if grad is not None else None,
        }
    if isinstance(value, (list, tuple)):
        return type(value)(observe(v, depth) for v in value)
    if isinstance(value, dict):
        return {k: observe(v, depth) for k, v in value.items()}
    if hasattr(value, "next_functions") and hasattr(value, "name"):
        return _node_observation(value, depth)
    if isinstance(value, str):
        return normalize_text(value)
    if hasattr(value, "is_floating_point") and hasattr(value, "itemsize"):  # a dtype
        return str(value).split(".")[-1]
    return value


def run(program: Callable[[Any], Any], module: str) -> Run:
    """Run `program(T)` with `T = import_module(module)`, recording every observable."""
    T = importlib.import_module(module)
    rec = Run(module=module)
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        try:
            rec.result = observe(program(T))
        except Exception as exc:  # noqa: BLE001 - the exception is an observable
            rec.error = (type(exc).__name__, str(exc).strip().split("\n")[0])
            rec.traceback = traceback.format_exc()
    rec.stdout = normalize_text(out.getvalue())
    for w in caught:
        if issubclass(w.category, DeprecationWarning) and module == "torch":
            continue
        message = _TRIGGERED.sub("", str(w.message).strip())
        rec.warnings.append((w.category.__name__, message.split("\n")[0]))
    return rec


def _diff(a: Any, b: Any, path: str, rtol: float, atol: float,
          ignore: re.Pattern | None = None) -> str | None:
    if ignore is not None and ignore.search(path):
        return None
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a_arr, b_arr = np.asarray(a), np.asarray(b)
        if a_arr.shape != b_arr.shape:
            return f"{path}: shape {a_arr.shape} != {b_arr.shape}"
        if a_arr.dtype.kind in "fc" or b_arr.dtype.kind in "fc":
            if not np.allclose(a_arr.astype(np.complex128), b_arr.astype(np.complex128),
                               rtol=rtol, atol=atol, equal_nan=True):
                return f"{path}: values differ\n  torch:    {a_arr!r}\n  tapegrad: {b_arr!r}"
            return None
        if not np.array_equal(a_arr, b_arr):
            return f"{path}: values differ\n  torch:    {a_arr!r}\n  tapegrad: {b_arr!r}"
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            d = _diff(a[k], b[k], f"{path}.{k}", rtol, atol, ignore)
            if d:
                return d
        return None
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if type(a) is not type(b) or len(a) != len(b):
            return f"{path}: {a!r} != {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = _diff(x, y, f"{path}[{i}]", rtol, atol, ignore)
            if d:
                return d
        return None
    if isinstance(a, float) and isinstance(b, float):
        if math.isclose(a, b, rel_tol=rtol, abs_tol=atol) or (math.isnan(a) and math.isnan(b)):
            return None
    if a != b:
        return f"{path}: torch {a!r} != tapegrad {b!r}"
    return None


def compare(program: Callable[[Any], Any], *, rtol: float = 1e-5, atol: float = 1e-6,
            ignore: str | None = None) -> tuple[str | None, Run, Run]:
    """Run under both modules; return (first difference or None, torch run, tapegrad run).

    `ignore` is a regex of observable paths not to compare (e.g. one ending in `grad._version`).
    """
    ref = run(program, "torch")
    got = run(program, "tapegrad")
    pattern = re.compile(ignore) if ignore else None
    for name in ("error", "stdout", "warnings", "result"):
        d = _diff(getattr(ref, name), getattr(got, name), name, rtol, atol, pattern)
        if d:
            if got.traceback and name != "error" or (name == "error" and got.traceback):
                d += "\n--- tapegrad traceback ---\n" + got.traceback
            return d, ref, got
    return None, ref, got


def assert_parity(program: Callable[[Any], Any], **options: Any) -> Run:
    """Fail with the first observable that differs between torch and tapegrad."""
    diff, _, got = compare(program, **options)
    if diff is not None:
        raise AssertionError(f"{getattr(program, '__name__', 'program')}: {diff}")
    return got
