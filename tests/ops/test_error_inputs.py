"""Error inputs from the table: each op_db error sample, and an out-of-range value for every
declared dim argument, raise in tapegrad what they raise in torch (class and first line).

torch must raise on each (an error input it accepts is a bug in op_db). An in-place call that
raises leaves its target as it was (value and version).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.ops import FUNCTIONS, NAMESPACES, REGISTRY
from tapegrad.testing import run

from op_calls import call, default_form, entry, error_form, forms, seed_of
from op_db import OPS, S, make_inputs


def _dim_errors(info) -> list[S]:
    """For each declared dim argument passed by the first sample: the sample with that dim
    one past the range (and one below it), which torch rejects with an IndexError."""
    e = entry(info)
    if e is None or not e.dims or not info.samples:
        return []
    impl = (NAMESPACES[e.namespace][e.name] if e.namespace else
            FUNCTIONS.get(e.name) or getattr(tg.Tensor, e.name))
    out = []
    for d, extra in e.dims.items():
        # The first sample that passes this dim.
        for sample in info.samples:
            args, kwargs = make_inputs(tg, sample, tg.float64, 0)
            bound = inspect.signature(impl).bind(*args, **kwargs)
            if bound.arguments.get(d) is not None and not isinstance(bound.arguments[d],
                                                                     bool):
                break
        else:
            continue
        ndim = bound.args[0].ndim
        for bad in (ndim + extra, -(ndim + extra) - 1):
            value = bound.arguments[d]
            new = (bad,) + tuple(value[1:]) if isinstance(value, tuple) else bad
            names = list(bound.arguments)
            pos = list(sample.args)
            kw = dict(sample.kwargs)
            index = names.index(d)
            if index < len(pos):
                pos[index] = new
            else:
                kw[d] = new
            out.append(S(*pos, **kw))
    return out


CASES = []
for _info in OPS:
    for _i, _sample in enumerate(_info.errors):
        CASES.append((_info, _sample, "given", error_form(_info)))
    for _sample in _dim_errors(_info):
        CASES.append((_info, _sample, "dim", default_form(_info)))
        for _form in forms(_info):
            CASES.append((_info, _sample, "dim", _form))


def _program(info, sample, form):
    seed = seed_of(info, 0, "error")

    def program(T):
        args, kwargs = make_inputs(T, sample, T.float64, seed)
        before = [(np.asarray(a.detach()), a._version) for a in args[:1]
                  if isinstance(a, T.Tensor)]
        try:
            return call(info, T, args, kwargs, form)
        finally:
            # Bad input leaves state as it was (no half-written in-place target).
            for a, (value, version) in zip(args[:1], before):
                assert a._version == version and np.array_equal(np.asarray(a.detach()), value)

    return program


@pytest.mark.parametrize("op,sample,kind,form", CASES,
                         ids=[f"{o.name}-{k}-{f}-{s!r}" for o, s, k, f in CASES])
def test_error_input_raises_torchs_error(op, sample, kind, form):
    ref = run(_program(op, sample, form), "torch")
    assert ref.error is not None, f"torch accepts this error input: {sample!r}"
    got = run(_program(op, sample, form), "tapegrad")
    assert got.error == ref.error, f"{got.error} != torch {ref.error}\n{got.traceback}"


def test_every_declared_dim_is_range_checked():
    # Every declaration with dims gets generated error inputs (its first sample must pass
    # the dim), so no dim argument escapes the check.
    covered = {c[0].op for c in CASES if c[2] == "dim"}
    missing = sorted(k for k, e in REGISTRY.items() if e.dims and k not in covered)
    assert not missing, f"declared dims without a sample passing them: {missing}"


DIM_NAMES = {"dim", "dims", "dim0", "dim1", "dim2", "start_dim", "end_dim", "source",
             "destination"}
# Parameters so named that are not dims.
NOT_DIMS = {"tile": "its `dims` are repeat counts",
            "masked_scatter": "its `source` is a tensor of values"}


def test_every_op_taking_a_dim_has_dim_errors():
    # Ops that take a dim but wrap it in their body (cat, stack, split, ...) must have an
    # out-of-range dim among their given error inputs; torch's IndexError is checked above.
    missing = []
    for key, e in REGISTRY.items():
        impl = e.impl if not hasattr(e.impl, "jit") else None
        if impl is None or e.dims or key in NOT_DIMS:
            continue
        params = set(inspect.signature(impl).parameters)
        if not params & DIM_NAMES:
            continue
        infos = [i for i in OPS if i.op == key]
        if not any(_raises_index_error(i) for i in infos):
            missing.append(key)
    assert not missing, f"ops taking a dim without an out-of-range dim error input: {missing}"


def _raises_index_error(info) -> bool:
    for sample in info.errors:
        ref = run(_program(info, sample, error_form(info)), "torch")
        if ref.error is not None and ref.error[0] == "IndexError":
            return True
    return False
