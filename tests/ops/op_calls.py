"""How to call an op_db entry under torch or tapegrad, derived from its declaration.

`call(info, T, args, kwargs, form)` runs the entry's `fn` if it has one, else the declared
public name in the given form: "function" (`T.x`, `T.<namespace>.x`, or
`T.nn.functional.x` for functional-only names), "method" (`args[0].x(...)`) or "inplace"
(`args[0].x_(...)` on a non-leaf copy, returning it).
"""

from __future__ import annotations

import zlib

import numpy as np

from tapegrad.ops import REGISTRY

from op_db import OpInfo, flat_outputs, make_inputs, tensors_in


def entry(info: OpInfo):
    return REGISTRY.get(info.op) if info.op is not None else None


def default_form(info: OpInfo) -> str:
    e = entry(info)
    if info.fn is not None or e is None:
        return "fn"
    if e.function or e.functional:
        return "function"
    return "method"


def error_form(info: OpInfo) -> str:
    """Error inputs go through the declared call where there is one (a sample's `fn` may
    prepare its inputs in ways bad inputs would trip over first)."""
    e = entry(info)
    if e is None or not (e.function or e.functional or e.method is True) or e.prop:
        return "fn"
    return "function" if e.function or e.functional else "method"


def forms(info: OpInfo) -> list[str]:
    """The forms the declaration has beyond the default one (method, in-place)."""
    e = entry(info)
    if e is None or info.fn is not None:
        return []
    out = []
    if e.method is True and default_form(info) != "method" and not e.prop:
        out.append("method")
    if e.inplace:
        out.append("inplace")
    return out


def _namespace(T, e):
    if e.namespace:
        out = T
        for part in e.namespace.split("."):  # (`nn.functional`)
            out = getattr(out, part)
        return out
    if not e.function and e.functional:
        return T.nn.functional
    return T


def call(info: OpInfo, T, args: list, kwargs: dict, form: str):
    if form == "fn":
        return info.fn(T, *args, **kwargs)
    e = entry(info)
    if form == "function":
        return getattr(_namespace(T, e), e.name)(*args, **kwargs)
    if form == "method":
        return getattr(args[0], e.name)(*args[1:], **kwargs)
    target = args[0] * 1 if args[0].requires_grad else args[0].clone()
    out = getattr(target, e.name + "_")(*args[1:], **kwargs)
    assert out is target, "an in-place method returns its target"
    return target


def seed_of(info: OpInfo, index: int, what: str = "") -> int:
    return zlib.crc32(f"{info.name}:{index}{what}".encode())


def _seed(rng, shape: tuple, complex_: bool):
    """A backward seed: uniform in [-1, 1), in both parts for a complex output."""
    seed = rng.uniform(-1, 1, size=shape)
    return seed + 1j * rng.uniform(-1, 1, size=shape) if complex_ else seed


def program(info: OpInfo, index: int, dtype_name: str, form: str, errors: bool = False):
    """`program(T)` for the harness: build the sample, call, backward with a random seed
    gradient; returns the outputs and inputs (observed: values, graphs, grads, versions)."""
    sample = (info.errors if errors else info.samples)[index]
    seed = seed_of(info, index)

    def run(T):
        args, kwargs = make_inputs(T, sample, getattr(T, dtype_name), seed)
        result = call(info, T, args, kwargs, form)
        outs = [o for o in flat_outputs(result) if isinstance(o, T.Tensor)]
        diff = [o for o in outs if o.requires_grad]
        if diff:
            rng = np.random.default_rng(seed + 1)
            grads = [T.tensor(_seed(rng, tuple(o.shape), o.dtype.is_complex), dtype=o.dtype)
                     for o in diff]
            T.autograd.backward(diff, grads)
        return outs, tensors_in(args, kwargs)

    run.__name__ = f"{info.name}[{index}]-{dtype_name}-{form}"
    return run
