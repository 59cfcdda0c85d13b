"""Random autograd programs, run under torch and tapegrad, every observable compared.

A program is a list of `Step`s (each a few lines of Python written against a module `T`) that
renders to one function `program(T)`: that text is both what runs under `T=torch` and
`T=tapegrad` (through `tapegrad.testing.compare`) and the reproducer printed for a divergence.
`programs()` is the hypothesis strategy that builds them from a symbolic model of the
variables (shape, requires_grad, leaf, view-ness), so most steps are valid; steps that may
raise (in-place ops, backward, bad dims and shapes on purpose) are wrapped in a `try` that
prints the exception's class and message, which stdout then compares.

Needs the `test` extra (hypothesis, torch); `import tapegrad` never imports this package.
Run a campaign with `python -m tapegrad.fuzz --examples 10000 --seed 0`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..ops import REGISTRY
from ..tensor import Tensor
from ..testing import Run, compare

__all__ = [
    "LISTED",
    "TOLERANCES",
    "Program",
    "Step",
    "check",
    "listed",
    "programs",
    "shrink",
    "signature",
]

# Tolerances by dtype: float32 chains through XLA and torch's kernels round differently.
TOLERANCES = {"float64": (1e-7, 1e-9), "float32": (2e-3, 2e-4)}
_VAR = re.compile(r"\b[vg]\d+\b")

_FUNCTIONS = {
    "Square": ("def forward(ctx, x):", "    ctx.save_for_backward(x)", "    return x * x",
               "def backward(ctx, g):", "    x, = ctx.saved_tensors", "    return 2 * g * x"),
    "ExpFn": ("def forward(ctx, x):", "    y = x.exp()", "    ctx.save_for_backward(y)",
              "    return y", "def backward(ctx, g):", "    y, = ctx.saved_tensors",
              "    return g * y"),
    "Scale": ("def forward(ctx, x, k):", "    ctx.k = k", "    return x * k",
              "def backward(ctx, g):", "    return g * ctx.k, None"),
    "DirtyDouble": ("def forward(ctx, x):", "    x.mul_(2)", "    ctx.mark_dirty(x)",
                    "    return x", "def backward(ctx, g):", "    return g * 2"),
}


@dataclass(frozen=True)
class Step:
    """Some statement lines; `guard` wraps them in a try that prints the exception (and then
    defines `fallback`'s names with zeros of their shapes, so later steps still run)."""

    code: tuple[str, ...]
    guard: bool = False
    no_grad: bool = False
    fallback: tuple[tuple[str, tuple], ...] = ()
    function: str | None = None  # a custom autograd.Function the step uses
    tags: tuple[str, ...] = ()   # what the step does that a listed difference depends on

    def lines(self, dtype: str) -> list[str]:
        body = list(self.code)
        if self.no_grad:
            body = ["with T.no_grad():", *("    " + c for c in body)]
        if not self.guard:
            return body
        out = ["try:", *("    " + c for c in body), "except Exception as e:",
               "    print(type(e).__name__, e)"]
        out += [f"    {name} = T.zeros({shape!r}, dtype=T.{dtype})" for name, shape in self.fallback]
        return out


@dataclass
class Program:
    """A fuzzed program: its dtype, steps and the variables it returns."""

    dtype: str
    steps: list[Step]
    outputs: list[str]

    def source(self) -> str:
        """The program as Python text: `def program(T): ...`, returning its variables and log."""
        lines = ["def program(T):", "    log = []"]
        for name in sorted({s.function for s in self.steps if s.function}):
            lines += [f"    class {name}(T.autograd.Function):"]
            for c in _FUNCTIONS[name]:
                if c.startswith("def "):
                    lines += ["        @staticmethod"]
                lines += ["        " + c]
        for step in self.steps:
            lines += ["    " + c for c in step.lines(self.dtype)]
        lines += [f"    return [{', '.join(self.outputs)}], log"]
        return "\n".join(lines) + "\n"

    @property
    def tags(self) -> set[str]:
        return {t for s in self.steps for t in s.tags}

    def function(self) -> Callable[[Any], Any]:
        """The program compiled from its source (so what runs is exactly what is printed)."""
        scope: dict[str, Any] = {}
        exec(compile(self.source(), "<fuzz program>", "exec"), scope)  # noqa: S102
        return scope["program"]

    def reproducer(self) -> str:
        """A standalone script that shows the divergence."""
        rtol, atol = TOLERANCES[self.dtype]
        return (self.source() + "\n\nif __name__ == '__main__':\n"
                "    from tapegrad.testing import compare\n"
                f"    print(compare(program, rtol={rtol}, atol={atol})[0])\n")

    def without(self, index: int) -> Program | None:
        """The program with step `index` removed, or None when a later step needs its names."""
        defined = set()
        for line in self.steps[index].code:
            m = re.match(r"\s*([\w, ]+?)\s*=(?!=)", line)
            if m and not line.lstrip().startswith(("log", "return")):
                defined |= {n.strip() for n in m.group(1).split(",") if _VAR.fullmatch(n.strip())}
        rest = self.steps[:index] + self.steps[index + 1:]
        for s in rest[index:]:
            if defined & set(_VAR.findall("\n".join(s.code))):
                return None
        return Program(self.dtype, rest, [o for o in self.outputs if o not in defined])


# ------------------------------------------------------------------ the symbolic model
@dataclass
class Var:
    name: str
    shape: tuple
    rg: bool                 # requires grad (as far as the model knows)
    leaf: bool
    contig: bool = True
    base: str | None = None  # the root a view aliases
    multi: bool = False      # one of several views (unbind/split): in-place raises in torch

    @property
    def ndim(self) -> int:
        return len(self.shape)


def _check_names(names: list[str]) -> list[str]:
    """The op names the fuzzer calls, each checked against the op table (or Tensor)."""
    missing = [n for n in names if n not in REGISTRY and not hasattr(Tensor, n)]
    assert not missing, f"fuzz names not in tapegrad: {missing}"
    return names


UNARY = _check_names(["exp", "sin", "tanh", "sigmoid", "neg", "abs", "relu", "square", "cos",
                      "sqrt", "log", "reciprocal", "exp2", "expm1", "atan", "erf"])
BINARY = _check_names(["add", "mul", "sub", "div", "maximum", "minimum", "atan2", "pow",
                       "hypot", "copysign", "fmod"])
DUNDERS = {"add": "+", "mul": "*", "sub": "-", "div": "/", "pow": "**"}
REDUCTIONS = _check_names(["sum", "mean", "amax", "amin", "prod", "logsumexp", "norm", "var",
                           "softmax", "log_softmax", "cumsum", "std"])
INPLACE_UNARY = _check_names(["exp_", "sin_", "tanh_", "sigmoid_", "neg_", "relu_", "zero_",
                              "abs_", "sqrt_"])
SHAPES = [(), (3,), (2, 3), (3, 1), (1, 3), (2, 1, 3), (2, 3, 2), (2,), (3, 2)]


def _broadcast(a: tuple, b: tuple) -> tuple | None:
    """The broadcast shape, or None when the shapes do not broadcast."""
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        return None


def _literal(values: list, shape: tuple) -> str:
    if not shape:
        return repr(values[0])
    return repr(np.array(values, dtype=np.float64).reshape(shape).tolist())


class _Gen:
    """Draws steps through `draw`, keeping the symbolic variables in step."""

    def __init__(self, draw: Callable, dtype: str) -> None:
        self.draw = draw
        self.dtype = dtype
        self.vars: list[Var] = []
        self.steps: list[Step] = []
        self.count = 0

    # --- helpers
    def name(self, prefix: str = "v") -> str:
        self.count += 1
        return f"{prefix}{self.count - 1}"

    def pick(self, pred: Callable[[Var], bool] = lambda v: True) -> Var | None:
        pool = [v for v in self.vars if pred(v)]
        return self.draw(st.sampled_from(pool)) if pool else None

    def chance(self, one_in: int) -> bool:
        return self.draw(st.integers(0, one_in - 1)) == one_in - 1

    def var(self, name: str, shape: tuple, parents: list[Var], no_grad: bool, **kw: Any) -> Var:
        rg = not no_grad and any(p.rg for p in parents)
        v = Var(name, tuple(shape), rg, not rg, **kw)
        self.vars.append(v)
        return v

    def emit(self, expr: str, shape: tuple, parents: list[Var], *, guard: bool = False,
             view_of: Var | None = None, contig: bool = True, fn: str | None = None) -> Var:
        no_grad = self.chance(8)
        name = self.name()
        base = None if view_of is None else (view_of.base or view_of.name)
        v = self.var(name, shape, parents, no_grad, base=base, contig=contig)
        tags = ("nograd_view",) if no_grad and view_of is not None and view_of.rg else ()
        self.steps.append(Step((f"{name} = {expr}",), guard=guard, no_grad=no_grad,
                               fallback=((name, tuple(shape)),) if guard else (), function=fn,
                               tags=tags))
        return v

    def leaf(self, shape: tuple | None = None, rg: bool | None = None) -> Var:
        if shape is None:
            shape = self.draw(st.sampled_from(SHAPES))
        if rg is None:
            rg = not self.chance(4)
        n = math.prod(shape)
        values = self.draw(st.lists(st.integers(-8, 8), min_size=n, max_size=n))
        data = _literal([k / 4 for k in values], shape)
        name = self.name()
        extra = ", requires_grad=True" if rg else ""
        self.steps.append(Step((f"{name} = T.tensor({data}, dtype=T.{self.dtype}{extra})",)))
        v = Var(name, tuple(shape), rg, True)
        self.vars.append(v)
        return v

    def partner(self, shape: tuple) -> Var:
        """A variable whose shape broadcasts with `shape` (an existing one or a new leaf)."""
        def fits(v: Var) -> bool:
            try:
                np.broadcast_shapes(v.shape, shape)
                return True
            except ValueError:
                return False
        if not self.chance(3):
            v = self.pick(fits)
            if v is not None:
                return v
        keep = self.draw(st.integers(0, len(shape)))
        dims = [self.draw(st.sampled_from([d, 1])) for d in shape[len(shape) - keep:]]
        if keep == len(shape) < 3 and self.chance(4):
            dims = [self.draw(st.integers(1, 3))] + dims
        return self.leaf(tuple(dims))

    # --- step kinds (each appends one or more steps)
    def unary(self) -> None:
        x = self.pick()
        op = self.draw(st.sampled_from(UNARY))
        expr = f"{x.name}.{op}()" if self.draw(st.booleans()) else f"T.{op}({x.name})"
        self.emit(expr, x.shape, [x])

    def binary(self) -> None:
        x = self.pick()
        y = self.partner(x.shape)
        op = self.draw(st.sampled_from(BINARY))
        form = self.draw(st.integers(0, 2))
        if form == 0 and op in DUNDERS:
            expr = f"{x.name} {DUNDERS[op]} {y.name}"
        elif form == 1:
            expr = f"{x.name}.{op}({y.name})"
        else:
            expr = f"T.{op}({x.name}, {y.name})"
        self.emit(expr, _broadcast(x.shape, y.shape), [x, y])

    def scalar(self) -> None:
        x = self.pick()
        k = self.draw(st.sampled_from(["2", "0.5", "-1.5", "3"]))
        expr = self.draw(st.sampled_from([f"{x.name} * {k}", f"{x.name} + {k}", f"{k} - {x.name}",
                                          f"{x.name} ** {k}", f"{x.name} / {k}",
                                          f"{k} / {x.name}", f"{x.name}.clamp({k}, 4)"]))
        self.emit(expr, x.shape, [x])

    def where(self) -> None:
        x = self.pick()
        y = self.partner(x.shape)
        self.emit(f"T.where({x.name} > 0, {x.name}, {y.name})", _broadcast(x.shape, y.shape),
                  [x, y])

    def reduce(self) -> None:
        x = self.pick()
        op = self.draw(st.sampled_from(REDUCTIONS))
        nd = max(x.ndim, 1)
        full = op in ("sum", "mean", "amax", "amin", "prod", "norm", "var", "std") and \
            self.chance(3)
        if full:
            self.emit(f"{x.name}.{op}()", (), [x])
            return
        dim = self.draw(st.integers(-nd, nd - 1))
        if op in ("softmax", "log_softmax", "cumsum"):
            self.emit(f"{x.name}.{op}({dim})", x.shape, [x])
            return
        keep = self.draw(st.booleans())
        shape = list(x.shape)
        if shape:
            if keep:
                shape[dim] = 1
            else:
                del shape[dim]
        arg = f"dim={dim}" if op == "norm" else str(dim)
        self.emit(f"{x.name}.{op}({arg}, keepdim={keep})", tuple(shape), [x])

    def max_dim(self) -> None:
        x = self.pick(lambda v: v.ndim > 0)
        if x is None:
            return self.unary()
        dim = self.draw(st.integers(-x.ndim, x.ndim - 1))
        shape = x.shape[:dim % x.ndim] + x.shape[dim % x.ndim + 1:]
        op = self.draw(st.sampled_from(["max", "min"]))
        self.emit(f"{x.name}.{op}({dim}).values", shape, [x])

    def matmul(self) -> None:
        x = self.pick(lambda v: v.ndim > 0)
        if x is None:
            return self.unary()
        m = self.draw(st.integers(1, 3))
        k = x.shape[-1]
        if x.ndim == 1:
            yshape, out = self.draw(st.sampled_from([((k,), ()), ((k, m), (m,))]))
        else:
            yshape, out = self.draw(st.sampled_from([((k,), x.shape[:-1]),
                                                     ((k, m), x.shape[:-1] + (m,))]))
        y = self.pick(lambda v: v.shape == yshape) if self.chance(2) else None
        y = y or self.leaf(yshape)
        self.emit(f"{x.name} @ {y.name}" if self.chance(2) else f"T.matmul({x.name}, {y.name})",
                  out, [x, y])

    def view(self) -> None:
        x = self.pick()
        s, n = x.shape, x.ndim
        choices = ["unsqueeze", "reshape", "view", "squeeze"]
        if n >= 1:
            choices += ["slice", "index", "narrow", "expand", "unbind", "split", "flip_slice"]
        if n >= 2:
            choices += ["transpose", "t", "permute", "slice1", "diagonal", "select1", "mT"]
        kind = self.draw(st.sampled_from(choices))
        contig = x.contig
        if kind == "unsqueeze":
            d = self.draw(st.integers(-n - 1, n))
            shape = list(s)
            shape.insert(d % (n + 1), 1)
            expr = f"{x.name}.unsqueeze({d})"
        elif kind == "squeeze":
            if n and self.draw(st.booleans()):
                d = self.draw(st.integers(-n, n - 1))
                shape = [e for i, e in enumerate(s) if not (i == d % n and e == 1)]
                expr = f"{x.name}.squeeze({d})"
            else:
                shape, expr = [e for e in s if e != 1], f"{x.name}.squeeze()"
        elif kind in ("reshape", "view"):
            shape = self._factor(math.prod(s))
            spec = list(shape)
            if spec and self.chance(3):
                spec[self.draw(st.integers(0, len(spec) - 1))] = -1
            expr = f"{x.name}.{kind}({', '.join(map(str, spec)) or '()'})"
            if kind == "view" and not x.contig:
                self.emit(expr, tuple(shape), [x], guard=True, view_of=x)
                return
            contig = True if kind == "reshape" else contig
        elif kind == "slice":
            a = self.draw(st.integers(0, s[0] - 1))
            b = self.draw(st.integers(a + 1, s[0]))
            shape, expr = [b - a, *s[1:]], f"{x.name}[{a}:{b}]"
        elif kind == "flip_slice":
            shape, expr, contig = [(s[0] + 1) // 2, *s[1:]], f"{x.name}[::2]", False
        elif kind == "slice1":
            a = self.draw(st.integers(0, s[1] - 1))
            shape, expr, contig = [s[0], s[1] - a, *s[2:]], f"{x.name}[:, {a}:]", False
        elif kind == "index":
            i = self.draw(st.integers(-s[0], s[0] - 1))
            shape, expr = list(s[1:]), f"{x.name}[{i}]"
        elif kind == "select1":
            i = self.draw(st.integers(0, s[1] - 1))
            shape, expr, contig = [s[0], *s[2:]], f"{x.name}.select(1, {i})", False
        elif kind == "narrow":
            d = self.draw(st.integers(0, n - 1))
            a = self.draw(st.integers(0, s[d] - 1))
            ln = self.draw(st.integers(1, s[d] - a))
            shape = list(s)
            shape[d] = ln
            expr, contig = f"{x.name}.narrow({d}, {a}, {ln})", contig and d == 0
        elif kind == "expand":
            shape = [self.draw(st.integers(1, 3)) if e == 1 else e for e in s]
            if n < 3 and self.chance(3):
                shape = [2] + shape
            spec = [str(e) if i < len(shape) - n or s[i - len(shape) + n] == 1
                    or not self.chance(2) else "-1" for i, e in enumerate(shape)]
            expr, contig = f"{x.name}.expand({', '.join(spec)})", False
        elif kind in ("unbind", "split"):
            names = [self.name() for _ in range(s[0])]
            shape = list(s[1:]) if kind == "unbind" else [1, *s[1:]]
            call = "unbind(0)" if kind == "unbind" else "split(1)"
            no_grad = self.chance(8)
            lhs = ", ".join(names) + ("," if len(names) == 1 else "")
            tags = ("nograd_view",) if no_grad and x.rg else ()
            self.steps.append(Step((f"{lhs} = {x.name}.{call}",), no_grad=no_grad, tags=tags))
            for nm in names:
                self.var(nm, tuple(shape), [x], no_grad, base=x.base or x.name, multi=True,
                         contig=contig)
            return
        elif kind == "transpose":
            d0, d1 = (self.draw(st.integers(-n, n - 1)) for _ in range(2))
            shape = list(s)
            shape[d0], shape[d1] = shape[d1], shape[d0]
            expr, contig = f"{x.name}.transpose({d0}, {d1})", False
        elif kind in ("t", "mT"):
            shape = list(s[:-2]) + [s[-1], s[-2]]
            if kind == "t" and n > 2:
                expr = f"{x.name}.transpose(-1, -2)"
            else:
                expr = f"{x.name}.{'t()' if kind == 't' else 'mT'}"
            contig = False
        elif kind == "permute":
            perm = self.draw(st.permutations(range(n)))
            shape, expr = [s[i] for i in perm], f"{x.name}.permute({', '.join(map(str, perm))})"
            contig = False
        else:  # diagonal
            d0, d1 = self.draw(st.sampled_from([(0, 1), (-2, -1), (1, 0)]))
            rest = [e for i, e in enumerate(s) if i not in (d0 % n, d1 % n)]
            shape, expr = rest + [min(s[d0], s[d1])], f"{x.name}.diagonal(0, {d0}, {d1})"
            contig = False
        self.emit(expr, tuple(shape), [x], view_of=x, contig=contig)

    def _factor(self, numel: int) -> list[int]:
        options = {1: [[1], [], [1, 1]], 2: [[2], [1, 2], [2, 1]], 3: [[3], [3, 1], [1, 3]],
                   6: [[6], [2, 3], [3, 2], [1, 6], [2, 1, 3]], 12: [[12], [3, 4], [2, 6],
                                                                    [2, 3, 2], [4, 3]],
                   4: [[4], [2, 2]], 9: [[9], [3, 3]], 18: [[18], [3, 6], [2, 9], [2, 3, 3]],
                   8: [[8], [2, 4], [2, 2, 2]]}
        return self.draw(st.sampled_from(options.get(numel, [[numel]])))

    def function(self) -> None:
        x = self.pick()
        name = self.draw(st.sampled_from(sorted(_FUNCTIONS)))
        if name == "Scale":
            self.emit(f"Scale.apply({x.name}, 1.5)", x.shape, [x], fn=name)
        elif name == "DirtyDouble":
            self.steps.append(Step((f"DirtyDouble.apply({x.name})",), guard=True, function=name))
            self._touch(x, [])
        else:
            self.emit(f"{name}.apply({x.name})", x.shape, [x], fn=name)

    def _touch(self, x: Var, operands: list[Var]) -> None:
        """Model an in-place write into x: it requires grad if an operand does."""
        if any(o.rg for o in operands):
            for v in self.vars:
                if v is x or (x.base and v.name == x.base):
                    v.rg, v.leaf = True, False

    def inplace(self) -> None:
        x = self.pick()
        kind = self.draw(st.integers(0, 5))
        operands: list[Var] = []
        if kind == 0:
            code = f"{x.name}.{self.draw(st.sampled_from(INPLACE_UNARY))}()"
        elif kind == 1:
            k = self.draw(st.sampled_from(["2", "0.5", "-1"]))
            code = f"{x.name}.{self.draw(st.sampled_from(['add_', 'mul_', 'sub_', 'div_']))}({k})"
        elif kind in (2, 3):
            y = self.pick(lambda v: v is not x and _broadcast(v.shape, x.shape) == x.shape
                          and v.ndim <= x.ndim)
            if y is None:
                keep = self.draw(st.integers(0, x.ndim))
                y = self.leaf(tuple(x.shape[x.ndim - keep:]))
            operands = [y]
            op = "copy_" if kind == 3 else self.draw(st.sampled_from(["add_", "mul_", "sub_"]))
            code = f"{x.name}.{op}({y.name})"
        elif kind == 4:
            code = f"{x.name}.clamp_(-1, 1)" if self.draw(st.booleans()) else \
                f"{x.name}.fill_(0.5)"
        else:
            if x.ndim == 0:
                code = f"{x.name}.pow_(2)"
            else:
                y = self.leaf(tuple(x.shape[1:]))
                operands = [y]
                code = f"{x.name}[0] = {y.name}"
        no_grad = self.chance(4)
        self.steps.append(Step((code,), guard=True, no_grad=no_grad))
        if not no_grad:
            self._touch(x, operands)

    def backward(self) -> None:
        x = self.pick(lambda v: v.rg) or self.pick()
        retain = ", retain_graph=True" if self.chance(2) else ""
        form = self.draw(st.integers(0, 2))
        if form == 0 or (form == 1 and x.ndim == 0):
            root = x.name if x.ndim == 0 else f"{x.name}.sum()"
            code = f"{root}.backward({retain.lstrip(', ')})"
        elif form == 1:
            code = f"{x.name}.backward(T.full_like({x.name}, 0.5){retain})"
        else:
            code = f"T.autograd.backward([{x.name}.mean()]{retain})"
        self.steps.append(Step((code,), guard=True))

    def grad(self) -> None:
        x = self.pick(lambda v: v.rg) or self.pick()
        inputs = [v for v in self.vars if v.rg and v is not x]
        if not inputs:
            return self.backward()
        chosen = self.draw(st.lists(st.sampled_from(inputs), min_size=1, max_size=2,
                                    unique_by=lambda v: v.name))
        create = self.draw(st.booleans())
        names = [self.name("g") for _ in chosen]
        opts = (", create_graph=True" if create else "") + ", allow_unused=True, " \
            "materialize_grads=True" * self.chance(2)
        opts = opts.rstrip(", ")
        root = x.name if x.ndim == 0 else f"{x.name}.sum()"
        lhs = ", ".join(names) + ("," if len(names) == 1 else "")
        code = f"{lhs} = T.autograd.grad({root}, [{', '.join(v.name for v in chosen)}]{opts})"
        if "materialize" not in code and "allow_unused" in code:
            code = code.replace(", allow_unused=True", "")
        fallback = tuple((nm, v.shape) for nm, v in zip(names, chosen))
        self.steps.append(Step((code,), guard=True, fallback=fallback))
        for nm, v in zip(names, chosen):
            self.vars.append(Var(nm, v.shape, create, not create))

    def misc(self) -> None:
        x = self.pick()
        kind = self.draw(st.integers(0, 9))
        if kind == 0:
            self.emit(f"{x.name}.detach()", x.shape, [], view_of=x, contig=x.contig)
        elif kind == 1:
            self.steps.append(Step((f"{x.name}.retain_grad()",), guard=True))
        elif kind == 2:
            if x.base is not None:
                # torch 2.13 segfaults registering a hook on a view whose base was written
                # in place under no_grad (`v = leaf[0:1]; with no_grad: v.fill_(0.5);
                # v.register_hook(f)`): no hooks on views, so a campaign is not killed.
                return
            hook = self.draw(st.sampled_from(["lambda g: log.append(g)", "lambda g: g * 2",
                                              "lambda g: print('hook', tuple(g.shape))"]))
            self.steps.append(Step((f"{x.name}.register_hook({hook})",), guard=True))
        elif kind == 3:
            hook = f"{x.name}.register_post_accumulate_grad_hook(lambda t: log.append(t.grad))"
            self.steps.append(Step((hook,), guard=True))
        elif kind == 4:
            self.steps.append(Step((f"log.append({x.name}.grad)",)))
        elif kind == 5:
            self.steps.append(Step((f"{x.name}.grad = None",)))
        elif kind == 6:
            self.steps.append(Step((f"{x.name}.detach_()",), guard=True))
            x.rg, x.leaf = False, True
        elif kind == 7:
            self.steps.append(Step((f"{x.name}.requires_grad_()",), guard=True))
            if x.leaf:
                x.rg = True
        elif kind == 8:
            self.steps.append(Step((f"print({x.name})",)))
        else:
            self.steps.append(Step((f"log.append(({x.name}._version, {x.name}.grad_fn))",)))

    def error(self) -> None:
        """A call torch rejects: an out-of-range dim, mismatched shapes, a bad view."""
        x = self.pick()
        n, s = x.ndim, x.shape
        bad = self.draw(st.sampled_from([n + 1, -n - 2, n + 3]))
        kind = self.draw(st.integers(0, 9))
        if kind == 0:
            code = f"{x.name}.sum({bad})"
        elif kind == 1:
            code = f"{x.name}.transpose(0, {bad})"
        elif kind == 2:
            code = f"{x.name}.unsqueeze({bad + 1 if bad > 0 else bad - 1})"
        elif kind == 3:
            code = f"{x.name}.softmax({bad})"
        elif kind == 4:
            code = f"{x.name}.view({math.prod(s) + 1})"
        elif kind == 5 and n:
            shape = list(s)
            i = self.draw(st.integers(0, n - 1))
            shape[i] = 2 if s[i] == 3 else 3
            code = f"{x.name} + {self.leaf(tuple(shape)).name}"
        elif kind == 6 and n:
            code = f"{x.name} @ {self.leaf((s[-1] + 1, 2)).name}"
        elif kind == 7 and n:
            code = f"{x.name}.expand({', '.join(str(e + 1) for e in s)})"
        elif kind == 8 and n:
            code = f"{x.name}.select(0, {s[0] + 1})"
        elif kind == 9 and n:
            shape = list(s)
            i = self.draw(st.integers(0, n - 1))
            shape[i] = 2 if s[i] == 3 else 3
            op = self.draw(st.sampled_from(["copy_", "add_", "mul_"]))
            code = f"{x.name}.{op}({self.leaf(tuple(shape)).name})"
        else:
            code = f"{x.name}.squeeze({bad})"
        self.steps.append(Step((code,), guard=True))

    # --- the draw
    KINDS = ("unary", "binary", "scalar", "view", "inplace", "backward", "reduce", "misc",
             "view", "grad", "error", "matmul", "function", "where", "max_dim", "binary",
             "inplace", "backward")


@st.composite
def programs(draw: Callable, max_steps: int = 10) -> Program:
    """A random autograd program (hypothesis strategy)."""
    dtype = draw(st.sampled_from(["float64", "float32"]))
    g = _Gen(draw, dtype)
    g.leaf(rg=True)
    for _ in range(draw(st.integers(1, max_steps))):
        getattr(g, draw(st.sampled_from(_Gen.KINDS)))()
    names = [v.name for v in g.vars]
    return Program(dtype, g.steps, list(dict.fromkeys(names)))


# ------------------------------------------------------------------ running and comparing
@dataclass
class Result:
    """The comparison of one program: its first difference (None: identical) and the runs."""

    diff: str | None
    torch: Run
    tapegrad: Run
    signature: str = ""
    extra: dict = field(default_factory=dict)


_DIGITS = re.compile(r"\d+")


def signature(diff: str, ref: Run, got: Run) -> str:
    """A coarse key for a divergence, so one campaign reports each kind once."""
    head = diff.split("\n")[0]
    if head.startswith("stdout"):
        a, b = ref.stdout.splitlines(), got.stdout.splitlines()
        for i in range(max(len(a), len(b))):
            x, y = (a[i] if i < len(a) else "<end>"), (b[i] if i < len(b) else "<end>")
            if x != y:
                head = f"stdout: {x[:70]} | {y[:70]}"
                break
    elif head.startswith("error") and got.error is not None:
        head = f"error: {ref.error and ref.error[0]}:{ref.error and ref.error[1][:50]} | " \
            f"{got.error[0]}:{got.error[1][:50]}"
    head = re.sub(r"\[[^\]]*\]", "[]", _DIGITS.sub("#", head))
    head = re.sub(r"(values differ).*", r"\1", head)
    return head[:160]


@dataclass(frozen=True)
class Listed:
    """A divergence README lists under "Semantics: where tapegrad differs from torch"."""

    name: str
    readme: str
    matches: Callable[[Program, str], bool]


LISTED = [
    Listed("gradient layout", "`.grad._version` where torch's kernels propagate a "
           "non-contiguous layout (a stolen vs a cloned gradient)",
           lambda p, d: d.split("\n")[0].split(":")[0].endswith("grad._version")),
    Listed("softmax double backward", "a create_graph backward through (log_)softmax records "
           "its formula's nodes, not torch's (Log)SoftmaxBackwardDataBackward0",
           lambda p, d: "SoftmaxBackwardDataBackward" in d.split("\n")[0]),
    Listed("zero tensor", "materialize_grads gives plain zeros where torch gives a ZeroTensor "
           "(whose .numpy() raises)", lambda p, d: "ZeroTensor" in d.split("\n")[0]),
    Listed("pointwise layout", "pointwise results are contiguous here; torch's TensorIterator "
           "gives them the layout of a non-contiguous input, so a later reshape is a view "
           "(ReshapeAliasBackward0) in torch and ViewBackward0 here, or a copy in torch "
           "(matmul's fold: UnsafeViewBackward0) and a view here, and stride() differs",
           lambda p, d: any(a in d.split("\n")[0] and b in d.split("\n")[0] for a, b in (
               ("'ReshapeAliasBackward", "'ViewBackward"), ("'BmmBackward", "'MmBackward"),
               ("'BmmBackward", "'MvBackward"), ("'UnsafeViewBackward", "'ViewBackward")))),
    Listed("generic double backward", "a create_graph backward through an op on the generic "
           "path (prod, cumprod, QR, ...) records a generic `<name>Backward` node where torch "
           "records its formula's nodes",
           lambda p, d: "create_graph=True" in p.source() and re.search(
               r"tapegrad '[A-Za-z_]+Backward'$", d.split("\n")[0]) is not None),
    Listed("CopySlices double backward", "a create_graph backward through an in-place op on "
           "a view records the scatter into the base as AsStridedScatterBackward0 where "
           "torch's CopySlices backward records CopyBackwards/CopySlices",
           lambda p, d: "create_graph=True" in p.source() and "'AsStridedScatterBackward" in
           d.split("\n")[0] and ("'CopySlices'" in d.split("\n")[0]
                                   or "'CopyBackwards'" in d.split("\n")[0])),
    Listed("create_graph gradient version", "a create_graph gradient torch's backward writes "
           "in place into a fresh tensor (max/min, index and scatter backwards) has _version 0",
           lambda p, d: "create_graph=True" in p.source() and _version_behind(d)),
    Listed("NaN sign", "the sign bit of a NaN made by an invalid operation (sqrt/log of a "
           "negative) is XLA's, so copysign and signbit of it differ",
           lambda p, d: ("copysign" in p.source() or "signbit" in p.source())
           and d.split("\n")[0].endswith("values differ") and _sign_only(d)),
    Listed("size-1 stride overlap", "the overlap check reads NOTE [Strides]: where torch keeps "
           "an older stride on a size-1 dim (`x[::2]` of a `(1, 3)` tensor) it sees a partial "
           "overlap and raises where tapegrad sees the same tensor",
           lambda p, d: "::" in p.source() and _torch_only_error(
               d, "refer to a single memory location")),
]


def _version_behind(diff: str) -> bool:
    """A `._version` where tapegrad's is torch's less 1 or 2 (later in-place ops add to
    both)."""
    m = re.search(r"\]\._version: torch (\d+) != tapegrad (\d+)$", diff.split("\n")[0])
    return m is not None and int(m.group(1)) - int(m.group(2)) in (1, 2)


_NUMBER = re.compile(r"-?(?:nan|inf|\d+\.?\d*(?:e[-+]?\d+)?)")


def _sign_only(diff: str) -> bool:
    """Values that differ only in sign (torch's and tapegrad's printed arrays)."""
    lines = diff.split("\n")
    a = [ln for ln in lines if ln.lstrip().startswith("torch:")]
    b = [ln for ln in lines if ln.lstrip().startswith("tapegrad:")]
    if len(a) != 1 or len(b) != 1:
        return False
    x = [float(v) for v in _NUMBER.findall(a[0].split(":", 1)[1])]
    y = [float(v) for v in _NUMBER.findall(b[0].split(":", 1)[1])]
    return (len(x) == len(y) and x != y
            and all(abs(u) == abs(v) or (u != u and v != v) for u, v in zip(x, y)))


def _torch_only_error(diff: str, text: str) -> bool:
    """Whether the difference is torch raising (or printing) an error with `text` where
    tapegrad raised and printed nothing."""
    head = diff.split("\n")[0]
    torch_side, _, tg_side = head.partition(" != tapegrad ")
    return text in torch_side and tg_side in ("None", "''")


def listed(program: Program, diff: str) -> Listed | None:
    """The README entry a divergence is an instance of, or None (an open divergence)."""
    for entry in LISTED:
        if entry.matches(program, diff):
            return entry
    return None


def check(program: Program) -> Result:
    """Run `program` under torch and tapegrad and compare (tolerances by its dtype)."""
    rtol, atol = TOLERANCES[program.dtype]
    diff, ref, got = compare(program.function(), rtol=rtol, atol=atol)
    return Result(diff, ref, got, signature(diff, ref, got) if diff else "")


def shrink(program: Program, sig: str) -> Program:
    """Drop steps while the same divergence remains (after hypothesis's own shrinking)."""
    changed = True
    while changed:
        changed = False
        for i in range(len(program.steps) - 1, -1, -1):
            smaller = program.without(i)
            if smaller is None or not smaller.steps:
                continue
            try:
                r = check(smaller)
            except Exception:  # noqa: BLE001, S112 - a harness failure is not this divergence
                continue
            if r.diff and r.signature == sig:
                program, changed = smaller, True
    return replace(program)
