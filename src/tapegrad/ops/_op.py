"""`Op`: the one declaration of an operator, in the spirit of torch's derivatives.yaml.

An entry names the op, its torch node class, its forward (a JAX function on arrays), its
tensor inputs, one derivative formula per differentiable input, and (when it is a public
torch name) its surface: see NOTE [Public surface] in `_registry.py`. Formulas are functions
written in tapegrad ops whose *parameter names are the contract*:

    grad                 the incoming gradient (a Tensor)
    self, other, ...     a saved input (version-checked at backward)
    result               the saved output
    <input>_sym_sizes    the input's shape only (nothing saved, no version check)
    <input>_dtype        the input's dtype
    dim, keepdim, ...    a non-tensor argument of the op

From that the entry derives everything else: which values the node saves (only those named by
a formula of an input that needs grad, as torch's codegen does), the node class (`MulBackward0`,
with `_saved_*` attributes), the cached `jax.jit` of the forward. Running it is
`_dispatch.py`'s job (forward, recording); the fused, jitted backward used when no graph of the
backward is wanted lives beside the engine (`autograd/_fusion.py`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from .._compilation_cache import jit as _cc_jit
from .. import _dtype, _numerics
from .._dtype import dtype as DType
from .._graph import Node, SavedTensor
from . import _dispatch
from ._dispatch import SavedScalar
from ._registry import Public, register

__all__ = ["Op", "OpNode"]

SPECIAL_PARAMS = ("grad", "grads", "grad_input_mask")


class OpNode(Node):
    """Base of generated node classes: runs the op's formulas on the saved values."""

    __slots__ = ("_saved", "_args")
    _op: Op

    def __getattr__(self, name: str) -> Any:
        # torch exposes saved values as `_saved_<name>` (None when not saved this time).
        if name.startswith("_saved_"):
            key = name[len("_saved_"):]
            op = type(self)._op
            if key not in op.saveable:
                raise AttributeError(name)
            value = self._saved.get(key)
            if isinstance(value, SavedTensor):
                return value.unpack(self)
            if isinstance(value, SavedScalar):
                return value.as_tensor(self)
            return value
        raise AttributeError(name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | {f"_saved_{k}" for k in self._saved})

    def release_variables(self) -> None:
        for value in self._saved.values():
            if isinstance(value, (SavedTensor, SavedScalar)):
                value.release()

    def apply(self, grads: list, create_graph: bool) -> list:
        """The formulas as tapegrad ops, recorded when grad mode is on (create_graph). The
        engine runs a node without create_graph through its fused kernel instead."""
        op = type(self)._op
        if all(g is None for g in grads):
            return [None] * len(self.next_functions)
        needs = tuple(fn is not None for fn, _ in self.next_functions)
        env: dict[str, Any] = {"grad": grads[0], "grads": grads}
        for k, v in self._saved.items():
            if isinstance(v, (SavedTensor, SavedScalar)):
                v = v.unpack(self)
            elif isinstance(v, list) and v and isinstance(v[0], SavedTensor):
                v = [x.unpack(self) for x in v]
            env[k] = v
        # (torch's backward writes some fresh gradients in place, so their `_version` is 1 or
        # 2; the fused kernel reports that, see `grad_version`. Under create_graph the formula
        # result may already be saved by the nodes it recorded, so it is left at 0.)
        return op.run_formulas(env, needs, len(self.next_functions))


class Op:
    """One operator declaration. See the module docstring for the formula vocabulary.

    Args:
        name: the ATen name (`"mul"`); the public name too when the op is public.
        node: torch's node class name for this op (`"MulBackward0"`).
        forward: a JAX function of the input arrays and the static arguments.
        inputs: tensor input names in torch's schema order; `"*tensors"` is a list input.
        derivatives: input name -> formula. Inputs absent here are not differentiable. A
            tuple of names -> one formula returning their gradients together, told which
            are needed by `grad_input_mask` (derivatives.yaml's `self, other:` entries).
        static: names of non-tensor arguments (passed to `forward` as static jit arguments).
        dtype_rule: "promote" (torch result_type, inputs cast to it), "float" (promote, then
            integers to the default float), "keep" (no casting), or a function of the input
            dtypes returning the compute dtype.
        out_dtype: a function of the compute dtype giving the output dtype (comparisons: bool).
        scalars: input names that may be Python numbers (wrapped as torch wraps them).
        view: for view ops, a function of (static arguments, base) telling whether torch's
            result would be non-contiguous (strided). Views remember their base (`._base`).
        grad_version: how many in-place writes torch's backward kernel makes into the fresh
            gradient it returns (zeros + scatter_/index_put_/masked_fill_), seen in
            `.grad._version`.
        check: a function of the op's arguments raising torch's error for bad ones (dtypes,
            shapes); the public functions call it before the kernel.
        precision: "matmul" or "conv" for ops whose kernel multiplies matrices or convolves:
            it then runs at the precision torch's settings choose (NOTE [Kernel precision]).
        public, function, method, inplace, aliases, dunders, inplace_dunders, functional,
        dims, doc: the public surface (NOTE [Public surface]); any of them makes the op
            public under `name`.
    """

    def __init__(self, name: str, node: str | None, forward: Callable, *,
                 inputs: Sequence[str] = ("self",), derivatives: dict[str, Callable] | None = None,
                 static: Sequence[str] = (), defaults: dict[str, Any] | None = None,
                 dtype_rule: str | Callable = "promote",
                 out_dtype: Callable[[DType], DType] | None = None,
                 scalars: Sequence[str] = (), outputs: Sequence[str] | str = ("result",),
                 promote: Sequence[str] | None = None,
                 view: Callable[[dict, Any], bool] | None = None,
                 overlapping: Callable[[dict, Any], bool] | None = None,
                 grad_version: int | dict[str, int] = 0, doc: str | None = None,
                 check: Callable[..., None] | None = None, traced: Sequence[str] = (),
                 chunked: bool = False, precision: str | None = None, public: bool = False,
                 **surface: Any) -> None:
        self.name = name
        self.node_name = node
        self.forward = forward
        self.inputs = tuple(inputs)
        self.variadic = len(self.inputs) == 1 and self.inputs[0].startswith("*")
        self.input_names = tuple(n.lstrip("*") for n in self.inputs)
        # A tuple key is derivatives.yaml's `self, other: f(grad, ..., grad_input_mask)`: one
        # formula giving those inputs' gradients together (sharing what they both compute).
        self.derivatives = {}
        self.joint: dict[str, tuple[tuple[str, ...], int]] = {}
        for key, formula in (derivatives or {}).items():
            for i, n in enumerate(key if isinstance(key, tuple) else (key,)):
                self.derivatives[n] = formula
                if isinstance(key, tuple):
                    self.joint[n] = (key, i)
        self.static = tuple(static)
        # Statics the kernels take as traced scalars, not compile-time constants: one
        # compilation serves every value (select's index: 10k indices, one kernel).
        self.traced = tuple(traced)
        # A list op whose result on many tensors is the concatenation of its results on
        # chunks of them along `dim` (cat, stack): run chunked (ops/_dispatch.py).
        self.chunked = chunked
        self._static_kernel = tuple(s for s in self.static if s not in self.traced)
        self.defaults = dict(defaults or {})
        self.dtype_rule = dtype_rule
        self.out_dtype = out_dtype
        self.scalars = frozenset(scalars)
        # ("result",) for one output; several names for a tuple; "*" for a list of outputs.
        self.outputs = outputs if outputs == "*" else tuple(outputs)
        self.multi = self.outputs == "*" or len(self.outputs) > 1
        # Inputs that take part in type promotion and are cast to the compute dtype (masks,
        # conditions and indices do not).
        names = self.input_names if promote is None else tuple(promote)
        self._promote_idx = None if promote is None else tuple(
            i for i, n in enumerate(self.input_names) if n in names)
        self.view = view
        # A view whose elements alias each other (an expand that broadcasts): torch refuses
        # in-place writes into it.
        self.overlapping = overlapping
        self.grad_version = grad_version
        # Raises torch's error for bad arguments; the public functions call it first.
        self.check = check
        self.doc = doc
        self.formula_params: dict[str, tuple[str, ...]] = {}
        self._validate()
        # torch's node has one edge per differentiable input (masks, indices, conditions and
        # Scalar arguments get none); a wrapped Python number in a Tensor slot gets (None, 0).
        self.diff_idx = tuple(i for i, n in enumerate(self.input_names) if n in self.derivatives)
        self.diff_all = self.diff_idx == tuple(range(len(self.input_names)))
        self.saveable = frozenset(
            p for params in self.formula_params.values() for p in params
            if p not in SPECIAL_PARAMS)
        self.precision = precision
        self.jit = _jit_kernel(self._make_kernel(), ("_cd",) + self._static_kernel, precision)
        if precision is not None:
            _PRECISION_OPS.append(self)
        self.cd_cache: dict = {}
        # One output, no dtype fix-up, not a view: dispatch's short path.
        self.simple = not self.multi and self.out_dtype is None and self.view is None
        self.save_plans: dict = {}
        self.node_cls = None
        if node is not None:
            self.node_cls = type(node, (OpNode,), {"__slots__": (), "_op": self,
                                                   "__module__": "tapegrad.autograd"})
        self.__doc__ = doc or f"Matches `torch.{name}`."
        if public or surface:
            register(Public(name, self, doc=self.__doc__, module=_caller_module(), **surface))

    def __repr__(self) -> str:
        return f"Op({self.name!r}, node={self.node_name!r})"

    # Running the op: forward dispatch and recording (ops/_dispatch.py).
    __call__ = _dispatch.call
    apply = _dispatch.apply

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        # As torch's load_derivatives.check_grad_usage: a malformed entry fails at import.
        known = set(SPECIAL_PARAMS) | set(self.input_names) | set(self.static)
        known |= {"result"} if self.outputs == "*" else set(self.outputs)
        known |= {f"{n}_sym_sizes" for n in self.input_names}
        known |= {f"{n}_dtype" for n in self.input_names}
        for inp, formula in self.derivatives.items():
            if inp not in self.input_names:
                raise TypeError(f"{self.name}: formula for unknown input {inp!r}")
            params = tuple(inspect.signature(formula).parameters)
            unknown = [p for p in params if p not in known]
            if unknown:
                raise TypeError(f"{self.name}: formula for {inp!r} uses unknown names {unknown}")
            self.formula_params[inp] = params
        if self.derivatives and self.node_name is None:
            raise TypeError(f"{self.name}: a differentiable op needs a node name")
        # Tensor inputs go to the forward by position (jnp functions name theirs `x`);
        # static arguments by keyword, so those names must match.
        fwd_params = list(inspect.signature(self.forward).parameters)
        missing = [s for s in self.static if s not in fwd_params]
        n_pos = 1 if self.variadic else len(self.input_names)
        if missing or len(fwd_params) < n_pos + len(self.static):
            raise TypeError(f"{self.name}: forward takes {fwd_params}, expected tensor inputs "
                            f"{list(self.input_names)} then {list(self.static)}")

    # ------------------------------------------------------------------ forward kernel
    def _make_kernel(self):
        # A closure, not a method: a static argument may be called `self` (pow.Scalar).
        op = self
        n_traced = len(self.traced)

        def kernel(*arrays, _cd, **static):
            if op.precision is not None:
                with jax.default_matmul_precision(static.pop("_prec")):
                    return body(arrays, _cd, static)
            return body(arrays, _cd, static)

        def body(arrays, _cd, static):
            if n_traced:
                static.update(zip(op.traced, arrays[-n_traced:]))
                arrays = arrays[:-n_traced]
            if _cd is not None:
                idx = op._promote_idx
                arrays = tuple(_cast(a, _cd) if idx is None or i in idx else a
                               for i, a in enumerate(arrays))
            if op.variadic:
                return op.forward(list(arrays), **static)
            return op.forward(*arrays, **static)

        return kernel

    def kernel_call(self, arrays: Sequence[Any], cd: Any, static: dict) -> Any:
        """Run the cached jitted forward (traced statics passed as arrays, see `traced`)."""
        if not self.traced:
            return self.jit(*arrays, _cd=cd, **static)
        return self.jit(*arrays, *[static[n] for n in self.traced], _cd=cd,
                        **{k: v for k, v in static.items() if k not in self.traced})

    def compute_dtype(self, values: Sequence[Any]) -> DType | None:
        """The dtype the forward computes in (None: inputs as they are)."""
        rule = self.dtype_rule
        if rule == "keep":
            return None
        if self._promote_idx is not None:
            values = [values[i] for i in self._promote_idx]
        dt = _dtype.result_type(*values)
        if rule == "float":
            if not (dt.is_floating_point or dt.is_complex):
                dt = _dtype.get_default_dtype()
        elif callable(rule):
            dt = rule(dt)
        return dt

    # ------------------------------------------------------------------ saving
    def save_plan(self, needs: tuple) -> tuple[str, ...]:
        """The values this op saves when `needs` says which inputs need grad (torch saves
        only what a needed formula mentions)."""
        if self.variadic:
            needed = self.input_names if any(needs) else ()
        else:
            needed = [self.input_names[i] for i, need in zip(self.diff_idx, needs) if need]
        plan: list[str] = []
        for inp in needed:
            for p in self.formula_params.get(inp, ()):
                if p not in plan and p not in SPECIAL_PARAMS:
                    plan.append(p)
        # torch's generated node saves (and its apply unpacks, checking versions in that
        # order) the inputs sorted by name, then the outputs sorted by name: with `self` and
        # `other` both modified, the error names `other`.
        outputs = ("result",) if self.outputs == "*" else self.outputs
        return (tuple(sorted(p for p in plan if p not in outputs))
                + tuple(sorted(p for p in plan if p in outputs)))

    # ------------------------------------------------------------------ backward formulas
    def run_formulas(self, env: dict, needs: tuple, n_out: int) -> list:
        """The needed input gradients from the formulas, given the names they read."""
        if self.variadic:
            formula = self.derivatives.get(self.input_names[0])
            if formula is None or not any(needs):
                return [None] * n_out
            out = formula(**{p: env[p] for p in self.formula_params[self.input_names[0]]})
            return [g if need else None for g, need in zip(out, needs)]
        # torch's generated backward computes input gradients last input first (`other`
        # before `self`), which orders the nodes a create_graph backward records.
        result: list = [None] * len(needs)
        joint: dict = {}
        for k in range(len(needs) - 1, -1, -1):
            if not needs[k]:
                continue
            name = self.input_names[self.diff_idx[k]]
            if name in self.joint:
                names, i = self.joint[name]
                if names not in joint:
                    needed = {self.input_names[self.diff_idx[j]] for j, need in
                              enumerate(needs) if need}
                    env["grad_input_mask"] = tuple(n in needed for n in names)
                    joint[names] = self.derivatives[name](
                        **{p: env[p] for p in self.formula_params[name]})
                result[k] = joint[names][i]
                continue
            result[k] = self.derivatives[name](**{p: env[p] for p in self.formula_params[name]})
        return result

    def grad_version_of(self, edge: int, target: tuple, static: dict | None = None) -> int:
        """`grad_version` for the gradient of edge `edge`, whose input has metadata `target`
        ((shape, dtype)); an entry may be a function of the shape, and of the input's `dtype`
        and the op's static arguments when it names them after the shape."""
        if isinstance(self.grad_version, int):
            return self.grad_version
        if self.variadic:
            return 0
        version = self.grad_version.get(self.input_names[self.diff_idx[edge]], 0)
        if not callable(version):
            return version
        names = tuple(inspect.signature(version).parameters)[1:]
        env = dict(static or {}, dtype=target[1])
        return version(target[0], **{n: env[n] for n in names})


_ATTR = {"matmul": "matmul_precision", "conv": "conv_precision"}
# Ops whose kernel takes the precision (rebound by `_rebind_precision`).
_PRECISION_OPS: list[Op] = []


def _cast(a: Any, dtype: Any) -> Any:
    """An input cast to the compute dtype. A bool cast to a number goes through an
    optimization barrier: XLA rewrites `convert(bool) * x` as `select(bool, x, 0)`, which
    gives 0 where torch computes `0 * nan = nan` (`bool_tensor * nan`)."""
    out = jnp.asarray(a, dtype=dtype)
    if getattr(a, "dtype", None) == jnp.bool_ and out.dtype != jnp.bool_:
        out = jax.lax.optimization_barrier(out)
    return out


def _jit_kernel(kernel: Callable, statics: tuple, precision: str | None) -> Callable:
    """`jax.jit(kernel)`; for a matmul or conv op, bound to the precision in force as one more
    static argument (NOTE [Kernel precision]): a `functools.partial`, rebound when a setting
    changes, so a call costs no Python frame of its own."""
    if precision is None:
        return _cc_jit(kernel, static_argnames=statics)
    inner = _cc_jit(kernel, static_argnames=statics + ("_prec",))
    return functools.partial(inner, _prec=getattr(_numerics, _ATTR[precision]))


def _rebind_precision() -> None:
    # Called by _numerics after a precision setting changed.
    for op in _PRECISION_OPS:
        op.jit = functools.partial(op.jit.func, _prec=getattr(_numerics, _ATTR[op.precision]))


_numerics.LISTENERS.append(_rebind_precision)


def _caller_module() -> str:
    # The module declaring an Op (two frames up: Op.__init__'s caller), for messages.
    frame = inspect.currentframe()
    try:
        return frame.f_back.f_back.f_globals.get("__name__", "") if frame else ""
    finally:
        del frame
