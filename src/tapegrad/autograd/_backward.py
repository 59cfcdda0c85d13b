"""`backward` and `grad`: torch.autograd's entry points onto the engine (root edges, implicit
seeds, gradient checks, then `engine.run_backward`). `Tensor.backward` is attached here
(NOTE [Registration point])."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import jax
import numpy as np

from .. import _bind, _errors, _x64
from .._lru import LRU
from .._graph import AccumulateGrad, grad_accumulator
from ..tensor import Tensor, zeros_like
from ._buffers import validate_grad
from .engine import gradient_edge_or_raise, run_backward
from .._checks import user_stacklevel

__all__ = ["backward", "grad"]

_TensorOrTensors = Tensor | Sequence[Tensor]
_warned_create_graph = False


def _as_tuple(x) -> tuple:
    if x is None:
        return ()
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


_ONES = LRU("implicit_seeds", 64)


def _implicit_ones(shape: tuple, dt) -> Tensor:
    """A fresh tensor of ones for an implicit scalar seed. The array (immutable) is cached per
    shape and dtype, made outside any trace so it is never a tracer."""
    array = _ONES.get((shape, dt))
    if array is None:
        with jax.ensure_compile_time_eval():  # (host-built: no XLA program per shape)
            array = _ONES[(shape, dt)] = jax.device_put(np.ones(shape, dt.np))
    return Tensor._make(array)


def _make_grads(outputs: tuple, grads: tuple) -> list:
    """torch.autograd._make_grads: implicit ones for scalars, shape checks for given grads.

    Like torch it zips (extra gradients are dropped; a missing one is caught by the engine's
    count check) and names the offending position with `tuple.index`, which compares
    tensors with `==`, so torch's quirks there (an ambiguous-bool error) are reproduced.
    """
    new_grads = []
    for out, g in zip(outputs, grads):
        if isinstance(g, Tensor):
            if tuple(out.shape) != tuple(g.shape):
                raise RuntimeError(_errors.GRAD_SHAPE_MISMATCH.format(
                    index=grads.index(g), grad_shape=g.shape, out_index=outputs.index(out),
                    out_shape=out.shape))
            if out.dtype.is_complex != g.dtype.is_complex:
                raise RuntimeError(_errors.GRAD_DTYPE_MISMATCH.format(
                    index=grads.index(g), grad_dtype=_torch_dtype(g.dtype),
                    out_index=outputs.index(out), out_dtype=_torch_dtype(out.dtype)))
            new_grads.append(g)
        elif g is None:
            if out.requires_grad:
                if out.numel() != 1:
                    raise RuntimeError(_errors.IMPLICIT_NON_SCALAR)
                if not out.dtype.is_floating_point:
                    raise RuntimeError(_errors.IMPLICIT_NON_REAL.format(
                        dtype=_torch_dtype(out.dtype)))
                new_grads.append(_implicit_ones(tuple(out.shape), out.dtype))
            else:
                new_grads.append(None)
        else:
            raise TypeError("gradients can be either Tensors or None, but got "
                            f"{type(g).__name__}")
    return new_grads


def _tensor_or_tensors_to_tuple(tensors, length: int) -> tuple:
    if tensors is None:
        return (None,) * length
    if isinstance(tensors, Tensor):
        return (tensors,)
    return tuple(tensors)


def _torch_dtype(d) -> str:
    return f"torch.{d.name}"


def _root_edges(outputs: tuple, grads: list) -> tuple[list, list]:
    # torch's engine entry (THPEngine_run_backward): the count check, then one edge per output.
    if len(outputs) != len(grads):
        raise RuntimeError(_errors.TENSORS_GRADIENTS_COUNT.format(
            n_tensors=len(outputs), n_grads=len(grads)))
    edges, root_grads = [], []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        edges.append(gradient_edge_or_raise(out, i))
        if g is not None and not isinstance(edges[-1][0], AccumulateGrad):
            g = validate_grad(g, edges[-1][0]._metadata[edges[-1][1]], "backward", i)
        root_grads.append(g)
    return edges, root_grads


def _input_edges(inputs: tuple, accumulate_grad: bool) -> list:
    edges = []
    for t in inputs:
        if accumulate_grad:
            t.retain_grad()  # torch: backward(inputs=[non-leaf]) fills its .grad
        if not t._requires_grad:
            raise RuntimeError(_errors.INPUT_NOT_REQUIRES_GRAD)
        fn = t._grad_fn if t._base is None else t.grad_fn  # (as gradient_edge)
        if fn is not None:
            edges.append((fn, t._output_nr))
        else:
            edges.append((grad_accumulator(t), 0))
    return edges


@_x64.scoped
def backward(tensors: _TensorOrTensors, grad_tensors: _TensorOrTensors | None = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             grad_variables=None, inputs: _TensorOrTensors | None = None) -> None:
    """Accumulate gradients of `tensors` into the leaves' `.grad`.

    Matches `torch.autograd.backward`.
    """
    inputs_tuple = _as_tuple(inputs)
    if inputs is not None and len(inputs_tuple) == 0:
        raise RuntimeError(_errors.EMPTY_INPUTS.format(fn="backward"))
    outputs = _as_tuple(tensors)
    grads = _tensor_or_tensors_to_tuple(grad_tensors, len(outputs))
    new_grads = _make_grads(outputs, grads)
    if retain_graph is None:
        retain_graph = create_graph
    edges, root_grads = _root_edges(outputs, new_grads)
    input_edges = _input_edges(inputs_tuple, accumulate_grad=True) if inputs_tuple else None
    global _warned_create_graph
    if create_graph and not _warned_create_graph:
        # torch warns once per process (TORCH_WARN_ONCE in its engine).
        _warned_create_graph = True
        warnings.warn(_errors.CREATE_GRAPH_BACKWARD, UserWarning, stacklevel=user_stacklevel())
    run_backward(edges, root_grads, keep_graph=retain_graph, create_graph=create_graph,
                 inputs=input_edges, accumulate_grad=True)


@_x64.scoped
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
    if len(ins) == 0:
        raise RuntimeError(_errors.EMPTY_INPUTS.format(fn="grad"))
    grads = _tensor_or_tensors_to_tuple(grad_outputs, len(outs))
    new_grads = _make_grads(outs, grads)
    if retain_graph is None:
        retain_graph = create_graph
    edges, root_grads = _root_edges(outs, new_grads)
    input_edges = _input_edges(ins, accumulate_grad=False)
    result = run_backward(edges, root_grads, keep_graph=retain_graph, create_graph=create_graph,
                          inputs=input_edges, accumulate_grad=False)
    out = []
    for i, g in enumerate(result):
        if g is None and not allow_unused:
            raise RuntimeError(_errors.UNUSED_INPUT.format(index=i))
        out.append(g)
    if materialize_grads:
        out = [g if g is not None else zeros_like(t, requires_grad=create_graph)
               for g, t in zip(out, ins)]
    return tuple(out)


@_x64.scoped
def _tensor_backward(self: Tensor, gradient: Tensor | None = None,
                     retain_graph: bool | None = None, create_graph: bool = False,
                     inputs: Sequence[Tensor] | Tensor | None = None) -> None:
    """Accumulate gradients of this tensor into the leaves. Matches `torch.Tensor.backward`."""
    backward(self, gradient, retain_graph, create_graph, inputs=inputs)


_tensor_backward.__name__ = _tensor_backward.__qualname__ = "backward"
_bind.attach(Tensor, __name__, backward=_tensor_backward)
