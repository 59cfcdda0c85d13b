"""`tg.func`: torch.func's function transforms (grad, vjp, jvp, jacrev, jacfwd, hessian, vmap,
functional_call) for tapegrad functions.

NOTE [tg.func: tape, not JAX AD]
SPEC §6 asks for these "lowered to the JAX transforms". Plain `jax.grad` of a tapegrad
function differentiates the arrays, so it would see through `detach()` and `no_grad()`, which
torch.func respects (a detached value is a constant). The derivative transforms therefore have
two paths. Where JAX's AD can give torch.func's answer (torch's cut points are made JAX cut
points, NOTE [Untracked writes under JAX transforms]) `grad`, `jacrev`, `jacfwd`, `hessian`
and `jvp` run through `jax.grad`/`jax.jacrev`/`jax.jacfwd`/`jax.jvp`: one trace instead of one
backward pass per Jacobian row (NOTE [tg.func lowered to JAX's transforms] in `_func_jax.py`,
which also says when they cannot). Otherwise they run on the tape: each call makes fresh
differentiable inputs, runs the function and asks `tg.autograd.grad` for the result, with
`create_graph=True` exactly when an enclosing level may differentiate again (an input already
requires grad), so transforms nest (`grad(grad(f))`) and compose with `.backward()` as
torch.func's do. Everything runs on JAX arrays, so it still works inside
`jax.jit`/`tg.compile`. `vmap` is lowered to `jax.vmap`: the batched function runs once on
batch tracers (tapegrad ops accept tracers), and as a `tg.autograd.jax_function` its result
stays differentiable for the tape. On the tape `jacfwd` gives the same values as `jacrev`
through double-vjp JVPs.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Mapping
from typing import Any

import jax

from ._compilation_cache import jit as _cc_jit
from . import _func_jax, _x64
from . import random as _random
from .autograd import grad as _autograd_grad
from .autograd.grad_mode import enable_grad, is_grad_enabled, set_grad_enabled
from .ops import stack
from .ops.from_jax import jax_function
from .ops.rearrange import rearrange
from .nn.modules.batchnorm import _BatchNorm
from .tensor import Tensor, from_jax, is_pytree_leaf, zeros_like

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call", "linearize", "stack_module_state", "functionalize",
           "replace_all_batch_norm_modules_", "debug_unwrap", "rearrange"]


# ------------------------------------------------------------------------------- helpers
def _is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def _as_tuple(argnums: int | tuple[int, ...]) -> tuple[int, ...]:
    return argnums if isinstance(argnums, tuple) else (argnums,)


def _enter(x: Tensor) -> Tensor:
    """A differentiable stand-in for input `x` at a new level: a view that keeps `x`'s graph
    when `x` requires grad (an outer level may differentiate through it), else a fresh leaf."""
    if x.requires_grad:
        return x.view(tuple(x.shape))
    return x.detach().requires_grad_(x.dtype.is_floating_point or x.dtype.is_complex)


def _outer(xs: tuple[Tensor, ...]) -> bool:
    """Whether an enclosing level (or the user) may differentiate the results again."""
    return is_grad_enabled() and any(x.requires_grad for x in xs)


def _grads(outputs: tuple, inputs: tuple, grad_outputs: tuple | None, create: bool,
           retain: bool = True) -> tuple:
    """d outputs / d inputs, zeros where an input is unused (torch.func materializes them)."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs or (None,) * len(outputs))
             if o.requires_grad]
    if not pairs:
        return tuple(zeros_like(x) for x in inputs)
    got = _autograd_grad([o for o, _ in pairs], list(inputs),
                         grad_outputs=None if grad_outputs is None else [g for _, g in pairs],
                         retain_graph=retain or create, create_graph=create,
                         allow_unused=True, materialize_grads=True)
    return tuple(got if create else (_plain(g) for g in got))


def _plain(t: Tensor) -> Tensor:
    """A result leaving a transform: no graph, and its own version counter at 0 (torch.func's
    results are new tensors, not the engine's gradient buffers)."""
    return from_jax(t.jax())


def _detached(tree: Any) -> Any:
    """`tree` with its tensors `_plain` (results and aux outputs leave a transform without a
    graph)."""
    leaves, treedef = jax.tree_util.tree_flatten(tree, is_leaf=is_pytree_leaf)
    return jax.tree_util.tree_unflatten(
        treedef, [_plain(x) if isinstance(x, Tensor) else x for x in leaves])


# ------------------------------------------------------------------------------- grad
def grad_and_value(func: Callable, argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable:
    """`func`'s gradient with respect to the `argnums` inputs, and its value. Matches
    `torch.func.grad_and_value`."""

    @_x64.scoped
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums = _as_tuple(argnums)
        # Each differentiated argument may be a pytree of tensors (a dict of parameters).
        trees = [jax.tree_util.tree_flatten(args[i], is_leaf=is_pytree_leaf) for i in nums]
        create = _outer(tuple(t for leaves, _ in trees for t in leaves))
        lowered = _grad_by_jax(func, args, kwargs, nums, trees, has_aux, create)
        if lowered is not None:
            gs, value, aux = lowered
            g = gs if isinstance(argnums, tuple) else gs[0]
            return (g, (value, aux)) if has_aux else (g, value)
        with enable_grad():
            args = list(args)
            inputs = []
            for i, (leaves, treedef) in zip(nums, trees):
                entered = [_enter(t) for t in leaves]
                inputs += entered
                args[i] = jax.tree_util.tree_unflatten(treedef, entered)
            out, aux = _checked_scalar(func(*args, **kwargs), has_aux)
            flat = iter(_grads((out,), tuple(inputs), None, create))
            gs = tuple(jax.tree_util.tree_unflatten(treedef, [next(flat) for _ in leaves])
                       for leaves, treedef in trees)
        g = gs if isinstance(argnums, tuple) else gs[0]
        value = out if create else _plain(out)
        return (g, (value, aux if create else _detached(aux))) if has_aux else (g, value)

    return wrapper


def _checked_scalar(out: Any, has_aux: bool) -> tuple[Any, Any]:
    """(output, aux) of grad's function, with torch.func's errors."""
    aux = None
    if has_aux:
        if not (isinstance(out, tuple) and len(out) == 2):
            raise RuntimeError("grad_and_value(f)(*args): output of function f should "
                               "be a tuple: (output, aux) if has_aux is True")
        out, aux = out
    if not isinstance(out, Tensor):
        raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a "
                           f"Tensor, got {type(out)}")
    if out.dim() != 0:
        raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a "
                           f"scalar Tensor, got tensor with {out.dim()} dims. Maybe "
                           "you wanted to use the vjp or jacrev APIs instead?")
    return out, aux


def _grad_by_jax(func: Callable, args: tuple, kwargs: dict, nums: tuple, trees: list,
                 has_aux: bool, create: bool) -> tuple | None:
    """grad_and_value by `jax.grad` (NOTE [tg.func lowered to JAX's transforms]):
    (gradients per argument, value, aux), or None to use the tape."""
    xs = tuple(t for leaves, _ in trees for t in leaves)
    if not _func_jax.lowerable(func, xs, create):
        return None
    side: dict[str, Any] = {}

    def call(*ins: Tensor) -> Any:
        full, k = list(args), 0
        for i, (leaves, treedef) in zip(nums, trees):
            full[i] = jax.tree_util.tree_unflatten(treedef, list(ins[k:k + len(leaves)]))
            k += len(leaves)
        return func(*full, **kwargs)

    def body(result: Any) -> tuple:
        out, aux = _checked_scalar(result, has_aux)
        aux_arrays, side["aux"] = _func_jax.split_aux(aux)
        return _func_jax.floating(out).jax(), (out.jax(), aux_arrays)

    n = len(xs)
    got = _func_jax.run(func, call, xs, body,
                        lambda pure: jax.grad(pure, tuple(range(n)), has_aux=True),
                        ("grad", n))
    if got is None:
        return None
    grads, (value, aux_arrays) = got
    flat = iter(from_jax(g) for g in grads)
    gs = tuple(jax.tree_util.tree_unflatten(treedef, [next(flat) for _ in leaves])
               for leaves, treedef in trees)
    return gs, from_jax(value), side["aux"](aux_arrays)


def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """The gradient of scalar-valued `func` with respect to the `argnums` inputs. Matches
    `torch.func.grad` (detach and no_grad inside `func` are respected; nests)."""
    gv = grad_and_value(func, argnums, has_aux)

    @_x64.scoped
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


# ------------------------------------------------------------------------------- vjp / jvp
def _run(func: Callable, primals: tuple, has_aux: bool) -> tuple:
    """Run `func` on a new level's stand-ins for `primals` (grad mode on):
    (inputs, output, aux, outputs as a tuple, whether the output is one tensor)."""
    inputs = tuple(_enter(p) for p in primals)
    out = func(*inputs)
    aux = None
    if has_aux:
        out, aux = out
    single = isinstance(out, Tensor)
    return inputs, out, aux, ((out,) if single else tuple(out)), single


@_x64.scoped
def vjp(func: Callable, *primals: Tensor, has_aux: bool = False) -> tuple:
    """`(func(*primals), vjp_fn)`; `vjp_fn(cotangents)` gives one gradient per primal.
    Matches `torch.func.vjp` (a tensor or tuple output)."""
    create = _outer(primals)
    with enable_grad():
        inputs, out, aux, outs, single = _run(func, primals, has_aux)

    @_x64.scoped

    def vjp_fn(cotangents: Any, retain_graph: bool = True, create_graph: bool | None = None):
        cts = (cotangents,) if single else tuple(cotangents)
        with enable_grad():
            return _grads(outs, inputs, cts, create or bool(create_graph)
                          or _outer(tuple(c for c in cts if isinstance(c, Tensor))),
                          retain=retain_graph)

    shown = out if create else _detached(out)
    return (shown, vjp_fn, aux if create else _detached(aux)) if has_aux else (shown, vjp_fn)


def _jvp_by_jax(func: Callable, primals: tuple, tangents: tuple, has_aux: bool,
                create: bool) -> tuple | None:
    """jvp by `jax.jvp` (NOTE [tg.func lowered to JAX's transforms]), or None."""
    for p, t in zip(primals, tangents):
        if not (isinstance(p, Tensor) and isinstance(t, Tensor) and t.dtype == p.dtype
                and tuple(t.shape) == tuple(p.shape)):
            return None  # the tape gives torch's answer or error
    if not _func_jax.lowerable(func, primals, create):
        return None
    side: dict[str, Any] = {}

    def body(result: Any) -> tuple:
        out, aux = result if has_aux else (result, None)
        side["single"], side["type"] = isinstance(out, Tensor), type(out)
        outs = (out,) if side["single"] else tuple(out)
        aux_arrays, side["aux"] = _func_jax.split_aux(aux)
        return tuple(_func_jax.floating(o).jax() for o in outs), aux_arrays

    n = len(primals)
    got = _func_jax.run(func, func, primals, body,
                        lambda pure: lambda *a: jax.jvp(pure, a[:n], a[n:], has_aux=True),
                        ("jvp", n), forward=True, extra=tuple(t.jax() for t in tangents))
    if got is None:
        return None
    values, jts, aux_arrays = got
    values, jts = [from_jax(v) for v in values], [from_jax(j) for j in jts]
    pack = (lambda xs: xs[0]) if side["single"] else side["type"]
    result = (pack(values), pack(jts))
    return result + (side["aux"](aux_arrays),) if has_aux else result


@_x64.scoped
def jvp(func: Callable, primals: tuple, tangents: tuple, *, has_aux: bool = False) -> tuple:
    """`(func(*primals), J @ tangents)`. Matches `torch.func.jvp` (computed by two vjps)."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it "
                           "should be valid to call f(*primals).")
    if not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected tangents to be a tuple. E.g. "
                           "it should be valid to call f(*primals).")
    if len(primals) != len(tangents):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have "
                           f"the same length but got len(primals)={len(primals)} and "
                           f"len(tangents)={len(tangents)}")
    create = _outer(primals + tangents)
    lowered = _jvp_by_jax(func, primals, tangents, has_aux, create)
    if lowered is not None:
        return lowered
    with enable_grad():
        inputs, out, aux, outs, single = _run(func, primals, has_aux)
        # J t = d/du <J^T u, t>: u is a dummy cotangent the first vjp is linear in.
        us = tuple(zeros_like(o).requires_grad_() for o in outs)
        vs = _grads(outs, inputs, us, create=True)
        pairs = [(v, t) for v, t in zip(vs, tangents) if v.requires_grad]
        if pairs:
            jt = _autograd_grad([v for v, _ in pairs], list(us),
                                grad_outputs=[t for _, t in pairs], retain_graph=True,
                                create_graph=create, allow_unused=True, materialize_grads=True)
        else:
            jt = tuple(zeros_like(o) for o in outs)
    jt = tuple(jt if create else (_plain(j) for j in jt))
    shown = out if create else _detached(out)
    result = (shown, jt[0] if single else type(out)(jt))
    return result + (aux if create else _detached(aux),) if has_aux else result


# ------------------------------------------------------------------------------- jacobians
def _jacobian(func: Callable, argnums: int | tuple[int, ...], has_aux: bool,
              forward: bool) -> Callable:
    """jacrev/jacfwd: J[i][j] of shape output_i.shape + input_j.shape, for a tensor or a tuple
    of tensors out (torch.func nests outputs outside inputs)."""
    @_x64.scoped
    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        nums = _as_tuple(argnums)
        # Pytree arguments (a dict of parameters, ...): differentiate their tensor leaves and
        # give each argument's Jacobian blocks back in its structure, as torch.func.
        structure = []
        flat: list = []
        for i in nums:
            leaves, tree = jax.tree_util.tree_flatten(args[i], is_leaf=is_pytree_leaf)
            structure.append((tree, len(leaves), isinstance(args[i], Tensor)))
            flat.extend(leaves)
        xs = tuple(flat)

        def rebuild(diff):
            full, k = list(args), 0
            for i, (tree, n, _) in zip(nums, structure):
                full[i] = jax.tree_util.tree_unflatten(tree, list(diff[k:k + n]))
                k += n
            return full

        def regroup(block):
            out, k = [], 0
            for tree, n, is_tensor in structure:
                part = block[k:k + n]
                out.append(part[0] if is_tensor else jax.tree_util.tree_unflatten(tree, part))
                k += n
            return out

        def f(*diff):
            return func(*rebuild(diff))

        aux = None
        lowered = _jacobian_by_jax(func, f, xs, has_aux, forward)
        if lowered is not None:
            blocks, aux, single = lowered
            blocks = [regroup(b) for b in blocks]
            per_out = [tuple(b) if isinstance(argnums, tuple) else b[0] for b in blocks]
            jac = per_out[0] if single else tuple(per_out)
            return (jac, aux) if has_aux else jac
        if forward:
            out = f(*xs)
            if has_aux:
                out, aux = out
            outs = (out,) if isinstance(out, Tensor) else tuple(out)

            def g(*diff):
                r = f(*diff)
                return r[0] if has_aux else r

            # Columns J[:, k] by jvps along the basis vectors of each input in turn.
            cols: list[list[list]] = [[[] for _ in xs] for _ in outs]
            for j, x in enumerate(xs):
                for k in range(x.numel()):
                    basis = zeros_like(x).reshape(-1)
                    basis[k] = 1.0
                    ts = tuple(basis.reshape(x.shape) if m == j else zeros_like(xx)
                               for m, xx in enumerate(xs))
                    tangent = jvp(g, xs, ts)[1]
                    for i, t in enumerate((tangent,) if isinstance(out, Tensor) else tangent):
                        cols[i][j].append(t)
            blocks = [[stack(cols[i][j], dim=-1).reshape(tuple(o.shape) + tuple(x.shape))
                       for j, x in enumerate(xs)] for i, o in enumerate(outs)]
        else:
            res = vjp(f, *xs, has_aux=has_aux)
            out, fn = res[0], res[1]
            aux = res[2] if has_aux else None
            outs = (out,) if isinstance(out, Tensor) else tuple(out)
            blocks = []
            for i, o in enumerate(outs):
                # Rows J[k, :] by vjps along the basis vectors of output i (zeros elsewhere).
                rows = []
                for k in range(o.numel()):
                    basis = zeros_like(o).reshape(-1)
                    basis[k] = 1.0
                    cts = tuple(basis.reshape(o.shape) if m == i else zeros_like(oo)
                                for m, oo in enumerate(outs))
                    rows.append(fn(cts[0] if isinstance(out, Tensor) else cts))
                blocks.append([stack([r[j] for r in rows]).reshape(tuple(o.shape)
                                                                  + tuple(x.shape))
                               for j, x in enumerate(xs)])
        blocks = [regroup(b) for b in blocks]
        per_out = [tuple(b) if isinstance(argnums, tuple) else b[0] for b in blocks]
        jac = per_out[0] if isinstance(out, Tensor) else tuple(per_out)
        return (jac, aux) if has_aux else jac

    return wrapper


def _jacobian_by_jax(func: Callable, f: Callable, xs: tuple, has_aux: bool,
                     forward: bool) -> tuple | None:
    """jacrev/jacfwd by `jax.jacrev`/`jax.jacfwd` (NOTE [tg.func lowered to JAX's
    transforms]): (blocks[output][input], aux, whether the output is one tensor), or None."""
    if not _func_jax.lowerable(func, xs, _outer(xs)):
        return None
    side: dict[str, Any] = {}

    def body(result: Any) -> tuple:
        out, aux = result if has_aux else (result, None)
        side["single"] = isinstance(out, Tensor)
        outs = (out,) if side["single"] else tuple(out)
        aux_arrays, side["aux"] = _func_jax.split_aux(aux)
        return tuple(_func_jax.floating(o).jax() for o in outs), aux_arrays

    n = len(xs)
    got = _func_jax.run(func, f, xs, body,
                        (lambda pure: jax.jacfwd(pure, tuple(range(n)), has_aux=True))
                        if forward else (lambda pure: _func_jax.jacrev(pure, n)),
                        ("jacfwd" if forward else "jacrev", n), forward=forward)
    if got is None:
        return None
    blocks, aux_arrays = got
    return ([[from_jax(b) for b in row] for row in blocks], side["aux"](aux_arrays),
            side["single"])


def jacrev(func: Callable, argnums: int | tuple[int, ...] = 0, *,
           has_aux: bool = False, chunk_size: int | None = None,
           _preallocate_and_copy: bool = False) -> Callable:
    """The Jacobian of `func` (output shape + input shape), row by row by vjps. Matches
    `torch.func.jacrev` (a tensor or a tuple of tensors out; `chunk_size` is checked as torch
    and does not change the result: rows are computed one by one)."""
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    return _jacobian(func, argnums, has_aux, forward=False)


def jacfwd(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:
    """The Jacobian of `func`, column by column by jvps. Matches `torch.func.jacfwd`'s values
    (see NOTE [tg.func: tape, not JAX AD])."""
    _check_randomness_arg(randomness)
    return _jacobian(func, argnums, has_aux, forward=True)


def hessian(func: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """`jacfwd(jacrev(func))`, as `torch.func.hessian`."""
    return jacfwd(jacrev(func, argnums), argnums)


# ------------------------------------------------------------------------------- vmap
def _check_randomness_arg(randomness: str) -> None:
    if randomness not in ["error", "different", "same"]:
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")


def vmap(func: Callable, in_dims: int | None | tuple = 0, out_dims: int | tuple = 0,
         randomness: str = "error", *, chunk_size: int | None = None) -> Callable:
    """`func` mapped over a batch dimension by `jax.vmap` (see the NOTE): tensor arguments and
    results, `in_dims`/`out_dims` as in `torch.func.vmap`; differentiable for the tape.
    `randomness` and `chunk_size` are checked as torch; the whole batch is mapped at once."""
    _check_randomness_arg(randomness)
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @_x64.scoped
    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        # Pytrees in and out, as torch.func: tensors are the leaves; `in_dims` is a prefix of
        # the arguments' structure (an int or None covers a whole argument).
        if isinstance(in_dims, tuple):
            if len(in_dims) != len(args):
                raise ValueError(
                    f"vmap({_fn_name(func)}, in_dims={in_dims}, ...)(<inputs>): in_dims is not "
                    f"compatible with the structure of `inputs`. in_dims has structure "
                    f"{jax.tree_util.tree_structure(in_dims)} but inputs has structure "
                    f"{jax.tree_util.tree_structure(args, is_leaf=is_pytree_leaf)}.")
            dims_per_arg = in_dims
        else:
            dims_per_arg = (in_dims,) * len(args)
        leaves, treedef = jax.tree_util.tree_flatten(args, is_leaf=is_pytree_leaf)
        leaf_dims = [d for a, d in zip(args, dims_per_arg) for d in _broadcast_dims(d, a)]
        tensor_pos = [i for i, a in enumerate(leaves) if isinstance(a, Tensor)
                      and leaf_dims[i] is not None]
        if not tensor_pos:
            raise ValueError(
                f"vmap({_fn_name(func)}, in_dims={in_dims}, ...)(<inputs>): at least one input "
                "must be a Tensor mapped over a dimension (in_dims not None)")
        out_info: dict[str, Any] = {}
        mode = is_grad_enabled()

        def pure(*arrays):
            full = list(leaves)
            key = None
            if randomness == "different":
                *arrays, key = arrays
            for i, a in zip(tensor_pos, arrays):
                full[i] = from_jax(a)
            # The grad mode of the call, also when the engine runs this again for jax.vjp (in
            # no_grad): ops under no_grad are cut for JAX's AD (NOTE [Untracked writes under
            # JAX transforms] in _storage.py).
            _random.VMAP_RANDOMNESS.append([randomness, key])  # NOTE [Randomness under vmap]
            try:
                with set_grad_enabled(mode):
                    out = func(*jax.tree_util.tree_unflatten(treedef, full))
            finally:
                _random.VMAP_RANDOMNESS.pop()
            out_leaves, out_tree = jax.tree_util.tree_flatten(out, is_leaf=is_pytree_leaf)
            out_info["tree"] = out_tree
            return tuple(o.jax() for o in out_leaves)

        axes = tuple(leaf_dims[i] for i in tensor_pos)
        extra: tuple = ()
        if randomness == "different":
            # One key per example (NOTE [Randomness under vmap]), a constant of the mapped
            # function, so the engine's re-run for jax.vjp draws the same values.
            first = leaves[tensor_pos[0]]
            size = first.shape[axes[0] % first.ndim]
            extra = (_per_example_keys(_random.default_generator._next(), size),)
            axes = (*axes, 0)
        if isinstance(out_dims, int):
            out_axes: Any = out_dims
        else:
            # Per-leaf output dims need the output's structure: trace once abstractly.
            jax.eval_shape(pure, *(leaves[i].jax() for i in tensor_pos), *extra)
            sample = jax.tree_util.tree_unflatten(out_info["tree"],
                                                  [0] * out_info["tree"].num_leaves)
            out_axes = tuple(_broadcast_dims(out_dims, sample, leaf=lambda x: x == 0))
        vmapped = jax.vmap(pure, in_axes=axes, out_axes=out_axes)

        def mapped(*arrays):
            return vmapped(*arrays, *extra)
        tensors = [leaves[i] for i in tensor_pos]
        if is_grad_enabled() and any(t.requires_grad for t in tensors):
            # Differentiable: the mapped function as one op whose backward is its jax.vjp.
            outs = jax_function(mapped, name="Vmap")(*tensors)
            outs = tuple(outs) if isinstance(outs, (tuple, list)) else (outs,)
        else:
            outs = tuple(from_jax(a) for a in mapped(*(t.jax() for t in tensors)))
        return jax.tree_util.tree_unflatten(out_info["tree"], list(outs))

    return wrapper


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def _fn_name(func: Any) -> str:
    return getattr(func, "__name__", repr(func))


def _broadcast_dims(dims: Any, tree: Any,
                    leaf: Callable[[Any], bool] = is_pytree_leaf) -> list:
    """One dim per leaf of `tree`, from `dims`, an int/None or a prefix of `tree`'s structure
    (torch.func's in_dims/out_dims)."""
    n = len(jax.tree_util.tree_leaves(tree, is_leaf=leaf))
    if dims is None or isinstance(dims, int):
        return [dims] * n
    if isinstance(dims, dict):
        if not isinstance(tree, dict) or set(dims) != set(tree):
            raise ValueError("vmap: in_dims is not compatible with the structure of `inputs`")
        return [d for k in sorted(tree) for d in _broadcast_dims(dims[k], tree[k], leaf)]
    if isinstance(dims, (tuple, list)):
        if not isinstance(tree, (tuple, list)) or len(dims) != len(tree):
            raise ValueError("vmap: in_dims is not compatible with the structure of `inputs`")
        return [d for sub_d, sub in zip(dims, tree) for d in _broadcast_dims(sub_d, sub, leaf)]
    raise ValueError(f"vmap: in_dims must be an int, None or a pytree of them (got {dims!r})")


# ------------------------------------------------------------------------------- modules
_ABSENT = object()


def _tie(module: Any, merged: dict[str, Tensor]) -> dict[str, Tensor]:
    """torch's tie_weights: a value given for one name of a tensor registered under several
    names (tied weights) replaces it under all of them; different values for one tied group
    are an error."""
    groups: dict[int, list[str]] = {}
    named = itertools.chain(module.named_parameters(remove_duplicate=False),
                            module.named_buffers(remove_duplicate=False))
    for name, t in named:
        groups.setdefault(id(t), []).append(name)
    out = dict(merged)
    for names in groups.values():
        given = [n for n in names if n in merged]
        if not given or len(names) == 1:
            continue
        values = {id(merged[n]) for n in given}
        if len(values) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(given)}, "
                             "which are tied. Consider using tie_weights=False")
        for n in names:
            out[n] = merged[given[0]]
    return out


@_x64.scoped
def functional_call(module: Any, parameter_and_buffer_dicts: Mapping[str, Tensor] | tuple,
                    args: Any = None, kwargs: Mapping[str, Any] | None = None, *,
                    tie_weights: bool = True, strict: bool = False) -> Any:
    """Call `module` with the given tensors in place of its parameters and buffers (by dotted
    name), restoring them afterwards. Matches `torch.func.functional_call`."""
    dicts = parameter_and_buffer_dicts
    merged: dict[str, Tensor] = {}
    for d in (dicts if isinstance(dicts, tuple) else (dicts,)):
        for k, v in d.items():
            if k in merged:
                raise ValueError(f"{k} appeared in multiple dictionaries; behavior of "
                                 "functional call is ambiguous")
            merged[k] = v
    if strict:
        expected = {k for k, _ in module.named_parameters()} | {k for k, _ in
                                                                module.named_buffers()}
        missing, unexpected = sorted(expected - set(merged)), sorted(set(merged) - expected)
        if missing or unexpected:
            problems = ([f"Unexpected key(s): {', '.join(map(repr, unexpected))}."]
                        * bool(unexpected)
                        + [f"Missing key(s): {', '.join(map(repr, missing))}."] * bool(missing))
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t"
                               + "\n\t".join(problems))
    if tie_weights:
        merged = _tie(module, merged)
    saved = []
    try:
        for name, value in merged.items():
            owner = module
            *path, leaf = name.split(".")
            for p in path:
                owner = getattr(owner, p)
            if leaf in owner._parameters or leaf in owner._buffers:
                table = owner._parameters if leaf in owner._parameters else owner._buffers
                saved.append((table, leaf, table[leaf]))
                table[leaf] = value
            else:  # not a parameter or buffer (strict=False): a plain attribute meanwhile
                saved.append((owner.__dict__, leaf, owner.__dict__.get(leaf, _ABSENT)))
                owner.__dict__[leaf] = value
        args = args if isinstance(args, tuple) else (() if args is None else (args,))
        return module(*args, **(kwargs or {}))
    finally:
        for table, leaf, old in reversed(saved):
            if old is _ABSENT:
                del table[leaf]
            else:
                table[leaf] = old


@_x64.scoped
def linearize(func: Callable, *primals: Any) -> tuple[Any, Callable]:
    """`(func(*primals), jvp_fn)` where `jvp_fn(*tangents)` is the Jacobian-vector product at
    `primals`. Matches `torch.func.linearize` (each call of jvp_fn runs a jvp at primals)."""
    out = _detached(func(*primals))

    @_x64.scoped

    def jvp_fn(*tangents: Any) -> Any:
        for i, (p, t) in enumerate(zip(primals, tangents)):
            if isinstance(p, Tensor) and tuple(t.shape) != tuple(p.shape):
                raise RuntimeError(f"tangent:{i} with shape {t.shape} in flattened pytree "
                                   f"doesn't match the shape {p.shape} of the corresponding "
                                   "primal.")
        return jvp(func, tuple(primals), tuple(tangents))[1]

    return out, jvp_fn


def _stacked_leaf(tensors: tuple, name: str) -> Tensor:
    all_requires_grad = all(t.requires_grad for t in tensors)
    none_requires_grad = all(not t.requires_grad for t in tensors)
    if not all_requires_grad and not none_requires_grad:
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    result = stack(tensors)
    if all_requires_grad:
        result = result.detach().requires_grad_()
    return result


@_x64.scoped
def stack_module_state(models: Any) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """Stack the parameters and buffers of same-class models along a new first dimension
    (leaves that require grad when the models' do). Matches `torch.func.stack_module_state`."""
    models = list(models)
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same "
                           "training/eval mode.")
    if not all(type(m) is type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    all_params = [dict(m.named_parameters()) for m in models]
    params = {k: _stacked_leaf(tuple(p[k] for p in all_params), k) for k in all_params[0]}
    all_buffers = [dict(m.named_buffers()) for m in models]
    buffers = {k: _stacked_leaf(tuple(b[k] for b in all_buffers), k) for k in all_buffers[0]}
    return params, buffers


@_cc_jit
def _per_example_keys_of(key, dummy):
    return jax.random.key_data(jax.random.split(key, dummy.shape[0]))


def _per_example_keys(key: jax.Array, size: int) -> jax.Array:
    """`size` independent raw threefry keys split from the typed `key` (along axis 0)."""
    return _per_example_keys_of(key, jax.numpy.zeros((size,), jax.numpy.uint8))


# ------------------------------------------------------------------- the remaining names
_FUNCTIONALIZE_REMOVE = (
    "functionalize(f, remove='mutations'): received invalid argument for remove={remove}. "
    "Valid options are:\n     remove='mutations': all inplace and out= operators will be "
    "removed from the program, and replaced with their out-of-place equivalents.\n     "
    "remove='mutations_and_views': In addition to the above, all aliasing operators {{view}} "
    "will be replaced with their non-aliasing counterparts, {{view}}_copy.\n")


def functionalize(func: Callable, *, remove: str = "mutations") -> Callable:
    """Matches `torch.func.functionalize`: the same results and input mutations. tapegrad's
    arrays are immutable already (an in-place op swaps a new array in), so `func` itself is
    its functional form; outputs written in place inside it keep their `_version`."""
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(_FUNCTIONALIZE_REMOVE.format(remove=remove))

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapped


def replace_all_batch_norm_modules_(root: Any) -> Any:
    """Matches `torch.func.replace_all_batch_norm_modules_`: every batch norm in `root` stops
    tracking running statistics (so it can run under vmap); returns `root`."""
    for module in root.modules():
        if isinstance(module, _BatchNorm) and module.track_running_stats:
            module.running_mean = None
            module.running_var = None
            module.num_batches_tracked = None
            module.track_running_stats = False
    return root


def debug_unwrap(tensor: Tensor, *, recurse: bool = True) -> Tensor:
    """Matches `torch.func.debug_unwrap`: tapegrad's transforms do not wrap tensors, so the
    tensor itself."""
    return tensor
