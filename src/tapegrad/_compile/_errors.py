"""tg.compile's errors: `ConcreteValueError` (a value needed while tracing, reported at the
user's line with the way out, equinox-style) and the internal signals of the call path."""

from __future__ import annotations

import linecache
import os
import traceback

import jax

from ._library import TAPEGRAD_DIR, is_library_file

__all__ = ["ConcreteValueError", "NeedsEager", "Retrace", "concrete_value_error",
           "CONCRETE_ERRORS"]


class ConcreteValueError(RuntimeError):
    """Raised when a function compiled by `tg.compile` needs a tensor's value while tracing."""


class NeedsEager(Exception):
    """Internal: the trace changed Python state the replay plan cannot express."""


class Retrace(Exception):
    """Internal: the guarded fast path met inputs the program was not traced for."""


_CONVERSIONS = {
    "item": ("`tensor.item()`", "value = loss.item()", "print(f\"loss {value:.3f}\")",
             "loss = step(x, y)         # compiled: returns the tensor\n"
             "    print(loss.item())        # read the value outside tg.compile"),
    "__float__": ("`float(tensor)`", "scale = float(norm)", "x = x / scale",
                  "x = x / norm              # keep it a tensor"),
    "__int__": ("`int(tensor)`", "n = int(count)", "y = x[:n]",
                "compute the size from shapes, or call the function uncompiled"),
    "__index__": ("using a tensor as a Python index", "i = idx_tensor", "y = xs[i]",
                  "y = x.index_select(0, idx_tensor)   # indexing with a tensor stays traced"),
    "__bool__": ("`bool(tensor)` (a Python `if`/`while`/`and`/`or`/`assert` on a tensor)",
                 "if loss > 1:", "    loss = loss / 2",
                 "loss = tg.where(loss > 1, loss / 2, loss)   # the choice happens in the "
                 "program"),
    "tolist": ("`tensor.tolist()`", "values = out.tolist()", "best = max(values)",
               "best = out.max()            # reduce with tensor ops, read the result outside"),
    "numpy": ("`tensor.numpy()`", "a = out.numpy()", "m = a.mean()",
              "m = out.mean()             # tensor ops, or .numpy() on the returned tensor"),
    "__array__": ("`np.asarray(tensor)`", "a = np.asarray(out)", "m = a.mean()",
                  "m = out.mean()             # tensor ops, or np.asarray() outside"),
}


def _frame_file(frame: traceback.FrameSummary) -> str:
    # Generated op functions are named "<tapegrad: ...>": tapegrad's own code.
    if frame.filename.startswith("<tapegrad"):
        return os.path.join(TAPEGRAD_DIR, "ops", "_surface.py")
    return os.path.abspath(frame.filename)


def _in_library(filename: str) -> bool:
    # Not the user's line: tapegrad's own code or a library's.
    return filename.startswith(TAPEGRAD_DIR) or is_library_file(filename)


def concrete_value_error(err: Exception, fn_name: str) -> ConcreteValueError:
    frames = traceback.extract_tb(err.__traceback__)
    tensor_file = os.path.join(TAPEGRAD_DIR, "tensor.py")
    conv = next((i for i, f in enumerate(frames)
                 if _frame_file(f) == tensor_file and f.name in _CONVERSIONS), None)
    if conv is None:  # a library routine needed the value (a data-dependent shape, ...)
        conv = next((i for i, f in enumerate(frames)
                     if _frame_file(f).startswith(TAPEGRAD_DIR)
                     and not _frame_file(f).endswith("compile.py")), len(frames))
    user = next((i for i in range(conv - 1, -1, -1) if not _in_library(_frame_file(frames[i]))),
                None)
    what, bad1, bad2, instead = _CONVERSIONS.get(
        frames[conv].name if conv < len(frames) else "",
        (f"`{frames[conv].name}` (a data-dependent value or shape)" if conv < len(frames)
         else "a tensor's value", "n = int(mask.sum())", "y = x[:n]",
         "keep sizes static (masks with tg.where instead of boolean indexing),\n"
         "    or call this function uncompiled"))
    lines = [f"tg.compile: {what} needs a concrete value, but `{fn_name}` is being traced."]
    if user is not None:
        f = frames[user]
        lines.append(f'  File "{f.filename}", line {f.lineno}, in {f.name}')
        lines.append(f"    {(f.line or linecache.getline(f.filename, f.lineno)).strip()}")
    reader = frames[conv - 1] if conv > 0 else None
    by_library = reader is not None and (user is None or conv - 1 != user)
    if by_library:
        lines.append(f'  (the value is read in "{reader.filename}", line {reader.lineno}, in '
                     f"{reader.name}: {(reader.line or '').strip()})")
    lines += [
        "Not allowed inside tg.compile:",
        f"    {bad1}",
        f"    {bad2}",
        "Why: tg.compile runs the function once on abstract (traced) tensors to record one XLA",
        "program, then replays that program on every call. A tensor's value only exists when",
        "the program runs, so Python cannot read it (or branch on it) while recording.",
    ]
    if by_library and _frame_file(reader).startswith(TAPEGRAD_DIR):
        lines += [
            "Here the value is read by tapegrad itself, not by your code: that routine has no",
            "traced path yet. Keep it out of the compiled function (for example compile the",
            "forward and backward, and call the optimizer's step() eagerly after it).",
        ]
    else:
        lines += ["Write instead:", f"    {instead}"]
    lines.append(f"(JAX reported: {type(err).__name__}.)")
    return ConcreteValueError("\n".join(lines))


CONCRETE_ERRORS = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError,
                    jax.errors.TracerIntegerConversionError, jax.errors.TracerBoolConversionError)
