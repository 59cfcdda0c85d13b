"""The autograd graph's types. Matches `torch.autograd.graph` (the implementation is
`tapegrad._graph`, below the ops that build graphs), with the saved-tensor hooks context
managers (NOTE [Saved tensor hooks] in `_graph.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._graph import AccumulateGrad as AccumulateGrad
from .._graph import GradientEdge as GradientEdge
from .._graph import Node as Node
from .._graph import SavedTensor as SavedTensor
from .._graph import _saved_hooks_state
from .._graph import get_gradient_edge as get_gradient_edge
from ..tensor import Tensor
from ..utils.hooks import RemovableHandle as RemovableHandle

__all__ = ["Node", "AccumulateGrad", "SavedTensor", "GradientEdge", "get_gradient_edge",
           "RemovableHandle", "saved_tensors_hooks", "save_on_cpu",
           "disable_saved_tensors_hooks"]


class saved_tensors_hooks:  # noqa: N801 - torch's name
    """Pack every tensor saved for backward with `pack_hook` and unpack it with `unpack_hook`
    at each access. Matches `torch.autograd.graph.saved_tensors_hooks`."""

    def __init__(self, pack_hook: Callable[[Tensor], Any],
                 unpack_hook: Callable[[Any], Tensor]) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> saved_tensors_hooks:
        if _saved_hooks_state.disabled is not None:
            raise RuntimeError(_saved_hooks_state.disabled)
        _saved_hooks_state.stack.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc: object) -> None:
        _saved_hooks_state.stack.pop()


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 - torch's name
    """Saved tensors are kept as copies (on the CPU: tapegrad's only device) and handed back
    on unpack. Matches `torch.autograd.graph.save_on_cpu`."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack(t: Tensor):
            return (t.device, t.detach().clone())

        def unpack(packed):
            return packed[1]

        super().__init__(pack, unpack)


class disable_saved_tensors_hooks:  # noqa: N801 - torch's name
    """Inside, entering `saved_tensors_hooks` raises RuntimeError(error_message). Matches
    `torch.autograd.graph.disable_saved_tensors_hooks`."""

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self) -> None:
        self._previous = _saved_hooks_state.disabled
        _saved_hooks_state.disabled = self.error_message

    def __exit__(self, *exc: object) -> None:
        _saved_hooks_state.disabled = self._previous
