"""Custom autograd functions: `Function`, its `ctx` (`FunctionCtx`) and `once_differentiable`.

Matches `torch.autograd.function`. Built on graph.py as torch builds on its C++ Node: each
`Function` subclass gets, once, at class creation (torch's `FunctionMeta`), a `Node` subclass
named `<ClassName>Backward`. `apply` makes one instance of it; that instance is both the `ctx`
the user's forward/backward receive and the `grad_fn` of the outputs, and the engine runs it
like any other node. Saved tensors are `SavedTensor`s, so version checks, freeing after
backward and the backward-twice error are the same as for built-in ops.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _errors
from .. import _grad_mode as grad_mode
from .._graph import Node, SavedTensor, gradient_edge
from .._storage import LOWERING, LoweringAborted, Storage
from ..ops.views import check_inplace, finish_inplace
from ..tensor import Tensor, mark_custom_function_view
from ._backward import grad as _autograd_grad

__all__ = ["Function", "FunctionCtx", "FunctionMeta", "BackwardCFunction", "once_differentiable"]

# torch's texts (python_function.cpp, function.py).
LEGACY_CALL = (
    "Legacy autograd function with non-static forward method is deprecated. Please use "
    "new-style autograd function with static forward method. (Example: "
    "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")
NO_FORWARD = "You must implement the forward function for custom autograd.Function."
NO_BACKWARD = ("You must implement either the backward or vjp method for your custom "
               "autograd.Function to use it with backward mode AD.")
NO_JVP = ("You must implement the jvp function for custom autograd.Function to use it with "
          "forward mode AD.")
NO_SETUP_CONTEXT = "setup_context is not implemented."
BACKWARD_AND_VJP = ("Implementing both 'backward' and 'vjp' for a custom Function is not "
                    "allowed. You should only implement one of them.")
WRONG_GRAD_COUNT = ("function {name} returned an incorrect number of gradients "
                    "(expected {expected}, got {got})")
GRAD_FOR_NON_TENSOR = ("function {name} returned a gradient different than None at position "
                       "{position}, but the corresponding forward input was not a Variable")
GRAD_NOT_TENSOR = "expected Variable or None (got {type_name})"
SAVE_NOT_TENSOR = ("save_for_backward can only save variables, but argument {index} is of "
                   "type {type_name}")
# torch 2.13's own texts end early (its format arguments are lost); reproduced as they are.
MARK_NOT_TENSOR = {"mark_non_differentiable": ("mark_non_differentiable only accepts variable "
                                               "arguments, but got "),
                   "mark_dirty": "mark_dirty can only accept variables, but argument "}
DIRTY_NOT_RETURNED = (
    "Some elements marked as dirty during the forward method were not returned as output. The "
    "inputs that are modified inplace must all be outputs of the Function.")
# Not _errors.LEAF_INPLACE: torch's custom-function check words it differently.
DIRTY_LEAF = "a leaf Variable that requires grad has been used in an in-place operation."
DIRTY_VIEW_MULTI_OUTPUT = (
    "If your Function modifies inplace an input that is a view of another Tensor, your "
    "Function cannot return more than one Tensor. This is not supported by the current "
    "autograd engine. You should either make sure the input is not a view (using .clone() "
    "for example) or make your Function only return one Tensor (potentially splitting it "
    "into two Functions: one doing the inplace that returns a single Tensor and a second one "
    "that does the other operations). You can ask on the forum https://discuss.pytorch.org/ "
    "if you need help to do this change.")
ONCE_DIFFERENTIABLE = ("trying to differentiate twice a function that was marked with "
                       "@once_differentiable")


class FunctionCtx:
    """What `forward`/`setup_context` may record on `ctx`. Matches `torch.autograd.function.FunctionCtx`."""

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for backward; read them back with `ctx.saved_tensors`."""
        self.to_save = tensors

    def mark_dirty(self, *args: Tensor) -> None:
        """Declare inputs modified in place by forward (they must be returned)."""
        self.dirty_tensors = args

    def mark_non_differentiable(self, *args: Tensor) -> None:
        """Declare outputs that never require grad (their gradient is zeros in backward)."""
        self.non_differentiable = args

    def set_materialize_grads(self, value: bool) -> None:
        """Whether backward sees zeros (True, the default) or None for missing gradients."""
        self.materialize_grads = value


class BackwardCFunction(Node, FunctionCtx):
    """The node (and ctx) of one `Function.apply`. Subclassed once per Function class."""

    _forward_cls: type

    # torch prints these with Python's default repr (module-qualified class name).
    __repr__ = object.__repr__

    # ------------------------------------------------------------------ ctx, read side
    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        if self._freed:
            raise RuntimeError(_errors.BACKWARD_TWICE)
        return tuple(None if s is None else s.unpack(self) for s in self._saved)

    # ------------------------------------------------------------------ Node
    def apply(self, grads: list, create_graph: bool) -> list:
        # torch's BackwardCFunction.apply + PyNode::apply.
        cls = self._forward_cls
        backward_fn, vjp_fn = cls.backward, cls.vjp
        if backward_fn is not Function.backward and vjp_fn is not Function.vjp:
            raise RuntimeError(BACKWARD_AND_VJP)
        user_fn = vjp_fn if vjp_fn is not Function.vjp else backward_fn
        if self.materialize_grads:
            # A missing gradient becomes zeros, except for non-tensor outputs (None).
            grads = [g if g is not None or meta is None
                     else Tensor._make(jnp.zeros(meta[0], meta[1].np))
                     for g, meta in zip(grads, self._metadata)]
        result = user_fn(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n_inputs = len(self._is_tensor_input)
        # Extra trailing Nones are allowed (and dropped).
        if len(result) > n_inputs and all(g is None for g in result[n_inputs:]):
            result = result[:n_inputs]
        if len(result) != n_inputs:
            raise RuntimeError(WRONG_GRAD_COUNT.format(name=self.name(), expected=n_inputs,
                                                       got=len(result)))
        out = []
        for i, (g, is_tensor) in enumerate(zip(result, self._is_tensor_input)):
            if not is_tensor:
                if g is not None:
                    raise RuntimeError(GRAD_FOR_NON_TENSOR.format(name=self.name(),
                                                                  position=i + 1))
                continue
            if g is not None and not isinstance(g, Tensor):
                raise RuntimeError(GRAD_NOT_TENSOR.format(type_name=type(g).__name__))
            out.append(g)
        return out

    def release_variables(self) -> None:
        # torch's PyNode::release_variables: saved_tensors raises afterwards even if empty.
        for s in self._saved:
            if s is not None:
                s.release()
        self._saved = ()
        self._freed = True


class FunctionMeta(type):
    """Gives each Function class its node class `<Name>Backward` (torch's FunctionMeta)."""

    def __init__(cls, name: str, bases: tuple, attrs: dict) -> None:
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,),
                                 {"_forward_cls": cls, "__module__": __name__})
        super().__init__(name, bases, attrs)


class Function(FunctionCtx, metaclass=FunctionMeta):
    """Base class for custom differentiable operations. Matches `torch.autograd.Function`.

    Write a static `forward(ctx, *args)` (or `forward(*args)` plus
    `setup_context(ctx, inputs, output)`) and a static `backward(ctx, *grad_outputs)` that
    returns one gradient (or None) per forward argument; call it with `MyFn.apply(...)`.

    >>> import tapegrad as tg
    >>> class Square(tg.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * grad
    >>> x = tg.tensor([1., 3.], requires_grad=True)
    >>> y = Square.apply(x)
    >>> y
    tensor([1., 9.], grad_fn=<SquareBackward>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([2., 6.])
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(LEGACY_CALL)

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(NO_FORWARD)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> Any:
        raise NotImplementedError(NO_SETUP_CONTEXT)

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError(NO_BACKWARD)

    # torch: vjp and backward are aliases; a subclass overrides one of them.
    vjp = backward

    @staticmethod
    def jvp(ctx: Any, *grad_inputs: Any) -> Any:
        raise NotImplementedError(NO_JVP)

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        setup = cls.setup_context is not Function.setup_context
        if setup or kwargs:
            # torch binds keyword arguments to forward's parameters (with defaults only in
            # the setup_context style), so they count as inputs too.
            signature = inspect.signature(cls.forward)
            bound = signature.bind(*args, **kwargs) if setup else \
                signature.bind(None, *args, **kwargs)
            if setup:
                bound.apply_defaults()
            args = tuple(bound.args) if setup else tuple(bound.args[1:])
            kwargs = dict(bound.kwargs)
        return _apply(cls, args, kwargs, setup)


def _apply(cls: type, args: tuple, kwargs: dict, setup: bool, jax_ad: bool = True) -> Any:
    """torch's THPFunction_apply: make the ctx node, run forward without grad, wrap outputs.

    Under a JAX transform (an input holds a tracer, grad mode on) the outputs' arrays are
    also given JAX's derivative of the user's backward (`_jax_custom_vjp`)."""
    ctx = cls._backward_cls.__new__(cls._backward_cls)
    Node.__init__(ctx, (), ())
    ctx.to_save = None
    ctx.dirty_tensors = None
    ctx.non_differentiable = None
    ctx.materialize_grads = True
    ctx._saved = ()
    ctx._freed = False
    ctx._is_tensor_input = tuple(isinstance(a, Tensor) for a in args)
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
    executable = grad_mode.is_grad_enabled() and any(ctx.needs_input_grad)
    if executable:
        ctx.next_functions = tuple(gradient_edge(a) for a in args if isinstance(a, Tensor))
    with grad_mode.no_grad():
        if setup:
            output = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, output)
        else:
            output = cls.forward(ctx, *args, **kwargs)
    to_save = _tensors_to_save(ctx) if executable else ()
    output = _wrap_outputs(ctx, args, output, executable)
    if executable:
        # After wrapping, so that a saved output is known as one (see NOTE [Saved tensors]).
        ctx._saved = tuple(None if t is None else SavedTensor(t, is_output=t._grad_fn is ctx)
                           for t in to_save)
    ctx.to_save = None
    ctx.non_differentiable = None
    if jax_ad and grad_mode.is_grad_enabled() and any(
            isinstance(a, Tensor) and isinstance(a._storage.array, jax.core.Tracer)
            for a in args):
        _jax_custom_vjp(cls, args, kwargs, setup, output)
    return output


# NOTE [Custom Functions under JAX transforms]
# When jax.grad/vjp/jacrev (or jit, vmap) trace a Function.apply, JAX would differentiate the
# forward's own ops, not the user's backward. So the outputs' arrays are replaced by those of
# a `jax.custom_vjp` over the tensor inputs' arrays: its primal reruns the forward (no_grad),
# its backward reruns the forward with the floating inputs requiring grad and takes
# `autograd.grad` of the outputs through this Function's node (create_graph, so JAX can
# differentiate the backward again unless it is `once_differentiable`). The forward runs
# twice (three times with a backward) under a transform; outputs that alias an input
# (returned inputs, mark_dirty) keep the tape's arrays.
def _jax_custom_vjp(cls: type, args: tuple, kwargs: dict, setup: bool, output: Any) -> None:
    if any(level.forward for level in LOWERING.levels):
        # tg.func's jacfwd/hessian through jax.jacfwd: JAX has no forward mode for a
        # custom_vjp; the tape's (double-vjp JVPs) gives the values (NOTE [Lowered tg.func
        # levels]).
        raise LoweringAborted
    outs = output if isinstance(output, tuple) else (output,)
    inputs = [a for a in args if isinstance(a, Tensor)]
    storages = {id(a._storage) for a in inputs}
    out_pos = [i for i, o in enumerate(outs) if isinstance(o, Tensor)
               and (o.dtype.is_floating_point or o.dtype.is_complex)
               and type(o._storage) is Storage and id(o._storage) not in storages]
    if not out_pos:
        return
    in_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    diff = [a.dtype.is_floating_point or a.dtype.is_complex for a in inputs]

    def rerun(arrays: tuple, requires_grad: bool) -> tuple:
        new = list(args)
        for i, a, d in zip(in_pos, arrays, diff):
            t = Tensor._make(a)
            t._requires_grad = requires_grad and d
            new[i] = t
        result = _apply(cls, tuple(new), kwargs, setup, jax_ad=False)
        result = result if isinstance(result, tuple) else (result,)
        return tuple(new[i] for i in in_pos), tuple(result[i] for i in out_pos)

    def primal(*arrays: Any) -> tuple:
        with grad_mode.no_grad():
            return tuple(o._storage.array for o in rerun(arrays, False)[1])

    def fwd(*arrays: Any) -> tuple:
        # `fn` again, not `primal`: an outer transform (reverse-over-reverse) then also meets
        # the custom rule instead of the forward's own ops.
        return fn(*arrays), arrays

    def bwd(arrays: tuple, cotangents: tuple) -> tuple:
        with grad_mode.enable_grad():
            ins, res = rerun(arrays, True)
            pairs = [(o, c) for o, c in zip(res, cotangents) if o._grad_fn is not None]
            wrt = [t for t, d in zip(ins, diff) if d]
            grads = _autograd_grad([o for o, _ in pairs], wrt,
                                   grad_outputs=[Tensor._make(c) for _, c in pairs],
                                   allow_unused=True, create_graph=True) if pairs and wrt \
                else [None] * len(wrt)
        it = iter(grads)
        result = []
        for a, d in zip(arrays, diff):
            if not d:
                result.append(np.zeros(a.shape, jax.dtypes.float0))
                continue
            g = next(it)
            result.append(jnp.zeros_like(a) if g is None else g._storage.array.astype(a.dtype))
        return tuple(result)

    fn = jax.custom_vjp(primal)
    fn.defvjp(fwd, bwd)
    for i, a in zip(out_pos, fn(*(t._storage.array for t in inputs))):
        outs[i]._storage.array = a


def _tensors_to_save(ctx: BackwardCFunction) -> tuple:
    saved = ctx.to_save or ()
    for i, t in enumerate(saved):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(SAVE_NOT_TENSOR.format(index=i, type_name=type(t).__name__))
    return saved


def _tensor_ids(ctx: BackwardCFunction, attr: str, method: str) -> set[int]:
    ids = set()
    for t in getattr(ctx, attr) or ():
        if not isinstance(t, Tensor):
            raise RuntimeError(MARK_NOT_TENSOR[method])  # noqa: TRY004 - torch's class
        ids.add(id(t))
    return ids


def _wrap_outputs(ctx: BackwardCFunction, args: tuple, output: Any, executable: bool) -> Any:
    """torch's _wrap_outputs: give differentiable outputs `ctx` as grad_fn, alias returned
    inputs, rebase inputs marked dirty, leave non-tensor outputs alone."""
    is_tuple = isinstance(output, tuple)
    raw = output if is_tuple else (output,)
    non_differentiable = _tensor_ids(ctx, "non_differentiable", "mark_non_differentiable")
    dirty = _tensor_ids(ctx, "dirty_tensors", "mark_dirty")
    dirty_tensors = ctx.dirty_tensors or ()
    ctx.dirty_tensors = None
    inputs = {id(a) for a in args if isinstance(a, Tensor)}
    if executable:
        ctx._metadata = tuple((tuple(o.shape), o.dtype) if isinstance(o, Tensor) else None
                              for o in raw)
    n_tensors = sum(isinstance(o, Tensor) for o in raw)
    n_diff = sum(1 for o in raw if isinstance(o, Tensor) and executable
                 and id(o) not in non_differentiable
                 and (o.dtype.is_floating_point or o.dtype.is_complex))
    wrapped = []
    modified = set()
    rebased = set()
    for i, o in enumerate(raw):
        if not isinstance(o, Tensor):
            wrapped.append(o)
            continue
        is_input = id(o) in inputs
        is_modified = id(o) in dirty
        if is_modified:
            modified.add(id(o))
        differentiable = (executable and id(o) not in non_differentiable
                          and (o.dtype.is_floating_point or o.dtype.is_complex))
        try:
            wrapped.append(_set_history(ctx, o, i, is_input, is_modified, differentiable,
                                        n_tensors, n_diff))
            if is_modified and differentiable:
                rebased.add(id(o))
        except RuntimeError:
            # torch's _mark_dirty bumped every dirty tensor before these checks ran.
            for t in dirty_tensors:
                if id(t) not in rebased:
                    t._vc.version += 1
            raise
    # torch bumps the version of every dirty tensor; a rebased one got it from its write.
    for t in dirty_tensors:
        if id(t) not in rebased:
            t._vc.version += 1
            rebased.add(id(t))
    if dirty - modified:
        raise RuntimeError(DIRTY_NOT_RETURNED)
    return tuple(wrapped) if is_tuple else wrapped[0]


def _set_history(ctx: BackwardCFunction, var: Tensor, output_nr: int, is_input: bool,
                 is_modified: bool, differentiable: bool, n_tensors: int,
                 n_diff: int) -> Tensor:
    if not differentiable:
        if not var._requires_grad:
            return _alias(var) if is_input and not is_modified else var
        if is_input:
            return var.detach()  # a detached alias, not a change to the input's flag
        var._grad_fn = None
        var._output_nr = 0
        var._requires_grad = False
        return var
    if is_modified:
        if var._grad_fn is None and var._requires_grad:
            raise RuntimeError(DIRTY_LEAF)
        check_inplace(var)  # torch's view checks (multi-output, no_grad view, view of a leaf)
        if var._base is not None and n_tensors > 1:
            raise RuntimeError(DIRTY_VIEW_MULTI_OUTPUT)
        var._grad = None
        # In-place on an input: rebase its history onto this node exactly as a built-in
        # in-place op does (a view's base gets CopySlices). The write is the version bump
        # torch makes for mark_dirty.
        return finish_inplace(var, Tensor._make(var._storage.array, ctx, output_nr))
    if is_input:
        var = _alias(var)
    var._grad_fn = ctx
    var._output_nr = output_nr
    var._requires_grad = True
    if var._base is not None:
        # torch's CreationMeta::IN_CUSTOM_FUNCTION (MULTI_OUTPUT_NODE if the Function has
        # several differentiable outputs): in-place on this view is forbidden.
        mark_custom_function_view(var, output_nr, type(ctx)._forward_cls.__name__,
                                  n_diff > 1)
    return var


def _alias(var: Tensor) -> Tensor:
    """torch's `view_as(self)` of a returned input: shares storage, version and ._base."""
    alias = Tensor._make(None, None, 0, var._vc, var._storage)
    alias._base = var if var._base is None else var._base
    alias._view_strided = var._view_strided
    return alias


# ---------------------------------------------------------------------- once_differentiable
class Error(Node):
    """A node whose backward raises: what torch's DelayedError records."""

    __slots__ = ("_message",)

    def name(self) -> str:
        return "torch::autograd::Error"

    def apply(self, grads: list, create_graph: bool) -> list:
        raise RuntimeError(self._message)


def _delayed_error(message: str, tensors: list) -> tuple:
    """torch's DelayedError: outputs alias the inputs, with an `Error` node as grad_fn."""
    present = [t for t in tensors if t is not None]
    node = Error(tuple(gradient_edge(t) for t in present),
                 tuple((tuple(t.shape), t.dtype) for t in present))
    node._message = message
    outs = []
    nr = 0
    for t in tensors:
        if t is None:
            outs.append(None)
            continue
        outs.append(Tensor._make(None, node, nr, t._vc, t._storage))
        nr += 1
    return tuple(outs)


def once_differentiable(fn: Callable) -> Callable:
    """Run a backward without recording; differentiating its result again raises.

    Matches `torch.autograd.function.once_differentiable`.
    """

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            outputs = fn(ctx, *args)
        if not grad_mode.is_grad_enabled():
            return outputs
        # If any incoming gradient requires grad, the result "requires grad" too, through a
        # node that raises when reached (torch fakes requires_grad on detached outputs).
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            return outputs
        if not isinstance(outputs, tuple):
            outputs = (outputs,)
        fakes = []
        for v in outputs:
            if v is not None:
                v = v.detach()
                v.requires_grad = True
            fakes.append(v)
        return _delayed_error(ONCE_DIFFERENTIABLE, fakes)

    return wrapper


from ._nested_io import NestedIOFunction  # noqa: E402, F401 - uses Function
