"""`Op`: the one declaration of an operator, in the spirit of torch's derivatives.yaml.

An entry names the op, its torch node class, its forward (a JAX function on arrays), its
tensor inputs and one derivative formula per differentiable input. Formulas are functions
written in tapegrad ops whose *parameter names are the contract*:

    grad                 the incoming gradient (a Tensor)
    self, other, ...     a saved input (version-checked at backward)
    result               the saved output
    <input>_sym_sizes    the input's shape only (nothing saved, no version check)
    <input>_dtype        the input's dtype
    dim, keepdim, ...    a non-tensor argument of the op

From that the entry derives everything else: which values the node saves (only those named by
a formula of an input that needs grad, as torch's codegen does), the node class (`MulBackward0`,
with `_saved_*` attributes), the cached `jax.jit` of the forward, and a fused, jitted backward
used when no graph of the backward is wanted (`create_graph=False`).
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from .. import _dtype, _errors
from .._dtype import dtype as DType
from ..autograd import grad_mode
from ..autograd.graph import Node, SavedTensor, make_gradient_edge
from ..tensor import Tensor

__all__ = ["Op", "OpNode"]

_SPECIAL_PARAMS = ("grad", "grads")


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, complex, bool)) and not isinstance(x, Tensor)


# Kinds of a compiled save plan entry (Op._compile_save_plan).
_SAVE_INPUT, _SAVE_OUTPUT, _SAVE_STATIC, _SAVE_GENERIC = range(4)


class SavedScalar:
    """A Python number passed in a Tensor slot (`x * 2`'s `other`), saved for backward.

    torch wraps the number in a 0-d tensor and saves it as a SavedVariable, so it is freed by
    backward like any saved tensor (a second backward raises) and `_saved_other` shows it as
    a tensor. Formulas still receive the number (so create_graph records the same nodes).
    """

    __slots__ = ("value", "freed")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.freed = False

    def unpack(self, node: Node) -> Any:
        if self.freed:
            raise RuntimeError(_errors.BACKWARD_TWICE)
        return self.value

    def as_tensor(self, node: Node) -> Tensor:
        # torch wraps a number as a 0-d bool/int64/float64/complex128 tensor.
        value = self.unpack(node)
        return Tensor._make(jnp.asarray(value, _WRAPPED_DTYPES[type(value)]))

    def release(self) -> None:
        self.freed = True


_WRAPPED_DTYPES = {bool: jnp.bool_, int: jnp.int64, float: jnp.float64,
                   complex: jnp.complex128}


# torch's TensorIterator shape error (infer_size of the shape so far with each operand).
_BROADCAST_ERROR = ("The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                    "non-singleton dimension {dim}")


def _broadcast_error(values: Sequence[Any]) -> RuntimeError | None:
    """torch's error if the tensor inputs' shapes do not broadcast together, else None."""
    shape: tuple | None = None
    for v in values:
        if not isinstance(v, Tensor):
            continue
        other = v._storage.array.shape
        if shape is None or shape == other:
            shape = other
            continue
        ndim = max(len(shape), len(other))
        out = [1] * ndim
        for i in range(ndim - 1, -1, -1):
            offset = ndim - 1 - i
            a = shape[len(shape) - 1 - offset] if len(shape) - 1 - offset >= 0 else 1
            b = other[len(other) - 1 - offset] if len(other) - 1 - offset >= 0 else 1
            if a != b and a != 1 and b != 1:
                return RuntimeError(_BROADCAST_ERROR.format(a=a, b=b, dim=i))
            out[i] = b if a == 1 else a
        shape = tuple(out)
    return None


# The base recorded for a gradient that is a view of a temporary made inside a fused backward:
# only "is a view" matters to the engine (its storage is shared, so torch won't reuse it).
_OPAQUE_BASE = object()


def _view_of(t: Tensor, grads: list) -> tuple[int, str] | None:
    """If `t` is a view: (index of the incoming grad it views, or -1; "view"/"strided_view")."""
    if t._base is None:
        return None
    strided = t._view_strided
    base = t._base
    while base is not None:
        for k, g in enumerate(grads):
            if base is g:
                return k, "strided_view" if strided else "view"
        strided = strided or base._view_strided
        base = base._base
    return -1, "strided_view" if strided else "view"


def _make_views(op: Op, base: Tensor, static: dict, results: list) -> None:
    """Make `results` views of `base`: shared storage and version counter, torch's `._base`.

    See NOTE [Views over immutable arrays].
    """
    from .._storage import ViewStorage

    strided = base._view_strided or op.view(static, base)
    storage = base._storage
    if isinstance(storage, ViewStorage):
        root, chain = storage.root, storage.chain
        overlapping, no_grad_view = storage.overlapping, storage.no_grad_view
    else:
        root, chain, overlapping, no_grad_view = storage, (), False, False
    root_tensor = base._base if base._base is not None else base
    static_items = tuple(sorted(static.items()))
    overlapping = overlapping or getattr(op, "overlapping", lambda s, b: False)(static, base)
    no_grad_view = no_grad_view or (not grad_mode.is_grad_enabled() and base._requires_grad)
    multi = len(results) > 1 or op.outputs == "*"
    for i, r in enumerate(results):
        r._storage = ViewStorage(root, chain + ((op, static_items, i if multi else None),),
                                 r._storage.array, overlapping, no_grad_view)
        if multi and r._grad_fn is not None:
            # torch forbids in-place on outputs of ops returning several views.
            r._storage.multi_output = (i, op.node_name.replace("Backward0", ""))
        r._vc = base._vc
        r._base = root_tensor
        r._view_strided = strided
        r._view_version = base._vc.version


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
        op = type(self)._op
        if all(g is None for g in grads):
            return [None] * len(self.next_functions)
        needs = tuple(fn is not None for fn, _ in self.next_functions)
        if create_graph:
            return op._eager_backward(self, grads, needs)
        return op._fused_backward(self, grads, needs)


class Op:
    """One operator declaration. See the module docstring for the formula vocabulary.

    Args:
        name: the public function name (`"mul"`), also the `Tensor` method name.
        node: torch's node class name for this op (`"MulBackward0"`).
        forward: a JAX function of the input arrays and the static arguments.
        inputs: tensor input names in torch's schema order; `"*tensors"` is a list input.
        derivatives: input name -> formula. Inputs absent here are not differentiable.
        static: names of non-tensor arguments (passed to `forward` as static jit arguments).
        dtype_rule: "promote" (torch result_type, inputs cast to it), "float" (promote, then
            integers to the default float), "keep" (no casting), or a function of the input
            dtypes returning the compute dtype.
        out_dtype: a function of the compute dtype giving the output dtype (comparisons: bool).
        scalars: input names that may be Python numbers (wrapped as torch wraps them).
    """

    def __init__(self, name: str, node: str | None, forward: Callable, *,
                 inputs: Sequence[str] = ("self",), derivatives: dict[str, Callable] | None = None,
                 static: Sequence[str] = (), defaults: dict[str, Any] | None = None,
                 dtype_rule: str | Callable = "promote",
                 out_dtype: Callable[[DType], DType] | None = None,
                 scalars: Sequence[str] = (), outputs: Sequence[str] | str = ("result",),
                 promote: Sequence[str] | None = None,
                 view: Callable[[dict, Tensor], bool] | None = None,
                 grad_version: int | dict[str, int] = 0,
                 doc: str | None = None) -> None:
        self.name = name
        self.node_name = node
        self.forward = forward
        self.inputs = tuple(inputs)
        self.variadic = len(self.inputs) == 1 and self.inputs[0].startswith("*")
        self.input_names = tuple(n.lstrip("*") for n in self.inputs)
        self.derivatives = dict(derivatives or {})
        self.static = tuple(static)
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
        # For view ops: a function of (static arguments, base tensor) telling whether torch's
        # result would be non-contiguous (strided). Views remember their base (`._base`).
        self.view = view
        # How many in-place writes torch's backward kernel makes into the fresh gradient it
        # returns (zeros + scatter_/index_put_/masked_fill_): visible as `.grad._version`.
        self.grad_version = grad_version
        self.doc = doc
        self._formula_params: dict[str, tuple[str, ...]] = {}
        self._validate()
        # torch's node has one edge per differentiable input (masks, indices, conditions and
        # Scalar arguments get none); a wrapped Python number in a Tensor slot gets (None, 0).
        self._diff_idx = tuple(i for i, n in enumerate(self.input_names) if n in self.derivatives)
        self._diff_all = self._diff_idx == tuple(range(len(self.input_names)))
        self.saveable = frozenset(
            p for params in self._formula_params.values() for p in params
            if p not in _SPECIAL_PARAMS)
        self._jit = jax.jit(self._make_kernel(), static_argnames=("_cd",) + self.static)
        self._fused_cache: dict = {}
        self._cd_cache: dict = {}
        self._save_plans: dict = {}
        self.node_cls = None
        if node is not None:
            self.node_cls = type(node, (OpNode,), {"__slots__": (), "_op": self,
                                                   "__module__": "tapegrad.autograd"})

    def __repr__(self) -> str:
        return f"Op({self.name!r}, node={self.node_name!r})"

    def __get__(self, instance, owner=None):
        # An Op set as a Tensor attribute binds like a method.
        if instance is None:
            return self
        return types.MethodType(self, instance)

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        # As torch's load_derivatives.check_grad_usage: a malformed entry fails at import.
        known = set(_SPECIAL_PARAMS) | set(self.input_names) | set(self.static)
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
            self._formula_params[inp] = params
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

    # ------------------------------------------------------------------ forward
    def _make_kernel(self):
        # A closure, not a method: a static argument may be called `self` (pow.Scalar).
        op = self

        def kernel(*arrays, _cd, **static):
            if _cd is not None:
                idx = op._promote_idx
                arrays = tuple(jnp.asarray(a, dtype=_cd) if idx is None or i in idx else a
                               for i, a in enumerate(arrays))
            if op.variadic:
                return op.forward(list(arrays), **static)
            return op.forward(*arrays, **static)

        return kernel

    def _compute_dtype(self, values: Sequence[Any]) -> DType | None:
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

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        n_in = len(self.input_names)
        if self.variadic:
            values = list(args[0])
            rest = args[1:]
        else:
            values = list(args[:n_in])
            rest = args[n_in:]
            while len(values) < n_in:
                name = self.input_names[len(values)]
                if name in kwargs:
                    values.append(kwargs.pop(name))
                else:
                    raise TypeError(f"{self.name}() missing required argument '{name}'")
        static = dict(self.defaults)
        for name, value in zip(self.static, rest):
            static[name] = value
        for name, value in kwargs.items():
            if name not in self.static:
                raise TypeError(f"{self.name}() got an unexpected keyword argument '{name}'")
            static[name] = value
        for name, value in static.items():
            if isinstance(value, list):
                static[name] = tuple(value)
        return self.apply(values, static)

    def apply(self, values: list, static: dict) -> Tensor:
        """Run the op on tensor inputs `values` (Tensors or allowed numbers) and statics.

        `static` is only read (Tensor methods pass the op's shared `defaults` dict)."""
        # One pass (this is the per-op hot path): check the inputs, collect their arrays,
        # the dtype signature and whether any requires grad.
        arrays = []
        sig = []
        any_rg = False
        for i, v in enumerate(values):
            if isinstance(v, Tensor):
                a = v._storage.array
                arrays.append(a)
                sig.append((a.dtype, a.ndim == 0))
                if v._requires_grad:
                    any_rg = True
            else:
                name = self.input_names[0] if self.variadic else self.input_names[i]
                if not (_is_number(v) and (name in self.scalars)):
                    raise TypeError(
                        f"{self.name}(): argument '{name}' (position {i + 1}) must be Tensor, "
                        f"not {type(v).__name__}")
                arrays.append(v)
                sig.append(type(v))
        # The compute dtype depends only on the inputs' dtypes, zero-dim-ness and the Python
        # types of numbers (torch's result_type): cache it per that signature.
        sig = tuple(sig)
        try:
            cd = self._cd_cache[sig]
        except KeyError:
            cd = self._cd_cache[sig] = self._compute_dtype(values)
        try:
            out = self._jit(*arrays, _cd=cd.np if cd is not None else None, **static)
        except (TypeError, ValueError) as exc:
            # Checked only once JAX has refused, so the common path pays nothing.
            if "incompatible shapes for broadcasting" in str(exc).lower():
                error = _broadcast_error(values)
                if error is not None:
                    raise error from None
            raise
        if not self.multi and self.out_dtype is None and self.view is None:
            # The common case (one output, no dtype fix-up, not a view), kept short.
            if any_rg and self.node_cls is not None and grad_mode.is_grad_enabled():
                return self._record(values, static, [out])[0]
            return Tensor._make(out)
        outs = list(out) if self.multi else [out]
        if self.out_dtype is not None and cd is not None:
            od = self.out_dtype(cd).np
            outs = [a if a.dtype == od else a.astype(od) for a in outs]
        if any_rg and self.node_cls is not None and grad_mode.is_grad_enabled():
            results = self._record(values, static, outs)
        else:
            results = [Tensor._make(a) for a in outs]
        if self.view is not None:
            _make_views(self, values[0], static, results)
        if not self.multi:
            return results[0]
        return tuple(results) if self.outputs != "*" else list(results)

    def _record(self, values: list, static: dict, arrays: list) -> list[Tensor]:
        # The per-op hot path when recording: written for speed (no helper calls where an
        # inline test does; see make_gradient_edge for the general edge rule).
        diff_values = values if self._diff_all else [values[i] for i in self._diff_idx]
        next_functions = []
        needs = []
        for v in diff_values:
            if isinstance(v, Tensor):
                fn = v._grad_fn
                if fn is not None and v._base is None:
                    next_functions.append((fn, v._output_nr))
                    needs.append(True)
                else:
                    edge = make_gradient_edge(v)
                    next_functions.append(edge)
                    needs.append(edge[0] is not None)
            else:
                next_functions.append((None, 0))
                needs.append(False)
        needs = tuple(needs)
        from_np = _dtype.from_numpy_dtype
        if len(arrays) == 1:
            a = arrays[0]
            dt = from_np(a.dtype)
            metadata = ((a.shape, dt),)
            node = self.node_cls(tuple(next_functions), metadata)
            # Integer outputs (indices) never require grad and get no grad_fn.
            outs = [Tensor._make(a, node, 0) if dt.is_floating_point or dt.is_complex
                    else Tensor._make(a)]
        else:
            metadata = tuple([(a.shape, from_np(a.dtype)) for a in arrays])
            node = self.node_cls(tuple(next_functions), metadata)
            outs = []
            for i, a in enumerate(arrays):
                dt = metadata[i][1]
                outs.append(Tensor._make(a, node, i) if dt.is_floating_point or dt.is_complex
                            else Tensor._make(a))
        plan = self._save_plans.get(needs)
        if plan is None:
            plan = self._save_plans[needs] = self._compile_save_plan(self._make_save_plan(needs))
        saved = {}
        for p, kind, j in plan:
            if kind == _SAVE_INPUT:
                v = values[j]
                saved[p] = (SavedTensor(v, is_output=False) if isinstance(v, Tensor)
                            else SavedScalar(v))
            elif kind == _SAVE_OUTPUT:
                saved[p] = SavedTensor(outs[j], is_output=True)
            elif kind == _SAVE_STATIC:
                saved[p] = static[p]
            else:
                saved[p] = self._save(p, values, static, outs)
        node._saved = saved
        node._args = None
        return outs

    def _compile_save_plan(self, names: tuple[str, ...]) -> tuple:
        """(name, kind, index) per saved value, resolving at plan time what `_save` looks up
        per call (same precedence); anything unusual keeps the generic `_save`."""
        plan = []
        for p in names:
            if p == "result" and self.outputs == "*":
                plan.append((p, _SAVE_GENERIC, -1))
            elif self.outputs != "*" and p in self.outputs:
                plan.append((p, _SAVE_OUTPUT, self.outputs.index(p)))
            elif p in self.defaults:
                plan.append((p, _SAVE_STATIC, -1))
            elif not self.variadic and p not in self.static and p in self.input_names:
                plan.append((p, _SAVE_INPUT, self.input_names.index(p)))
            else:
                plan.append((p, _SAVE_GENERIC, -1))
        return tuple(plan)

    def _make_save_plan(self, needs: tuple) -> tuple[str, ...]:
        """The values this op saves when `needs` says which inputs need grad (torch saves
        only what a needed formula mentions)."""
        if self.variadic:
            needed = self.input_names if any(needs) else ()
        else:
            needed = [self.input_names[i] for i, need in zip(self._diff_idx, needs) if need]
        plan: list[str] = []
        for inp in needed:
            for p in self._formula_params.get(inp, ()):
                if p not in plan and p not in _SPECIAL_PARAMS:
                    plan.append(p)
        return tuple(plan)

    def _save(self, p: str, values: list, static: dict, outs: list) -> Any:
        if p == "result" and self.outputs == "*":
            return [SavedTensor(o, is_output=True) for o in outs]
        if self.outputs != "*" and p in self.outputs:
            return SavedTensor(outs[self.outputs.index(p)], is_output=True)
        if p in static:
            return static[p]
        if self.variadic:
            base = self.input_names[0]
            if p == f"{base}_sym_sizes":
                return tuple(tuple(v.shape) for v in values)
            if p == f"{base}_dtype":
                return tuple(v.dtype for v in values)
            raise TypeError(f"{self.name}: cannot save {p!r} of a list input")
        for name, v in zip(self.input_names, values):
            if p == name:
                return SavedTensor(v, is_output=False) if isinstance(v, Tensor) \
                    else SavedScalar(v)
            if p == f"{name}_sym_sizes":
                return tuple(v.shape) if isinstance(v, Tensor) else ()
            if p == f"{name}_dtype":
                return v.dtype if isinstance(v, Tensor) else _dtype.scalar_dtype(v)
        raise AssertionError(p)

    # ------------------------------------------------------------------ backward
    def _eager_backward(self, node: OpNode, grads: list, needs: tuple) -> list:
        """Run the formulas as tapegrad ops (so create_graph=True records their graph)."""
        env: dict[str, Any] = {"grad": grads[0], "grads": grads}
        for k, v in node._saved.items():
            if isinstance(v, (SavedTensor, SavedScalar)):
                v = v.unpack(node)
            elif isinstance(v, list) and v and isinstance(v[0], SavedTensor):
                v = [x.unpack(node) for x in v]
            env[k] = v
        return self._run_formulas(env, needs, len(node.next_functions))

    def _run_formulas(self, env: dict, needs: tuple, n_out: int) -> list:
        if self.variadic:
            formula = self.derivatives.get(self.input_names[0])
            if formula is None or not any(needs):
                return [None] * n_out
            out = formula(**{p: env[p] for p in self._formula_params[self.input_names[0]]})
            return [g if need else None for g, need in zip(out, needs)]
        # torch's generated backward computes input gradients last input first (`other`
        # before `self`), which orders the nodes a create_graph backward records.
        result: list = [None] * len(needs)
        for k in range(len(needs) - 1, -1, -1):
            if not needs[k]:
                continue
            name = self.input_names[self._diff_idx[k]]
            result[k] = self.derivatives[name](**{p: env[p] for p in self._formula_params[name]})
        return result

    def _fused_backward(self, node: OpNode, grads: list, needs: tuple) -> list:
        """All formulas of the node as one cached jitted call on raw arrays."""
        entry_key, dynamic_arrays = self._fused_plan(node, grads, needs)
        return self._fused_run(node, entry_key, grads, dynamic_arrays)

    def _fused_plan(self, node: OpNode, grads: list, needs: tuple) -> tuple:
        """(cache key, saved arrays) of this node's fused backward (version-checked): the
        `_fusion_plan` key plus the incoming gradients' own shapes and dtypes (a root's
        gradient reaches here as the caller gave it)."""
        key, arrays = self._fusion_plan(node, tuple(g is not None for g in grads), needs)
        # The key must determine the trace: the aliases/versions recorded while tracing are
        # only valid for these shapes and dtypes (JAX would retrace silently on others).
        grad_sig = tuple((g._storage.array.shape, g._storage.array.dtype)
                         for g in grads if g is not None)
        return key[:-1] + ((key[-1], grad_sig),), arrays

    def _fusion_plan(self, node: OpNode, mask: tuple, needs: tuple) -> tuple:
        """(cache key, saved arrays) of this node's fused backward, for the whole-graph
        fusion key (autograd/_fusion.py): the incoming gradients are described by the node's
        outputs' shapes and dtypes (`node._metadata`, masked by which are fed). Version-checked;
        tuned for speed: it runs once per node of every fused backward. The key's layout is
        what `_fused_run` unpacks; a scalar's type is in it too (2, 2.0 and True are equal
        keys but give different traces)."""
        names = []
        arrays = []
        statics = []
        sig = []
        for k, v in node._saved.items():
            tv = type(v)
            if tv is SavedTensor:
                if v.freed or v.vc.version != v.saved_version:
                    v.raw_array(node)  # raises torch's error
                a = v.storage.array if v.is_output else v.tensor._storage.array
                names.append(k)
                arrays.append(a)
                sig.append((a.shape, a.dtype))
            elif tv is list and v and type(v[0]) is SavedTensor:
                xs = [x.raw_array(node) for x in v]
                names.append(k)
                arrays.append(xs)
                sig.append(tuple([(x.shape, x.dtype) for x in xs]))
            elif tv is SavedScalar:
                statics.append((k, v.unpack(node)))
            else:
                statics.append((k, v))
        targets = []
        for fn, nr in node.next_functions:
            targets.append(None if fn is None else fn._metadata[nr])
        statics_t = tuple(statics)
        key = (needs, mask, tuple(names), statics_t, tuple([type(v) for _, v in statics]),
               tuple(targets), (node._metadata, tuple(sig)))
        return key, arrays

    def _fused_run(self, node: OpNode, key: tuple, grads: list, dynamic_arrays: list) -> list:
        entry = self._fused_cache.get(key)
        if entry is None:
            needs, grad_mask, dynamic_names, static_items, _, targets, _ = key
            entry = self._make_fused(needs, grad_mask, dynamic_names, dict(static_items),
                                     targets, node._metadata)
            self._fused_cache[key] = entry
        fn, aliases, versions = entry
        grad_arrays = [g._storage.array for g in grads if g is not None]
        out = fn(grad_arrays, dynamic_arrays)
        result = [None if a is None else Tensor._make(a) for a in out]
        for i, version in versions:
            if result[i] is not None:
                result[i]._vc.version = version
        # Identity as torch has it: a formula returning the incoming `grad` unchanged passes
        # that very tensor on, and one tensor returned for two inputs is one object twice.
        # Both matter for buffer reuse (see NOTE [Gradient buffers and versions]).
        for i, kind, j in aliases:
            if kind == "grad":
                result[i] = grads[j]
            elif kind == "out":
                result[i] = result[j]
            else:  # a view (of incoming grad j): it shares storage and version in torch
                result[i]._base = grads[j] if j >= 0 else _OPAQUE_BASE
                result[i]._view_strided = kind == "strided_view"
                if j >= 0:
                    result[i]._vc = grads[j]._vc
        return result

    def _make_fused(self, needs, grad_mask, dynamic_names, static_env, targets, metadata):
        from .. import ops as _ops

        aliases: list[tuple[int, str, int]] = []
        versions: list[tuple[int, int]] = []

        def fused(grad_arrays, arrays):
            with grad_mode.no_grad():
                env = dict(static_env)
                it = iter(grad_arrays)
                grads = [Tensor._make(next(it)) if m else None for m in grad_mask]
                env["grad"] = grads[0]
                env["grads"] = grads
                for k, a in zip(dynamic_names, arrays):
                    env[k] = [Tensor._make(x) for x in a] if isinstance(a, list) else \
                        Tensor._make(a)
                outs = self._run_formulas(env, needs, len(targets))
                validated = [None if g is None or t is None
                             else _ops.validate_grad(g, t, self.node_name, i)
                             for i, (g, t) in enumerate(zip(outs, targets))]
                versions.clear()
                for i, (g, v) in enumerate(zip(outs, validated)):
                    n = self._grad_version_of(i)
                    if n and g is not None and v is g:  # not reshaped/cast by validation
                        versions.append((i, n))
                aliases.clear()
                for i, g in enumerate(validated):
                    if g is None:
                        continue
                    same_grad = [k for k, x in enumerate(grads) if x is g]
                    if same_grad:
                        aliases.append((i, "grad", same_grad[0]))
                        continue
                    for j in range(i):
                        if validated[j] is g:
                            aliases.append((i, "out", j))
                            break
                    else:
                        view = _view_of(g, grads)
                        if view is not None:
                            aliases.append((i, view[1], view[0]))
                return tuple(None if g is None else g._storage.array for g in validated)

        return jax.jit(fused), aliases, versions

    def _grad_version_of(self, edge: int) -> int:
        if isinstance(self.grad_version, int):
            return self.grad_version
        if self.variadic:
            return 0
        return self.grad_version.get(self.input_names[self._diff_idx[edge]], 0)
