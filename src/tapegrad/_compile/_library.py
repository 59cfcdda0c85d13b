"""Which code is the user's: one heuristic for the state walk (objects of library classes are
not entered) and for error reports (the user's line is the first frame outside libraries)."""

from __future__ import annotations

import os
import sys
import sysconfig

__all__ = ["is_library_module", "is_library_file", "TAPEGRAD_DIR"]

TAPEGRAD_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Code installed in these places is a library (third-party or the standard library).
_LIBRARY_DIRS = tuple(sorted({os.path.abspath(p) for k in ("stdlib", "platstdlib", "purelib",
                                                          "platlib")
                              if (p := sysconfig.get_paths().get(k))}))
_module_cache: dict[str, bool] = {}


def is_library_file(filename: str) -> bool:
    """Is this file third-party or standard-library code (a site-packages install, the
    standard library, a frozen module)? tapegrad's own files are not."""
    path = os.path.abspath(filename)
    if path.startswith(TAPEGRAD_DIR):
        return False
    return path.startswith(_LIBRARY_DIRS) or filename.startswith("<frozen")


def is_library_module(module_name: str | None) -> bool:
    """`is_library_file` for a module by name; builtins and extension submodules without a
    file are libraries, `__main__` in a notebook or REPL is not."""
    if not module_name:
        return True
    lib = _module_cache.get(module_name)
    if lib is None:
        root = module_name.split(".")[0]
        module = sys.modules.get(module_name) or sys.modules.get(root)
        # A submodule of an extension (jaxlib._jax.pytree) has no file: its package's tells.
        file = getattr(module, "__file__", None) or getattr(sys.modules.get(root), "__file__",
                                                           None)
        if root == "tapegrad":
            lib = False
        elif file is None:  # builtins, frozen modules; or __main__ in a notebook / REPL
            lib = module_name != "__main__" and (
                root in sys.stdlib_module_names or root in sys.builtin_module_names)
        else:
            lib = is_library_file(file)
        _module_cache[module_name] = lib
    return lib
