"""torch.autograd's API on the tapegrad engine: backward, grad, grad modes, graph types."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from .. import _errors
from ..tensor import Tensor, ones, zeros
from . import graph
from .engine import gradient_edge_or_raise, run_backward
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "graph"]

_TensorOrTensors = Tensor | Sequence[Tensor]
_warned_create_graph = False


def _as_tuple(x) -> tuple:
    if x is None:
        return ()
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs: tuple, grads: tuple) -> list:
    """torch.autograd._make_grads: implicit ones for scalars, shape checks for given grads."""
    new_grads = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if isinstance(g, Tensor):
            if tuple(out.shape) != tuple(g.shape):
                raise RuntimeError(_errors.GRAD_SHAPE_MISMATCH.format(
                    index=i, grad_shape=g.shape, out_shape=out.shape))
            if out.dtype.is_complex != g.dtype.is_complex:
                raise RuntimeError(_errors.GRAD_DTYPE_MISMATCH.format(
                    index=i, grad_dtype=_torch_dtype(g.dtype), out_dtype=_torch_dtype(out.dtype)))
            new_grads.append(g)
        elif g is None:
            if out.requires_grad:
                if out.numel() != 1:
                    raise RuntimeError(_errors.IMPLICIT_NON_SCALAR)
                new_grads.append(ones(tuple(out.shape), dtype=out.dtype))
            else:
                new_grads.append(None)
        else:
            raise TypeError("gradients can be either Tensors or None, but got "
                            f"{type(g).__name__}")
    return new_grads


def _torch_dtype(d) -> str:
    return f"torch.{d.name}"


def _root_edges(outputs: tuple, grads: list) -> tuple[list, list]:
    edges, root_grads = [], []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        edges.append(gradient_edge_or_raise(out, i))
        if g is not None and not isinstance(edges[-1][0], graph.AccumulateGrad):
            from ..ops import validate_grad

            g = validate_grad(g, edges[-1][0]._metadata[edges[-1][1]], "backward", i)
        root_grads.append(g)
    return edges, root_grads


def backward(tensors: _TensorOrTensors, grad_tensors: _TensorOrTensors | None = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             grad_variables=None, inputs: _TensorOrTensors | None = None) -> None:
    """Accumulate gradients of `tensors` into the leaves' `.grad`.

    Matches `torch.autograd.backward`.
    """
    if inputs is not None and len(_as_tuple(inputs)) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    outputs = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(grads)} tensors and {len(outputs)} gradients")
    if retain_graph is None:
        retain_graph = create_graph
    new_grads = _make_grads(outputs, grads)
    edges, root_grads = _root_edges(outputs, new_grads)
    input_edges = None
    if inputs is not None:
        input_edges = []
        for i, t in enumerate(_as_tuple(inputs)):
            if t._grad_fn is not None:
                t.retain_grad()  # torch: backward(inputs=[non-leaf]) fills its .grad
                input_edges.append((t._grad_fn, t._output_nr))
            elif t._requires_grad:
                input_edges.append((t._grad_accumulator(), 0))
            else:
                raise RuntimeError(_errors.INPUT_NOT_REQUIRES_GRAD)
    global _warned_create_graph
    if create_graph and not _warned_create_graph:
        # torch warns once per process (TORCH_WARN_ONCE in its engine).
        _warned_create_graph = True
        warnings.warn(_errors.CREATE_GRAPH_BACKWARD, UserWarning, stacklevel=3)
    run_backward(edges, root_grads, keep_graph=retain_graph, create_graph=create_graph,
                 inputs=input_edges, accumulate_grad=True)


def grad(outputs: _TensorOrTensors, inputs: _TensorOrTensors,
         grad_outputs: _TensorOrTensors | None = None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False
         ) -> tuple[Tensor | None, ...]:
    """Gradients of `outputs` with respect to `inputs`, without touching `.grad`.

    Matches `torch.autograd.grad`.
    """
    if materialize_grads and allow_unused is False:
        raise ValueError(_errors.MATERIALIZE_WITHOUT_UNUSED)
    if allow_unused is None:
        allow_unused = materialize_grads
    outs = _as_tuple(outputs)
    ins = _as_tuple(inputs)
    grads = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outs)
    if len(grads) != len(outs):
        raise RuntimeError(f"grad requires one gradient per output: got {len(grads)} "
                           f"gradients and {len(outs)} outputs")
    if retain_graph is None:
        retain_graph = create_graph
    for t in ins:
        if not t._requires_grad:
            raise RuntimeError(_errors.INPUT_NOT_REQUIRES_GRAD)
    new_grads = _make_grads(outs, grads)
    edges, root_grads = _root_edges(outs, new_grads)
    input_edges = [(t._grad_fn, t._output_nr) if t._grad_fn is not None
                   else (t._grad_accumulator(), 0) for t in ins]
    result = run_backward(edges, root_grads, keep_graph=retain_graph, create_graph=create_graph,
                          inputs=input_edges, accumulate_grad=False)
    out = []
    for i, (t, g) in enumerate(zip(ins, result)):
        if g is None:
            if materialize_grads:
                g = zeros(tuple(t.shape), dtype=t.dtype)
            elif not allow_unused:
                raise RuntimeError(_errors.UNUSED_INPUT.format(index=i))
        out.append(g)
    return tuple(out)


