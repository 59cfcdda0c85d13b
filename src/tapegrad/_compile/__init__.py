"""`tg.compile(fn)`: a PyTorch-style function run as one `jax.jit` program, side effects included.

    step = tg.compile(step)          # zero_grad, forward, loss, backward, optimizer step
    loss = step(x, y)                # one XLA program; params/.grad/optimizer state updated
    fast = tg.compile(model)         # a compiled forward: outputs carry one fused grad_fn
    fast(x).sum().backward()         # ... so eager backward gives the eager gradients

NOTE [How tg.compile works]
Every tapegrad op is a jitted JAX function and a Tensor may hold a tracer, so tapegrad code
(backward included) already runs inside `jax.jit`. What `jax.jit` cannot see are the Python
side effects: in-place writes swap the array inside a tensor's storage box, `.grad` is set or
cleared, version counters move, the random generator's key advances. `compile` makes those
explicit:

1. *Discover the state* (`_Walk`) on every call: everything the function can reach through its
   arguments, its closure cells, the globals its code names (recursively through the user
   functions it references), the bound `self` of a method, `Module`s (and the globals their
   `forward` names), optimizers, dicts/lists/tuples and plain user objects' `__dict__`, plus
   the default random generator. Every tapegrad Tensor found (deduplicated by identity, with
   storage boxes and version counters deduplicated separately, since views and `detach()`
   share them) and every raw `jax.Array` in a mutable container is *state*. The walk also
   builds the cache key: the layout of all of that, every Python scalar in it (learning
   rates, `training` flags, ...), and each tensor's shape, dtype, `requires_grad`, leaf-ness
   and whether it has a `.grad`, and the grad mode.
2. *Trace once per key* (`_Program`): a pure function of the state arrays installs tracers in
   the storage boxes (and container slots), runs `fn` with the real objects, reads back what
   changed - new storage arrays, `.grad` (None -> tensor, tensor -> None, in-place), version
   deltas, `requires_grad`, random keys, the returned values - and then *restores every
   object* to its pre-trace state (so no tracer ever escapes into user objects). The changes
   become the program's outputs plus a replay plan.
3. *Replay* on every call: gather the state arrays, call the compiled program, write the
   concrete outputs back into the same storage boxes, set `.grad`, bump versions by the
   traced deltas, rebuild the returned values.

The full walk costs tens of microseconds for a small model, as much as the program itself, so
a call first tries a cheap *guard* (`_Guard`) built from the previous call's walk: identity
checks of every container's keys and values, every stable tensor's storage box, version
counter, flags and hooks, done as C-level list comparisons; batch arguments and `.grad`
tensors may be new objects each call (they must look fresh: no grad, no view, no hooks). Shapes
and dtypes are not re-checked there: the jitted program checks them itself, and a mismatch
(JAX wanting to retrace) sends the call to the full walk (`_Retrace`). A tensor passed as an
argument that is a view (a batch sliced from a dataset) is an input by its own value, not by
its root's, so slicing new batches does not recompile; writes to it go through to its base.

Python-level state changes the replay plan cannot express (a new entry in a dict or list, a new
attribute, a changed Python int/float such as a step counter kept as an int, history rebased
onto an external tensor) make the call run eagerly instead - the equivalent of a torch.compile
graph break - and compilation is tried again on the next call. This is exactly what happens on
an optimizer's first step, which creates its state (momentum buffers, ...): step 1 runs eagerly,
step 2 compiles, every later step replays. Python scalars are baked into the program and
guarded by the key, except an optimizer param group's float `lr` and positive `momentum`,
`weight_decay` and `betas[0]`, which are program inputs (NOTE [Traced hyperparameters] in `_walk.py`: a
scheduler must not recompile). A function
that mutates Python scalars on every call (an int counter) therefore never compiles: after
`_MAX_FALLBACKS` consecutive eager fallbacks `compile` warns and stays eager. Keep such
counters in tensors, as torch's Adam keeps `state['step']`.

Recompilation happens whenever the key changes (a shape, dtype, `requires_grad` flag, a
parameter replaced by one of another shape, a Python hyperparameter, grad mode) and is logged
at INFO level on the `tapegrad.compile` logger with the first difference. After
`CACHE_SIZE_LIMIT` (8, torch's `cache_size_limit`) programs a function warns once, naming the
last change, and runs eagerly from then on.

*Outputs and autograd.* If the traced function left every external `.grad` and every tensor
requiring grad untouched and returns tensors that require grad (a forward), the call returns
them with one `CompiledFunctionBackward` node whose edges are the external tensors requiring
grad (parameters, inputs, non-leaf inputs' grad_fns). Its backward is a second jitted program
that re-runs the forward on tracers and calls `tg.autograd.grad` inside the trace, i.e. the
*tape's own* gradients (detach, no_grad, custom Functions, hook-free), not `jax.vjp` of the
forward (which would differentiate through `detach()`). The forward is recomputed in backward
(rematerialization); `create_graph=True` through a compiled forward is not supported. If the
function did change gradients or parameters (a training step), returned tensors that required
grad get a node whose graph is already freed, as eager's are after `backward()`.

*Concrete values.* Code that needs a tensor's value while tracing (`.item()`, `bool(t)`, a
Python `if` on a tensor, `.tolist()`, `.numpy()`, `float(t)`) raises `ConcreteValueError`
naming the user's line, with the way out.

Known limits: state reachable only through objects the walk does not enter (instances of
library classes, numpy arrays - baked in as constants -, module state of other libraries, the
globals of functions reached only through a library) is not tracked, and anything the function
writes there keeps a tracer; backward inside a compiled function does not flow into a graph
recorded outside it (that call runs eagerly); Python side effects that are not state (print,
logging, hooks on intermediate tensors) happen at trace time only; a function that raises
leaves no partial effects (eager would keep those made before the exception). Adam's and
Adagrad's step count, read on the host eagerly as torch does, stays a traced tensor here (NOTE
[Step counts under tg.compile] in `optim/optimizer.py`), so those steps compile once.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable
from typing import Any

import jax

from .. import _device, _x64
from ._errors import CONCRETE_ERRORS, ConcreteValueError, NeedsEager, Retrace, \
    concrete_value_error
from ._guard import _Guard
from ._program import CompiledFunctionBackward, _Program
from ._walk import OPAQUE, _Walk
from .._checks import user_stacklevel

__all__ = ["compile", "CompiledFunction", "ConcreteValueError", "CompiledFunctionBackward"]

logger = logging.getLogger("tapegrad.compile")

# Consecutive eager fallbacks (Python-level mutations) after which a function stays eager.
_MAX_FALLBACKS = 3
# Programs one compiled function may make before it runs eagerly (torch's cache_size_limit).
CACHE_SIZE_LIMIT = 8


class CompiledFunction:
    """`fn` compiled by `tg.compile`: calls behave as `fn`'s, run as one jitted program.

    Counters: `compiles` (programs made), `eager_calls` (calls that ran eagerly), `fast_calls`
    (calls that reused the previous call's program through the cheap guard, not a full walk).
    """

    def __init__(self, fn: Callable, disable: bool = False,
                 cache_size_limit: int | None = None) -> None:
        self._fn = fn
        self._disable = disable
        self._limit = CACHE_SIZE_LIMIT if cache_size_limit is None else cache_size_limit
        self._cache: dict[tuple, _Program] = {}
        self._last_key: tuple | None = None
        self._fallbacks = 0
        self._gave_up = False
        self._guard: _Guard | None = None
        self.compiles = 0
        self.eager_calls = 0
        self.fast_calls = 0
        self.__name__ = getattr(fn, "__name__", type(fn).__name__)
        self.__qualname__ = getattr(fn, "__qualname__", self.__name__)
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn

    def __repr__(self) -> str:
        return f"<tg.compile of {self._fn!r}>"

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        # `@tg.compile` on a method: bind `self` as the first argument (it is walked).
        if instance is None:
            return self
        return functools.partial(self, instance)

    @_x64.scoped
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._disable or self._gave_up:
            self.eager_calls += 1
            return self._fn(*args, **kwargs)
        guard = self._guard
        if guard is not None:
            try:
                walk = guard.prepare(args, kwargs)
                if walk is not None and not guard.verify():
                    walk = None
            except Exception:  # noqa: BLE001 - anything odd in the guard: take the full walk
                walk = None
            if walk is not None:
                arrays = walk.arrays()
                if _device.MULTI:  # one program, one device (NOTE [Devices])
                    arrays = _device.colocate(arrays)
                try:
                    outs = guard.program.jitted(arrays)
                except Retrace:
                    pass
                else:
                    self.fast_calls += 1
                    return guard.program.replay(walk, arrays, outs)
        return self._call_slow(args, kwargs)

    def _call_slow(self, args: tuple, kwargs: dict) -> Any:
        walk = _Walk.of_call(self._fn, args, kwargs)
        key = tuple(walk.key)
        program = self._cache.get(key)
        if program is None:
            reason = _describe_change(self._last_key, key)
            if self.compiles >= self._limit:
                # torch's cache_size_limit: stop compiling, say which guard keeps changing.
                self._gave_up = True
                warnings.warn(
                    f"tg.compile: {self.__name__} hit the recompile limit ({self._limit} "
                    f"programs); it now runs eagerly. Last reason: {reason}. Keep that value "
                    "fixed between calls (or pass cache_size_limit= to tg.compile).",
                    UserWarning, stacklevel=user_stacklevel())
                return self._run_eagerly(walk)
            logger.info("tg.compile: compiling %s (%s)", self.__name__, reason)
            program = self._cache[key] = _Program(self._fn, self.__name__)
            self.compiles += 1
        self._last_key = key
        if program.eager:
            return self._run_eagerly(walk)
        arrays = walk.arrays()
        try:
            outs = program.run(walk, arrays)
        except NeedsEager as e:
            program.eager = True
            self.compiles -= 1
            self._fallbacks += 1
            self._guard = None
            logger.debug("tg.compile: %s runs eagerly for this input: %s", self.__name__, e)
            if self._fallbacks >= _MAX_FALLBACKS:
                self._gave_up = True
                warnings.warn(
                    f"tg.compile: {self.__name__} changed Python-level state (last: {e}) on "
                    f"{_MAX_FALLBACKS} consecutive compilations; it now runs eagerly. Keep "
                    "mutable counters in tensors (as torch's Adam keeps state['step']).",
                    UserWarning, stacklevel=user_stacklevel())
            return self._run_eagerly(walk)
        except CONCRETE_ERRORS as e:
            del self._cache[key]
            self.compiles -= 1
            err = concrete_value_error(e, self.__name__)
            err.jax_error = e  # JAX's own report (with the jaxpr), for debugging
            raise err from None
        self._fallbacks = 0
        guard = _Guard(walk, program)
        self._guard = guard if guard.ok else None
        return program.replay(walk, arrays, outs)

    def _run_eagerly(self, walk: _Walk) -> Any:
        self.eager_calls += 1
        args, kwargs = jax.tree_util.tree_unflatten(walk.treedef, walk.leaves)
        return self._fn(*args, **kwargs)


def _describe_change(old: tuple | None, new: tuple) -> str:
    if old is None:
        return "first call"
    for a, b in zip(old, new):
        if a != b:
            if _is_tensor_token(a) and _is_tensor_token(b) and a[1] == b[1]:
                return (f"changed: tensor #{a[1]} shape {tuple(a[3])} dtype {a[4]} -> "
                        f"shape {tuple(b[3])} dtype {b[4]}")
            return f"changed: {_token(a)} -> {_token(b)}"
    return f"state layout changed ({len(old)} -> {len(new)} items)"


def _is_tensor_token(tok: Any) -> bool:
    return isinstance(tok, tuple) and len(tok) == 5 and tok[0] == "T"


def _token(tok: Any) -> str:
    if _is_tensor_token(tok):
        return f"tensor #{tok[1]} shape {tuple(tok[3])} dtype {tok[4]}"
    if isinstance(tok, tuple) and tok and tok[0] == "mode":
        return f"grad mode {'on' if tok[1] else 'off'}"
    return repr(tok)


def compile(model: Callable | None = None, *, fullgraph: bool = False,  # noqa: A001
            dynamic: bool | None = None, backend: Any = None, mode: str | None = None,
            options: dict | None = None, name: str | None = None, disable: bool = False,
            recompile_limit: int | None = None, isolate_recompiles: bool = False,
            shapes_spec: Any = None, cache_size_limit: int | None = None) -> Any:
    """Run `model` as one `jax.jit` program with eager side effects. Matches `torch.compile`'s
    use.

    torch's keywords are accepted: `recompile_limit` is the per-function recompile limit
    (also `cache_size_limit`); `fullgraph`, `dynamic`, `backend`, `mode`, `options`, `name`,
    `isolate_recompiles` and `shapes_spec` choose among torch's compilers and change nothing
    here (the whole step is always one XLA program, specialized per shape).

    `fn` may be a function (a training step reaching models and optimizers by argument or
    closure), a method, or a `Module` (a compiled forward whose outputs carry one fused
    grad_fn). Usable as `@tg.compile` or `@tg.compile()`. See NOTE [How tg.compile works].

    >>> import tapegrad as tg
    >>> w = tg.tensor([1., 2.], requires_grad=True)
    >>> @tg.compile
    ... def step(x):
    ...     loss = (w * x).sum()
    ...     loss.backward()
    ...     with tg.no_grad():
    ...         w.sub_(0.1 * w.grad)
    ...     w.grad = None
    ...     return loss.detach()
    >>> step(tg.tensor([1., 1.]))
    tensor(3.)
    >>> w
    tensor([0.9000, 1.9000], requires_grad=True)
    """
    limit = recompile_limit if recompile_limit is not None else cache_size_limit
    if model is None:
        return functools.partial(compile, disable=disable, cache_size_limit=limit)
    return CompiledFunction(model, disable=disable, cache_size_limit=limit)


# tg.compile's own objects are opaque to the walk: a compiled function reachable from the
# state it updates (`self.step = tg.compile(self._step)`) must not key on its own caches.
OPAQUE.extend([CompiledFunction, _Program, _Guard])
