"""`python -m tapegrad.coverage`: how much of the installed torch's public surface tapegrad has.

The names come from torch itself, namespace by namespace: `torch.overrides.
get_overridable_functions()` for `torch.*`, `Tensor.*`, `nn.functional`, `linalg`, `special`
and `fft`; the classes in `torch.nn` (modules), `torch.optim` (optimizers),
`torch.optim.lr_scheduler` and `torch.distributions`; the `__all__` of `torch.autograd`,
`torch.func`, `torch.utils.data` and `torch.utils.checkpoint`. Internals no user program
calls are excluded by the rules in `EXCLUDE` (printed with `--rules`). A name counts as had
when tapegrad has the same name at the same place.

    python -m tapegrad.coverage                 # per-namespace have/total
    python -m tapegrad.coverage --missing torch # the missing names of one namespace
    python -m tapegrad.coverage --markdown      # the README's table
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from collections.abc import Callable

__all__ = ["NAMESPACES", "EXCLUDE", "torch_names", "coverage", "main"]

# (rule, why): a name matching any pattern is not counted, in any namespace.
EXCLUDE: list[tuple[str, str]] = [
    (r"^_(?!_)", "private (one leading underscore)"),
    (r"quantiz|^q_|^dequantize|fake_quant|^int_repr$|^qscheme$|fbgemm|_per_channel|"
     r"_per_tensor", "quantization"),
    (r"sparse|^to_sparse|coo|csr|csc|bsr|bsc|^indices$|^values$|^crow_|^col_indices|"
     r"^row_indices|^ccol_|^smm$|^sspaddmm$|^hspmm$|^dense_dim$|^sparse_dim$|^coalesce$|"
     r"^is_coalesced$", "sparse layouts"),
    (r"cudnn|miopen|mkldnn|nnpack|^mps|xnnpack|vulkan|^is_ipu$|^is_maia$|^is_mtia$|"
     r"^is_xla$|^is_xpu$|^is_mps$|^is_vulkan$|^is_mkldnn$|^is_meta$|^ipu$|^xpu$|^mtia$",
     "backend internals"),
    (r"_copy$", "`*_copy` (functionalization variants)"),
    (r"^sym_", "symbolic-shape helpers"),
    (r"^nested|^is_nested$|^to_padded_tensor$", "nested tensors"),
    (r"^(rename|refine_names|align_to|align_as|names|has_names|name)_?$", "named tensors"),
    (r"^(pin_memory|is_pinned|share_memory_|is_shared|storage|untyped_storage|"
     r"storage_type|data_ptr|record_stream|_typed_storage|dim_order|is_set_to|set_)$",
     "storage and memory internals"),
    (r"^(lobpcg|pca_lowrank|svd_lowrank|lu_unpack_out)$|^batch_norm_|"
     r"^native_|^fused_|^quantile_out$|^rrelu_with_noise|^segment_reduce$|"
     r"^choose_qparams|^affine_grid_generator$|^constant_pad_nd$|^conv_tbc$|"
     r"^convolution$|^cumulative_trapezoid$|^embedding_renorm_$|^feature_|^fbgemm",
     "ATen entry points that are not the user API"),
    (r"^(import_ir_module.*|parse_ir|parse_schema|parse_type_comment|"
     r"merge_type_from_type_comment|unify_type_list|fork|wait|from_file|"
     r"thread_safe_generator|init_num_threads|sym_.*|get_device_module)$",
     "TorchScript/IR plumbing"),
    (r"^(H|T|mT|mH)$", "(kept: counted as properties)"),
]
_KEEP = {"H", "T", "mT", "mH"}


def _excluded(name: str) -> bool:
    if name in _KEEP:
        return False
    return any(re.search(p, name) for p, _ in EXCLUDE[:-1])


def _overridable(owner: object, prefix: str = "") -> set[str]:
    import torch

    names: set[str] = set()
    for key, funcs in torch.overrides.get_overridable_functions().items():
        if key is owner or (owner is torch and key is getattr(torch, "functional", None)):
            for f in funcs:
                name = getattr(f, "__name__", "")
                if prefix and name.startswith(prefix):
                    name = name[len(prefix):]
                names.add(name)
    if owner is torch.Tensor:  # properties are listed by their own getters
        for key in torch.overrides.get_overridable_functions():
            name = getattr(key, "__name__", None)
            if isinstance(name, str) and hasattr(torch.Tensor, name) and key is not owner \
                    and not inspect.ismodule(key):
                names.add(name)
    return names


def _ignored_public(torch: object) -> set[str]:
    # Functions torch_function does not dispatch (factories, global settings) are still
    # torch.* API: torch lists them in get_ignored_functions().
    return {f.__name__ for f in torch.overrides.get_ignored_functions()
            if getattr(torch, getattr(f, "__name__", ""), None) is f}


def _classes(module: object, base: type) -> set[str]:
    return {n for n, v in vars(module).items() if inspect.isclass(v) and issubclass(v, base)
            and v is not base and not n.startswith("_")}


def _all(module: object) -> set[str]:
    return set(getattr(module, "__all__", None) or
               [n for n in vars(module) if not n.startswith("_")
                and not inspect.ismodule(vars(module)[n])])


def _torch_lists() -> dict[str, tuple[Callable[[], set[str]], str]]:
    import torch
    import torch.distributions
    import torch.func
    import torch.nn.functional
    import torch.optim.lr_scheduler
    import torch.utils.checkpoint
    import torch.utils.data

    F = torch.nn.functional
    return {
        "torch": (lambda: _overridable(torch) | _ignored_public(torch), ""),
        "Tensor": (lambda: _overridable(torch.Tensor) - {"__get__"}, "Tensor"),
        # (Names F has: F.logsigmoid is the builtin whose __name__ is "log_sigmoid".)
        "nn.functional": (lambda: {n for n in _overridable(F) if hasattr(F, n)} | {
            n for n, v in vars(F).items() if inspect.isfunction(v)
            and v.__module__ == F.__name__}, "nn.functional"),
        "nn": (lambda: _classes(torch.nn, torch.nn.Module), "nn"),
        "optim": (lambda: _classes(torch.optim, torch.optim.Optimizer), "optim"),
        "lr_scheduler": (lambda: _classes(torch.optim.lr_scheduler,
                                          torch.optim.lr_scheduler.LRScheduler)
                         - {"LRScheduler"}, "optim.lr_scheduler"),
        "autograd": (lambda: _all(torch.autograd) - {"Variable"} | {"Variable"}, "autograd"),
        "func": (lambda: _all(torch.func), "func"),
        "linalg": (lambda: _overridable(torch.linalg, "linalg_"), "linalg"),
        "special": (lambda: _overridable(torch.special, "special_"), "special"),
        "fft": (lambda: _overridable(torch.fft, "fft_"), "fft"),
        "distributions": (lambda: _classes(torch.distributions,
                                           torch.distributions.Distribution)
                          | {"kl_divergence", "register_kl"}, "distributions"),
        "utils.data": (lambda: _all(torch.utils.data), "utils.data"),
        "utils.checkpoint": (lambda: {"checkpoint", "checkpoint_sequential"},
                             "utils.checkpoint"),
    }


NAMESPACES = ("torch", "Tensor", "nn.functional", "nn", "optim", "lr_scheduler", "autograd",
              "func", "linalg", "special", "fft", "distributions", "utils.data",
              "utils.checkpoint")


def torch_names(namespace: str) -> list[str]:
    """The counted names of one namespace, from the installed torch."""
    names, _ = _torch_lists()[namespace]
    return sorted(n for n in names() if not _excluded(n))


def _tapegrad_owner(path: str) -> object | None:
    import importlib

    import tapegrad as tg

    if path == "":
        return tg
    if path == "Tensor":
        return tg.Tensor
    try:
        return importlib.import_module(f"tapegrad.{path}")
    except ImportError:
        owner: object = tg
        for part in path.split("."):
            owner = getattr(owner, part, None)
            if owner is None:
                return None
        return owner


def coverage(namespace: str) -> tuple[list[str], list[str]]:
    """(had, missing) names of one namespace."""
    _, path = _torch_lists()[namespace]
    owner = _tapegrad_owner(path)
    names = torch_names(namespace)
    had = [n for n in names if owner is not None and hasattr(owner, n)]
    return had, [n for n in names if n not in had]


def _rows() -> list[tuple[str, int, int]]:
    rows = []
    for ns in NAMESPACES:
        had, missing = coverage(ns)
        rows.append((ns, len(had), len(had) + len(missing)))
    return rows


def markdown() -> str:
    """The README's coverage table."""
    rows = _rows()
    have = sum(r[1] for r in rows)
    total = sum(r[2] for r in rows)
    lines = ["| namespace | have / torch | |", "|---|---:|---:|"]
    lines += [f"| `{ns}` | {h} / {t} | {100 * h / max(t, 1):.0f}% |" for ns, h, t in rows]
    lines.append(f"| **all** | {have} / {total} | {100 * have / max(total, 1):.0f}% |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tapegrad.coverage", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--missing", metavar="NS", choices=NAMESPACES,
                        help="list the names of NS that tapegrad lacks")
    parser.add_argument("--markdown", action="store_true", help="print the README table")
    parser.add_argument("--rules", action="store_true", help="print the exclusion rules")
    args = parser.parse_args(argv)
    if args.missing:
        print("\n".join(coverage(args.missing)[1]))
        return 0
    if args.markdown:
        print(markdown())
        return 0
    rows = _rows()
    width = max(len(r[0]) for r in rows)
    for ns, h, t in rows:
        print(f"{ns:<{width}}  {h:4d} / {t:4d}  {100 * h / max(t, 1):5.1f}%")
    have, total = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"{'all':<{width}}  {have:4d} / {total:4d}  {100 * have / max(total, 1):5.1f}%")
    print("excluded: " + "; ".join(why for _, why in EXCLUDE[:-1])
          + " (--rules for the patterns)")
    if args.rules:
        for pattern, why in EXCLUDE[:-1]:
            print(f"  {why}: {pattern}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
