"""Tensor repr, formatted by torch's rules (torch/_tensor_str.py's defaults: precision 4,
threshold 1000, edgeitems 3, linewidth 80) so printed programs read the same under both."""

from __future__ import annotations

import math

import jax
import numpy as np

from . import _device, _dtype

PRECISION = 4
THRESHOLD: float = 1000
EDGEITEMS = 3
LINEWIDTH = 80
SCI_MODE: bool | None = None  # None: chosen per tensor, as torch's _Formatter does


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Matches `torch.set_printoptions`: a `profile` ("default", "short", "full") first, then
    each option given; `sci_mode` is always set (None: chosen per tensor)."""
    global PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH, SCI_MODE
    if profile is not None:
        if profile == "default":
            PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = 4, 1000, 3, 80
        elif profile == "short":
            PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = 2, 1000, 2, 80
        elif profile == "full":
            PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = 4, math.inf, 3, 80
    if precision is not None:
        PRECISION = precision
    if threshold is not None:
        THRESHOLD = threshold
    if edgeitems is not None:
        EDGEITEMS = edgeitems
    if linewidth is not None:
        LINEWIDTH = linewidth
    SCI_MODE = sci_mode


class _Formatter:
    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(f"{v}"))
            return
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            return
        absd = np.abs(finite.astype(np.float64))
        lo, hi = float(absd.min()), float(absd.max())
        vals = finite.tolist()
        for v in vals:
            if v != math.ceil(v):
                self.int_mode = False
                break
        self.sci_mode = ((hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4) if SCI_MODE is None
                         else SCI_MODE)
        if self.int_mode:
            if self.sci_mode:
                for v in vals:
                    self.max_width = max(self.max_width, len(f"{v:.{PRECISION}e}"))
            else:
                for v in vals:
                    self.max_width = max(self.max_width, len(f"{v:.0f}") + 1)
        elif self.sci_mode:
            for v in vals:
                self.max_width = max(self.max_width, len(f"{v:.{PRECISION}e}"))
        else:
            for v in vals:
                self.max_width = max(self.max_width, len(f"{v:.{PRECISION}f}"))

    def width(self) -> int:
        return self.max_width

    def format(self, value) -> str:
        if self.floating:
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{PRECISION}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{PRECISION}f}"
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _summarized(a: np.ndarray) -> np.ndarray:
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        if a.shape[0] > 2 * EDGEITEMS:
            return np.concatenate([a[:EDGEITEMS], a[-EDGEITEMS:]])
        return a
    if not EDGEITEMS:
        return a[(slice(0, 0),) * a.ndim]
    if a.shape[0] > 2 * EDGEITEMS:
        rows = list(range(EDGEITEMS)) + list(range(a.shape[0] - EDGEITEMS, a.shape[0]))
    else:
        rows = range(a.shape[0])
    return np.stack([_summarized(a[i]) for i in rows])


def _vector_str(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    element_length = fmt.width() + 2
    per_line = max(1, int(math.floor((LINEWIDTH - indent) / element_length)))
    if summarize and not EDGEITEMS:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * EDGEITEMS:
        data = ([fmt.format(v) for v in a[:EDGEITEMS].tolist()] + [" ..."]
                + [fmt.format(v) for v in a[-EDGEITEMS:].tolist()])
    else:
        data = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _str_with_formatter(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    if summarize and a.shape[0] > 2 * EDGEITEMS:
        slices = ([_str_with_formatter(a[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)]
                  + ["..."]
                  + [_str_with_formatter(a[i], indent + 1, summarize, fmt)
                     for i in range(a.shape[0] - EDGEITEMS, a.shape[0])])
    else:
        slices = [_str_with_formatter(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0])]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _tensor_str(a: np.ndarray, floating: bool, indent: int) -> str:
    if a.size == 0:
        return "[]"
    summarize = a.size > THRESHOLD
    if a.dtype.kind == "f" and a.dtype.itemsize < 4 or str(a.dtype) == "bfloat16":
        a = a.astype(np.float32)
    fmt = _Formatter(_summarized(a) if summarize else a, floating)
    return _str_with_formatter(a, indent, summarize, fmt)


def _add_suffixes(tensor_str: str, suffixes: list[str], indent: int) -> str:
    parts = [tensor_str]
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        # Wrap where torch wraps: measured as torch prints it (`torch.float64`, 3 chars
        # shorter than `tapegrad.float64`), so the lines match up to the module name.
        width = len(suffix.replace("tapegrad.", "torch."))
        if last_line_len + width + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + width
        else:
            parts.append(", " + suffix)
            last_line_len += width + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t) -> str:
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    dt = t.dtype
    array = t._storage.array
    if isinstance(array, jax.core.Tracer):
        return f"tensor(<traced {dt.name}{list(array.shape)}>)"
    if _device.MULTI:  # torch names a device other than the default's type first
        dev = t.device
        if dev.type != _device.get_default().type:
            suffixes.append(f"device='{dev}'")
    a = np.asarray(array)
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append("size=" + str(tuple(a.shape)))
        if dt is not _dtype.get_default_dtype():
            suffixes.append(f"dtype={dt!r}")
        tensor_str = "[]"
    else:
        if not EDGEITEMS:
            suffixes.append("size=" + str(tuple(a.shape)))
        if dt not in (_dtype.get_default_dtype(), _dtype.complex64, _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={dt!r}")
        tensor_str = _tensor_str(a, dt.is_floating_point, indent)
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t._grad_fn).__name__}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + tensor_str, suffixes, indent)
