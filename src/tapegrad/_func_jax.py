"""tg.func's derivative transforms run by JAX's own (`jax.grad`, `jax.vjp`, `jax.jacfwd`,
`jax.jvp`) when the tape is not needed.

NOTE [tg.func lowered to JAX's transforms]
On the tape (NOTE [tg.func: tape, not JAX AD] in func.py) a Jacobian is one backward pass
per output element and a nested transform one per element of every level: `jacrev(jacrev(f))`
of 16 inputs ran 272 backward passes (5 s; torch.func 2 ms, by vmap). JAX's transforms do the
same work on one trace (compiled once the structure repeats: NOTE [Hot tg.func programs]), and JAX's AD over tapegrad code already honours torch's cut
points (`detach()`, `no_grad()`, untracked writes, custom Functions' backward: NOTE
[Untracked writes under JAX transforms] in `_storage.py`). So a transform first traces the
user's function once with JAX tracers in fresh leaves requiring grad (torch.func's
`requires_grad` inside the transform) and lets JAX differentiate it. The tape is kept where
torch.func's answer needs it, and the level runs there instead (`LoweringAborted`, decided
while tracing):
- the result must be differentiable for the caller (an input requires grad at the outermost
  level): the tape builds torch's graph of the result;
- a tracer would reach state that outlives the trace (an in-place write into a captured
  tensor, a `.grad` filled by a `.backward()` inside), the function needs a value
  (`.item()`, `if t > 0`, boolean-mask indexing), or a check torch makes on values (an index
  computed from the input, a singular matrix) needs one: NOTE [Lowered tg.func levels];
- a custom Function under forward mode (JAX has none for a custom_vjp); complex or integer
  inputs or outputs (JAX's conventions differ from torch's there).
A tensor the function closes over is a constant of the transform, here as on the tape (README:
torch.func's result stays differentiable with respect to one that requires grad).
A function found to need the tape is remembered (by its code), so later calls go straight
there; the default generator is rewound, so a random draw in the abandoned trace is not
consumed twice. Nested transforms lower together: an inner transform inside a lowered level
is lowered too (its results are plain tensors holding the outer level's tracers), and an
inner level that must use the tape abandons the outermost one.
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from jax.extend.core import DropVar, Literal

from . import random as _random
from ._lru import LRU
from ._storage import LOWERING, LoweringAborted
from .autograd.grad_mode import enable_grad
from .tensor import Tensor, from_jax, is_pytree_leaf

# What makes JAX refuse a traced value where the tape has a concrete one (`.item()`, `bool(t)`,
# a boolean mask).
_NEEDS_VALUE = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError,
                jax.errors.TracerIntegerConversionError, jax.errors.TracerBoolConversionError,
                jax.errors.NonConcreteBooleanIndexError)

# Functions found to need the tape (keyed by code: NOTE [tg.func lowered to JAX's transforms]),
# the 256 most recent. Not an `_lru.LRU`: those hold compiled code and are cleared with it.
_ON_TAPE: OrderedDict = OrderedDict()
_ON_TAPE_SIZE = 256


def _remember_on_tape(key: Any) -> None:
    _ON_TAPE[key] = True
    _ON_TAPE.move_to_end(key)
    while len(_ON_TAPE) > _ON_TAPE_SIZE:
        _ON_TAPE.popitem(last=False)


class _Level:
    __slots__ = ("forward",)

    def __init__(self, forward: bool) -> None:
        self.forward = forward  # traced by jax.jacfwd: no custom Functions


def _key(func: Callable) -> Any:
    f = inspect.unwrap(func)
    return getattr(f, "__code__", None) or f


def lowerable(func: Callable, xs: tuple, outer: bool) -> bool:
    """Whether a transform of `func` at inputs `xs` may try JAX's transforms (`outer`: an
    enclosing tape level or the caller may differentiate the result)."""
    if outer and not LOWERING.levels:
        return False
    for x in xs:
        if not isinstance(x, Tensor) or not x.dtype.is_floating_point:
            return False
    return bool(xs) and _key(func) not in _ON_TAPE


def floating(t: Any) -> Tensor:
    """`t`, when a tensor JAX differentiates as torch does (real floating); else abandon."""
    if not isinstance(t, Tensor) or not t.dtype.is_floating_point:
        raise LoweringAborted
    return t


def run(func: Callable, call: Callable, xs: tuple, body: Callable, transform: Callable,
        kind: tuple, forward: bool = False, extra: tuple = ()) -> Any:
    """`transform(pure)(*arrays of xs, *extra)`, where `pure` runs `body(call(*stand-ins))`,
    `body` returning `(arrays to differentiate, aux arrays)`; None when the level must run on
    the tape (`func` is the user's function, remembered then). `kind` names the transform for
    the program cache (NOTE [Hot tg.func programs]): `transform` may depend on nothing else
    (per-call arrays go in `extra`)."""
    levels = LOWERING.levels
    nested = bool(levels)
    level = _Level(forward)
    key = _key(func)
    rng = _random.default_generator._key

    def pure(*arrays: Any) -> Any:
        ins = [from_jax(a, requires_grad=True) for a in arrays]
        with enable_grad():
            return body(call(*ins))

    levels.append(level)
    try:
        arrays = tuple(x.jax() for x in xs)
        closed, shapes = jax.make_jaxpr(pure, return_shape=True)(*arrays)
        program = _program(kind, closed, jax.tree_util.tree_structure(shapes), transform)
        return program(closed.consts, *arrays, *extra)
    except (LoweringAborted, *_NEEDS_VALUE):
        _remember_on_tape(key)
        if nested:
            raise LoweringAborted from None
        _random.default_generator._key = rng
        return None
    finally:
        levels.pop()


# NOTE [Hot tg.func programs]
# An outermost lowered transform traces the function to a jaxpr (`jax.make_jaxpr`, ~0.2 ms
# for a few ops) and differentiates the jaxpr. A jaxpr whose structure was seen before (the
# same equations, parameters, literals and avals; nested kernels' jaxprs by identity, held by
# the key so an id is never reused) is the same computation of its inputs and its constants
# (captured arrays, random draws); from its third sighting the transformed jaxpr runs as one
# jitted program, taking the constants as arguments. A jaxpr the key cannot compare exactly
# (a closure in a parameter, as custom Functions' and untracked writes' rules are) is not
# cached: that function stays eager, never wrong, only not faster (and no closure, which may
# hold tensors, is kept). Side effects and checks happen in the trace, every call, as before.
_PROGRAMS = LRU("tg.func programs", 256)
_HOT = 3  # sightings of a structure before it is compiled


def _program(kind: tuple, closed: Any, out_tree: Any, transform: Callable) -> Callable:
    jaxpr = closed.jaxpr

    def program(consts: list, *args: Any) -> Any:
        def f(*a: Any) -> Any:
            return jax.tree_util.tree_unflatten(out_tree,
                                                jax.core.eval_jaxpr(jaxpr, consts, *a))
        return transform(f)(*args)

    structure = _jaxpr_key(jaxpr)
    if structure is None:
        return program
    key = (kind, structure, out_tree)
    entry = _PROGRAMS.get(key)
    if entry is None:
        entry = _PROGRAMS[key] = [0, None]
    entry[0] += 1
    if entry[1] is None and entry[0] >= _HOT:
        entry[1] = jax.jit(program)
    return entry[1] or program


class _Unkeyable(Exception):
    pass


def _param_key(v: Any) -> Any:
    if isinstance(v, float):
        return (float, np.float64(v).tobytes())  # exact: -0.0 is not 0.0, NaNs compare
    if v is None or isinstance(v, (bool, int, str, np.dtype)):
        return (type(v), v)
    if isinstance(v, (tuple, list)):
        return (type(v), tuple(map(_param_key, v)))
    if isinstance(v, np.ndarray):
        return (np.ndarray, v.dtype, v.shape, v.tobytes())
    if callable(v) and not isinstance(v, jax.sharding.Mesh):
        # A rule's closure (custom_vjp/custom_jvp): fresh per call, and it may hold tensors,
        # which no cache may keep.
        raise _Unkeyable
    try:
        hash(v)
    except TypeError:
        raise _Unkeyable from None
    return v  # kept alive by the key: identity or value equality, as the object defines


def _jaxpr_key(jaxpr: Any) -> tuple | None:
    """The structure of `jaxpr` as a hashable key, or None (NOTE [Hot tg.func programs])."""
    names: dict = {}

    def define(v: Any) -> Any:
        if isinstance(v, DropVar):
            return "_"
        names[v] = len(names)
        return (names[v], v.aval)

    def use(v: Any) -> Any:
        if isinstance(v, Literal):
            val = np.asarray(v.val)
            return ("lit", val.dtype, val.shape, val.tobytes(), v.aval)
        return names[v]

    try:
        head = (tuple(map(define, jaxpr.constvars)), tuple(map(define, jaxpr.invars)))
        eqns = tuple((e.primitive, tuple((k, _param_key(p)) for k, p in sorted(e.params.items())),
                      tuple(map(use, e.invars)), tuple(map(define, e.outvars)))
                     for e in jaxpr.eqns)
        return head, eqns, tuple(map(use, jaxpr.outvars))
    except (_Unkeyable, KeyError):
        return None


def split_aux(aux: Any) -> tuple[tuple, Callable]:
    """The arrays of `aux`'s tensors (to leave the trace through JAX) and a function that
    rebuilds `aux` from them as plain tensors (torch.func returns aux outputs detached)."""
    leaves, treedef = jax.tree_util.tree_flatten(aux, is_leaf=is_pytree_leaf)
    pos = [i for i, x in enumerate(leaves) if isinstance(x, Tensor)]
    arrays = tuple(leaves[i].jax() for i in pos)

    def rebuild(out_arrays: tuple) -> Any:
        full = list(leaves)
        for i, a in zip(pos, out_arrays):
            full[i] = from_jax(a)
        return jax.tree_util.tree_unflatten(treedef, full)

    return arrays, rebuild


def jacrev(pure: Callable, n: int) -> Callable:
    """`jax.jacrev(pure, argnums=range(n), has_aux=True)` for `pure` returning (a tuple of
    arrays, aux): jac[i][j] of shape out_i.shape + in_j.shape. The vmapped pullback is
    wrapped in a plain function: JAX's eager vmap describes the function it maps by
    `str()`, which for its own pullback object prints every residual array (40% of a call)."""

    def jac(*arrays: Any) -> tuple:
        outs, pullback, aux = jax.vjp(pure, *arrays, has_aux=True)
        sizes = [o.size for o in outs]
        total = sum(sizes)
        basis, offset = [], 0
        for o, size in zip(outs, sizes):
            eye = jax.numpy.eye(total, dtype=o.dtype)[:, offset:offset + size]
            basis.append(eye.reshape((total,) + o.shape))
            offset += size
        rows = jax.vmap(lambda *ct: pullback(ct))(*basis)  # per input: (total, *in_shape)
        result, offset = [], 0
        for o, size in zip(outs, sizes):
            result.append(tuple(r[offset:offset + size].reshape(o.shape + a.shape)
                                for r, a in zip(rows, arrays)))
            offset += size
        return tuple(result), aux

    return jac
