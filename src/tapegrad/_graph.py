"""The autograd graph: `Node` (a backward function with `next_functions`), `AccumulateGrad`
(the sink for a leaf), `SavedTensor` (a value saved for backward, with its version) and the
one gradient-edge function. Matches `torch.autograd.graph` (re-exported there).

The graph layer: above tensors, below the ops that record nodes and the engine that runs
them. `AccumulateGrad.apply` is attached by the engine (NOTE [Registration point]).
"""

from __future__ import annotations

import itertools
import re
import threading
import weakref
from collections.abc import Callable
from typing import Any, NamedTuple

from . import _anomaly as anomaly_mode
from . import _errors
from ._storage import InferenceVersionCounter
from .tensor import Tensor
from .utils.hooks import HookDict, RemovableHandle, add_hook

__all__ = ["Node", "AccumulateGrad", "SavedTensor", "GradientEdge", "gradient_edge",
           "get_gradient_edge", "grad_accumulator"]

_sequence = itertools.count()
# torch gives AccumulateGrad the largest sequence number so a ready leaf sink runs first.
ACCUMULATE_SEQUENCE_NR = 2**64 - 1


class SavedTensor:
    """A tensor saved for backward: its value, the version it had, and enough to rebuild it.

    NOTE [Saved tensors]
    As torch's SavedVariable: an input (or a leaf) is kept as the tensor object itself; an
    output of the node that saves it is kept without its grad_fn (that would be a reference
    cycle) and rebuilt on unpack with the node as grad_fn. Unpacking checks the version counter
    (the in-place error) and fails once the graph was freed (the backward-twice error).
    An output is kept by its storage box, not its array of the moment: as in torch, a write
    that autograd cannot see (through `.data`) is read by the backward.
    """

    __slots__ = ("tensor", "storage", "vc", "saved_version", "is_output", "output_nr",
                 "requires_grad", "freed", "_rebuilt", "hooks", "packed", "non_leaf")

    def __init__(self, tensor, is_output: bool) -> None:
        if type(tensor._vc) is InferenceVersionCounter:
            raise RuntimeError(_errors.INFERENCE_SAVE)
        self.vc = tensor._vc
        self.saved_version = tensor._vc.version
        self.is_output = is_output
        self.freed = False
        self._rebuilt = None
        self.hooks = None
        self.non_leaf = False
        stack = _saved_hooks_state.stack
        if stack:
            # NOTE [Saved tensor hooks]: as torch, the innermost pair packs the tensor now and
            # unpacks it at every access; the version counter is not checked then.
            self.hooks = stack[-1]
            self.tensor = self.storage = None
            self.output_nr = tensor._output_nr
            self.requires_grad = tensor._requires_grad
            # An input comes back attached to its gradient edge (double backward reaches it).
            self._rebuilt = None if is_output else gradient_edge(tensor)
            self.packed = self.hooks[0](tensor)
            return
        if is_output:
            self.tensor = None
            self.storage = tensor._storage
            self.output_nr = tensor._output_nr
            self.requires_grad = tensor._requires_grad
        else:
            self.tensor = tensor
            self.storage = None
            self.output_nr = 0
            self.requires_grad = False
            # torch's SavedVariable keeps an input by reference and finds its grad_fn on
            # unpack: one that had history and lost it (`detach_()`) cannot be used.
            self.non_leaf = tensor._grad_fn is not None

    def unpack(self, node: Node):
        if self.freed:
            raise RuntimeError(_errors.BACKWARD_TWICE)
        if self.hooks is not None:
            return self._unpack_hooked(node)
        if self.non_leaf and self.tensor._grad_fn is None:
            raise RuntimeError(_errors.SAVED_DETACHED_INPLACE)
        if self.vc.version != self.saved_version:
            raise RuntimeError(self._version_message(node))
        if not self.is_output:
            return self.tensor
        if self._rebuilt is None:
            self._rebuilt = Tensor._make(None, node if self.requires_grad else None,
                                         self.output_nr, self.vc, self.storage)
        return self._rebuilt

    def raw_array(self, node: Node):
        """The saved value as a JAX array (fast path; same checks as `unpack`)."""
        if self.freed:
            raise RuntimeError(_errors.BACKWARD_TWICE)
        if self.hooks is not None:
            return self._unpack_hooked(node)._storage.array
        if self.non_leaf and self.tensor._grad_fn is None:
            raise RuntimeError(_errors.SAVED_DETACHED_INPLACE)
        if self.vc.version != self.saved_version:
            raise RuntimeError(self._version_message(node))
        return self.storage.array if self.is_output else self.tensor._storage.array

    def _unpack_hooked(self, node: Node):
        t = self.hooks[1](self.packed)
        if not isinstance(t, Tensor):
            raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got "
                            f"result of type {type(t).__name__}")
        if self.is_output:
            # An output comes back with its node as grad_fn, as an unhooked one does.
            return Tensor._make(None, node if self.requires_grad else None, self.output_nr,
                                t._vc, t._storage)
        fn, nr = self._rebuilt
        if fn is None:
            return t
        if type(fn) is AccumulateGrad:
            # A leaf comes back as torch's unpack makes it: no grad_fn, requiring grad, its
            # gradient going to the original leaf's accumulator.
            leaf = Tensor._make(None, None, 0, t._vc, t._storage)
            leaf._requires_grad = True
            leaf._grad_acc = weakref.ref(fn)
            return leaf
        return Tensor._make(None, fn, nr, t._vc, t._storage)

    def _version_message(self, node: Node) -> str:
        message = self._version_message_text(node)
        if anomaly_mode._enabled:
            # torch swaps the hint: the anomaly warning above already shows the forward call.
            message = message[:message.index(" Hint: ")] + ANOMALY_VERSION_HINT
        return message

    def _version_message_text(self, node: Node) -> str:
        t = self.tensor
        described = t if t is not None else Tensor._make(None, storage=self.storage)
        shape, type_desc = list(described.shape), described.dtype.legacy_name
        if t is not None:
            t.grad_fn  # noqa: B018 - torch names a view's regenerated node here
        if t is not None and t._grad_fn is None:
            return _errors.VERSION_MISMATCH_LEAF.format(
                type_desc=type_desc, shape=shape, current=self.vc.version,
                saved=self.saved_version)
        # torch 2.13 names the op, not the node, here: "output 0 of Sigmoid".
        owner = node.name() if self.is_output else t._grad_fn.name()
        # ("SigmoidBackward0" -> "Sigmoid", "PowBackward1" -> "Pow1", as torch prints them.)
        owner = re.sub(r"Backward0?(\d*)$", r"\1", owner)
        if owner in ("CopySlices", "CopyBackwards"):  # torch's hand-written nodes: C++ names
            owner = "torch::autograd::" + owner
        output_nr = self.output_nr if self.is_output else t._output_nr
        return _errors.VERSION_MISMATCH.format(
            type_desc=type_desc, shape=shape, output_desc="", output_nr=output_nr,
            node=owner, current=self.vc.version, saved=self.saved_version)

    def release(self) -> None:
        self.freed = True
        self.packed = None
        self.tensor = None
        self.storage = None
        self._rebuilt = None


class _SavedHooksState(threading.local):
    """Per thread, as torch: the stack of (pack, unpack) pairs and the message that
    `disable_saved_tensors_hooks` raises with (None when hooks are allowed)."""

    def __init__(self) -> None:
        self.stack: list = []
        self.disabled: str | None = None


_saved_hooks_state = _SavedHooksState()


ANOMALY_VERSION_HINT = (
    " Hint: the backtrace further above shows the operation that failed to compute its "
    "gradient. The variable in question was changed in there or anywhere later. Good luck!")

class Node:
    """A backward function in the graph. Matches `torch.autograd.graph.Node`.

    Subclasses are made per op from its declaration (`MulBackward0`) or per custom Function.
    `_metadata` holds (shape, dtype) of each forward output, used to check incoming gradients.
    """

    __slots__ = ("next_functions", "_sequence_nr", "_metadata", "__weakref__", "__dict__")

    # Hook dicts: None until a hook is registered (class defaults, so the hot path of making
    # a node does not store four Nones; a registration sets the instance's own).
    _pre_hooks: dict | None = None
    _post_hooks: dict | None = None
    _tensor_pre_hooks: dict | None = None
    _retains_grad_hooks: dict | None = None

    def __init__(self, next_functions: tuple, metadata: tuple) -> None:
        self.next_functions = next_functions
        self._sequence_nr = next(_sequence)
        self._metadata = metadata
        if anomaly_mode._enabled:
            anomaly_mode.record(self)

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def metadata(self) -> dict:
        try:
            return self.__dict__.setdefault("_user_metadata", {})
        except AttributeError:  # pragma: no cover
            return {}

    def register_hook(self, fn: Callable) -> RemovableHandle:
        """`fn(grad_inputs, grad_outputs)` runs after this node; may return new grad_inputs."""
        if self._post_hooks is None:
            self._post_hooks = HookDict()
        return add_hook(self._post_hooks, fn)

    def register_prehook(self, fn: Callable) -> RemovableHandle:
        """`fn(grad_outputs)` runs before this node; may return new grad_outputs."""
        if self._pre_hooks is None:
            self._pre_hooks = HookDict()
        return add_hook(self._pre_hooks, fn)

    def tensor_pre_hooks(self) -> list[tuple[int, Callable]]:
        if not self._tensor_pre_hooks:
            return []
        return list(self._tensor_pre_hooks.values())

    def _add_tensor_pre_hook(self, output_nr: int, fn: Callable) -> RemovableHandle:
        if self._tensor_pre_hooks is None:
            self._tensor_pre_hooks = HookDict()
        return add_hook(self._tensor_pre_hooks, (output_nr, fn))

    # Implemented by subclasses.
    def apply(self, grads: list, create_graph: bool) -> list:
        raise NotImplementedError

    def release_variables(self) -> None:
        pass

    def __call__(self, *grads):
        return tuple(self.apply(list(grads), create_graph=False))


class AccumulateGrad(Node):
    """The sink for a leaf: adds the incoming gradient into `variable.grad`.

    Matches torch's AccumulateGrad (cached per leaf while alive, held weakly by the leaf).
    """

    __slots__ = ("variable",)

    def __init__(self, variable) -> None:
        super().__init__((), ((variable.shape, variable.dtype),))
        self._sequence_nr = ACCUMULATE_SEQUENCE_NR
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def tensor_pre_hooks(self) -> list[tuple[int, Callable]]:
        # torch: a leaf's tensor hooks live on the tensor and are read by its accumulator.
        hooks = self.variable._backward_hooks
        if not hooks:
            return []
        return [(0, fn) for fn in hooks.values()]

    # `apply(grads, create_graph, steal=False)` is the engine's accumulate_grad, attached by
    # the engine (NOTE [Registration point]).


def grad_accumulator(tensor: Tensor) -> AccumulateGrad | None:
    """The leaf's AccumulateGrad: torch caches one per leaf, held weakly by the leaf."""
    acc = tensor._grad_acc() if tensor._grad_acc is not None else None
    if acc is None:
        if getattr(tensor._storage, "drop_edge", False):
            return None  # a no_grad view of a tensor requiring grad (ViewStorage.drop_edge)
        acc = AccumulateGrad(tensor)
        tensor._grad_acc = weakref.ref(acc)
    return acc


def gradient_edge(tensor: Tensor) -> tuple[Node | None, int]:
    """The (node, input_nr) edge a gradient for `tensor` flows into (torch's gradient_edge).

    A view's `grad_fn` is read through the property, which regenerates it if its base was
    written in place since (see `ops/views.py`)."""
    fn = tensor._grad_fn if tensor._base is None else tensor.grad_fn
    if fn is not None:
        return (fn, tensor._output_nr)
    if tensor._requires_grad:
        return (grad_accumulator(tensor), 0)
    return (None, 0)


class GradientEdge(NamedTuple):
    """A (node, output_nr) pair. Matches `torch.autograd.graph.GradientEdge`."""

    node: Node
    output_nr: int
    ownership_token: Any = None


def get_gradient_edge(tensor: Tensor) -> GradientEdge:
    """The edge a gradient for `tensor` flows into. Matches
    `torch.autograd.graph.get_gradient_edge` (torch's error for a tensor without one)."""
    if not tensor.requires_grad:
        raise RuntimeError(_errors.GRADIENT_EDGE_NO_GRAD)
    return GradientEdge(*gradient_edge(tensor))
