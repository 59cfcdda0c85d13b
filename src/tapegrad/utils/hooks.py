"""Hook handles. Matches `torch.utils.hooks` (`RemovableHandle`).

Part of the state layer: tensors, nodes, modules and optimizers all register hooks in dicts
keyed by a handle's id, and the handle removes them again.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

__all__ = ["RemovableHandle", "HookDict", "add_hook"]


class RemovableHandle:
    """A handle whose `.remove()` unregisters a hook. Matches `torch.utils.hooks.RemovableHandle`.

    Like torch's it holds the hook dict weakly where the dict allows it (a `HookDict`, an
    `OrderedDict`), and removes the id from `extra_dicts` too.
    """

    _ids = itertools.count()

    def __init__(self, hooks_dict: Any, *, extra_dicts: Any = None) -> None:
        try:
            self.hooks_dict_ref = weakref.ref(hooks_dict)
        except TypeError:  # a plain dict cannot be weakly referenced
            self.hooks_dict_ref = lambda d=hooks_dict: d
        self.id = next(RemovableHandle._ids)
        if extra_dicts is None:
            extra_dicts = ()
        elif not isinstance(extra_dicts, (list, tuple)):
            extra_dicts = (extra_dicts,)
        self.extra_dicts_ref = tuple(extra_dicts)

    def remove(self) -> None:
        hooks = self.hooks_dict_ref()
        if hooks is not None and self.id in hooks:
            del hooks[self.id]
        for d in self.extra_dicts_ref:
            if self.id in d:
                del d[self.id]

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class HookDict(dict):
    """Hooks by handle id, in registration order. A dict subclass because a handle holds its
    dict weakly (as torch's handles hold an OrderedDict), and a plain dict has no weakref."""


def add_hook(hooks: HookDict, fn: Any) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle
