"""NestedIOFunction: torch's legacy Function with nested (list/tuple) inputs and outputs.
Matches `torch.autograd.function.NestedIOFunction`, which torch keeps "only for backward
compatibility reasons" and which no longer runs end to end there: calling an instance needs
the removed `Function._do_forward` (AttributeError), and `apply` hands `forward` the node,
which has no `_nested_input` (AttributeError). tapegrad keeps the same class surface with the
same outcomes; its helpers (nested save_for_backward / saved_tensors, mark_dirty,
mark_non_differentiable, the forward and backward that flatten and unflatten around
`forward_extended` / `backward_extended`) behave as torch's do."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .function import Function

__all__ = ["NestedIOFunction"]


def _typename(obj) -> str:
    """torch.typename of a non-tensor (the type's qualified name; builtins bare)."""
    if hasattr(obj, "__qualname__"):
        module, name = getattr(obj, "__module__", "") or "", obj.__qualname__
    else:
        module, name = type(obj).__module__, type(obj).__qualname__
    return name if module in ("", "builtins") else f"{module}.{name}"


def _not_nestable(obj, what: str) -> ValueError:
    return ValueError("Auto nesting doesn't know how to process an input object of type "
                      f"{_typename(obj)}. Accepted types: {what}, or lists/tuples of them")


def _flat(obj, keep_none: bool = False):
    """The tensors of a nested list/tuple/dict (and the Nones, with `keep_none`), in order."""
    if isinstance(obj, Tensor):
        yield obj
    elif obj is None:
        if keep_none:
            yield None
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            yield from _flat(o, keep_none)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _flat(o, keep_none)
    else:
        raise _not_nestable(obj, "Tensors or None" if keep_none else "Tensors")


def _data(obj):
    """`obj` with each tensor replaced by its `.data` (same nesting)."""
    if isinstance(obj, Tensor):
        return obj.data
    if obj is None:
        return None
    if isinstance(obj, (list, tuple)):
        mapped = (_data(o) for o in obj)
        return type(obj)(*mapped) if hasattr(obj, "_fields") else type(obj)(mapped)
    if isinstance(obj, dict):
        return {k: _data(v) for k, v in obj.items()}
    raise _not_nestable(obj, "Tensors")


def _unflatten(flat, proto):
    """`flat` regrouped into the list/tuple nesting of `proto` (its Nones kept as None)."""
    def take(items, proto):
        if not isinstance(proto, (list, tuple)):
            return items[0], items[1:]
        out = []
        for e in proto:
            if e is None:
                out.append(None)
            else:
                value, items = take(items, e)
                out.append(value)
        return type(proto)(out), items

    return take(flat, proto)[0]


class NestedIOFunction(Function):
    """Legacy: kept for backward compatibility; use `Function` for new code."""

    def _do_forward(self, *input):
        self._nested_input = input
        flat_input = tuple(_flat(input))
        flat_output = super()._do_forward(*flat_input)  # torch's Function lost this method
        return _unflatten(flat_output, self._nested_output)

    def _do_backward(self, gradients, retain_variables):
        self.retain_variables = retain_variables
        result = super()._do_backward(gradients, retain_variables)
        if not retain_variables:
            del self._nested_output
            del self._to_save_nested
        return result

    def backward(self, *gradients: Any) -> Any:
        """Unflattens the gradients like the outputs and calls `backward_extended`."""
        nested = _unflatten(gradients, self._nested_output)
        return tuple(_flat(self.backward_extended(*nested), keep_none=True))

    __call__ = _do_forward

    def forward(self, *args: Any) -> Any:
        """Calls `forward_extended` on the nested inputs' data; returns the flat outputs."""
        nested = _data(self._nested_input)
        result = self.forward_extended(*nested)
        del self._nested_input
        self._nested_output = result
        return tuple(_flat(result))

    def save_for_backward(self, *args: Any) -> None:
        self.to_save = tuple(_flat(args))
        self._to_save_nested = args

    @property
    def saved_tensors(self):
        # torch reads the node's saved tensors; an instance is never a node (see above), so
        # there are none and the unflattening fails as torch's does (IndexError).
        return _unflatten((), self._to_save_nested)

    def mark_dirty(self, *args: Any, **kwargs: Any) -> None:
        self.dirty_tensors = tuple(_flat((args, kwargs)))

    def mark_non_differentiable(self, *args: Any, **kwargs: Any) -> None:
        self.non_differentiable = tuple(_flat((args, kwargs)))

    def forward_extended(self, *input: Any) -> None:
        """User-defined forward."""
        raise NotImplementedError

    def backward_extended(self, *grad_output: Any) -> None:
        """User-defined backward."""
        raise NotImplementedError
