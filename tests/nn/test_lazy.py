"""Lazy modules against torch: materialization at the first forward (shapes from the input, the
class becoming the ordinary one), values and gradients once materialized (float64, same weights
copied in), state_dict/load_state_dict with uninitialized tensors, the uninitialized tensors'
allowed and refused uses (torch's classes and messages), optimizers built before the first
forward; and the deprecated nn.Container / nn.NLLLoss2d and nn.CrossMapLRN2d."""

from __future__ import annotations

import copy
import re
import warnings
import zlib

import numpy as np
import pytest
import torch
from nn_db import fill_state
from test_layers import IGNORE, TOL

import tapegrad as tg
from tapegrad.testing import assert_parity

LAZY = [
    ("LazyLinear", lambda T: T.nn.LazyLinear(3), (2, 5)),
    ("LazyLinear-nobias", lambda T: T.nn.LazyLinear(3, bias=False), (2, 4, 5)),
    ("LazyConv1d", lambda T: T.nn.LazyConv1d(4, 3, padding=1), (2, 3, 8)),
    ("LazyConv1d-unbatched", lambda T: T.nn.LazyConv1d(4, 3), (3, 8)),
    ("LazyConv2d", lambda T: T.nn.LazyConv2d(6, 3, stride=2, groups=3, bias=False),
     (2, 3, 6, 6)),
    ("LazyConv3d", lambda T: T.nn.LazyConv3d(2, 2), (1, 2, 4, 4, 4)),
    ("LazyConvTranspose1d", lambda T: T.nn.LazyConvTranspose1d(2, 3, stride=2), (2, 3, 8)),
    ("LazyConvTranspose2d", lambda T: T.nn.LazyConvTranspose2d(4, 3, stride=2, padding=1,
                                                               output_padding=1), (2, 3, 6, 6)),
    ("LazyConvTranspose3d", lambda T: T.nn.LazyConvTranspose3d(2, 2, stride=2),
     (1, 2, 4, 4, 4)),
    ("LazyBatchNorm1d", lambda T: T.nn.LazyBatchNorm1d(), (4, 5)),
    ("LazyBatchNorm2d", lambda T: T.nn.LazyBatchNorm2d(momentum=None), (2, 3, 6, 6)),
    ("LazyBatchNorm3d", lambda T: T.nn.LazyBatchNorm3d(affine=False), (1, 2, 4, 4, 4)),
    ("LazyInstanceNorm1d", lambda T: T.nn.LazyInstanceNorm1d(), (2, 3, 8)),
    ("LazyInstanceNorm2d", lambda T: T.nn.LazyInstanceNorm2d(affine=False,
                                                             track_running_stats=False),
     (2, 3, 6, 6)),
    ("LazyInstanceNorm3d", lambda T: T.nn.LazyInstanceNorm3d(), (1, 2, 4, 4, 4)),
]


def lazy_program(name, make, shape):
    seed = zlib.crc32(name.encode())

    def program(T):
        rng = np.random.default_rng(seed)
        module = make(T).to(T.float64)
        before = (type(module).__name__, repr(module), module.has_uninitialized_params(),
                  sorted(module.state_dict()))
        x = T.tensor(rng.uniform(-2, 2, size=shape), dtype=T.float64, requires_grad=True)
        module(x)  # materializes
        after = (type(module).__name__, repr(module), hasattr(module, "_initialize_hook"),
                 [(k, tuple(v.shape), str(v.dtype).split(".")[-1])
                  for k, v in module.state_dict().items()])
        fill_state(T, module, rng)
        out = module(x)
        T.autograd.backward([out], [T.tensor(rng.uniform(-1, 1, size=tuple(out.shape)),
                                             dtype=out.dtype)])
        return ([out], [x], list(module.named_parameters()), list(module.named_buffers()),
                before, after)

    program.__name__ = name
    return program


@pytest.mark.parametrize("name,make,shape", LAZY, ids=[c[0] for c in LAZY])
def test_lazy_module_materializes_like_torch(name, make, shape):
    run = assert_parity(lazy_program(name, make, shape), ignore=IGNORE, **TOL["float64"])
    assert run.error is None, run.error


LAZY_REPRS = ["nn.LazyLinear(3)", "nn.LazyLinear(3, bias=False)", "nn.LazyConv1d(4, 3)",
              "nn.LazyConv2d(4, 3, stride=2, padding=1, groups=2, bias=False)",
              "nn.LazyConv3d(2, (1, 2, 3), dilation=2)",
              "nn.LazyConvTranspose2d(4, 3, stride=2, output_padding=1)",
              "nn.LazyConvTranspose1d(4, 3)", "nn.LazyConvTranspose3d(4, 3, groups=2)",
              "nn.LazyBatchNorm1d()", "nn.LazyBatchNorm2d(eps=1e-3, affine=False)",
              "nn.LazyBatchNorm3d(track_running_stats=False)", "nn.LazyInstanceNorm1d()",
              "nn.LazyInstanceNorm2d(affine=False)", "nn.LazyInstanceNorm3d(momentum=0.2)"]


@pytest.mark.parametrize("expr", LAZY_REPRS)
def test_lazy_repr_and_state_dict_keys_match_torch(expr):
    ours, theirs = eval(expr, {"nn": tg.nn}), eval(expr, {"nn": torch.nn})
    assert repr(ours) == repr(theirs)
    assert ({k: repr(v) for k, v in ours.state_dict().items()}
            == {k: repr(v) for k, v in theirs.state_dict().items()})
    assert ours.has_uninitialized_params() == theirs.has_uninitialized_params()
    assert ([(n, repr(p)) for n, p in ours.named_parameters()]
            == [(n, repr(p)) for n, p in theirs.named_parameters()])


def test_classes_and_exports_match_torch():
    from tapegrad.nn.modules.lazy import LazyModuleMixin
    from tapegrad.nn.parameter import UninitializedBuffer, UninitializedParameter, is_lazy

    assert tg.nn.UninitializedParameter is UninitializedParameter
    assert tg.nn.UninitializedBuffer is UninitializedBuffer
    for T, mixin in ((tg, LazyModuleMixin), (torch, torch.nn.modules.lazy.LazyModuleMixin)):
        m = T.nn.LazyLinear(2)
        assert isinstance(m, mixin) and isinstance(m, T.nn.Linear)
        assert m.cls_to_become is T.nn.Linear
        assert isinstance(m.weight, T.nn.Parameter)
        assert T.nn.parameter.is_lazy(m.weight)
        m(T.ones(1, 3))
        assert type(m) is T.nn.Linear and not isinstance(m, mixin)
        assert type(m.weight) is T.nn.Parameter and not T.nn.parameter.is_lazy(m.weight)
    assert is_lazy(UninitializedBuffer()) and not is_lazy(tg.ones(1))
    assert not hasattr(tg.nn, "LazyModuleMixin") and not hasattr(torch.nn, "LazyModuleMixin")


def _observe(T, expr, p):
    try:
        value = eval(expr, {"p": p, "T": T, "F": T.nn.functional, "copy": copy})
    except Exception as e:  # noqa: BLE001 - the class and text are compared
        # torch names its C function (`<built-in function linear>`, `<method 'add' of ...>`);
        # tapegrad names its own (`<function add>`): compared up to that name.
        return type(e).__name__, re.sub(r"parameter in <.*?>\.", "parameter in <f>.", str(e))
    if T.nn.parameter.is_lazy(value):
        return ("lazy", type(value).__name__, str(value.dtype).split(".")[-1],
                value.requires_grad)
    if isinstance(value, T.Tensor):
        return ("tensor", tuple(value.shape), str(value.dtype).split(".")[-1],
                type(value).__name__, value.requires_grad)
    if isinstance(value, T.dtype):
        return str(value).split(".")[-1]
    return value if not isinstance(value, T.Size) else tuple(value)


EXPRS = ["p.size()", "p.ndim", "p.dtype", "p.requires_grad", "p.is_leaf", "p.grad",
         "p.is_floating_point()", "p.is_complex()", "repr(p)", "p.double()", "p.half()",
         "p.to(T.float64)", "p.long()", "p.data", "p.shape", "p.dim()", "p.numel()", "p + 1",
         "T.add(p, 1)", "p * p", "p.sum()", "p.mean()", "p.detach()", "p.view(2)",
         "F.linear(T.ones(2, 3), p)", "F.conv1d(T.ones(1, 1, 3), p)", "T.zeros_like(p)",
         "p.share_memory_()", "p.cls_to_become.__name__", "type(p).__name__",
         "p.requires_grad_(False)", "setattr(p, 'requires_grad', False) or p.requires_grad",
         "copy.deepcopy(p)",
         "T.nn.parameter.is_lazy(p)"]


@pytest.mark.parametrize("kind", ["UninitializedParameter", "UninitializedBuffer"])
@pytest.mark.parametrize("expr", EXPRS)
def test_uninitialized_tensor_uses_match_torch(kind, expr):
    ours = _observe(tg, expr, getattr(tg.nn, kind)())
    theirs = _observe(torch, expr, getattr(torch.nn, kind)())
    assert ours == theirs


def test_uninitialized_tensor_construction_and_materialize():
    for T in (tg, torch):
        p = T.nn.UninitializedParameter(requires_grad=False, dtype=T.float64)
        assert not p.requires_grad and p.dtype is T.float64
        p.materialize((2, 3))
        assert type(p) is T.nn.Parameter and tuple(p.shape) == (2, 3)
        assert p.dtype is T.float64 and not p.requires_grad
        b = T.nn.UninitializedBuffer(persistent=False)
        assert b.persistent is False and T.nn.UninitializedBuffer().persistent is True
        assert not b.requires_grad
        b.materialize(4, dtype=T.float16)
        assert type(b) is T.Tensor and tuple(b.shape) == (4,) and b.dtype is T.float16
        q = copy.deepcopy(T.nn.UninitializedParameter(dtype=T.float64))
        assert type(q) is T.nn.UninitializedParameter and q.dtype is T.float64


def test_module_dtype_conversion_before_first_forward():
    for T in (tg, torch):
        m = T.nn.LazyLinear(3).double()
        assert type(m.weight) is T.nn.UninitializedParameter
        assert m.weight.dtype is T.float64
        y = m(T.ones(2, 4, dtype=T.float64))
        assert y.dtype is T.float64 and m.weight.dtype is T.float64
        m2 = T.nn.LazyConv2d(2, 3, dtype=T.float64)
        m2(T.ones(1, 2, 4, 4, dtype=T.float64))
        assert m2.weight.dtype is T.float64 and tuple(m2.weight.shape) == (2, 2, 3, 3)


def test_state_dict_round_trips_like_torch():
    for T in (tg, torch):
        # initialized -> lazy: materializes from the checkpoint's shapes, the class stays lazy
        # until the first forward, which checks the input against them
        src = T.nn.Linear(5, 3)
        m = T.nn.LazyLinear(3)
        m.load_state_dict(src.state_dict())
        assert type(m) is T.nn.LazyLinear and not m.has_uninitialized_params()
        assert tuple(m.weight.shape) == (3, 5) and m.in_features == 0
        np.testing.assert_array_equal(np.asarray(m.weight.detach()),
                                      np.asarray(src.weight.detach()))
        with pytest.raises(AssertionError, match="The in_features inferred from input: 4 is not "
                                                 "equal to in_features from self.weight: 5"):
            m(T.ones(2, 4))
        m(T.ones(2, 5))
        assert type(m) is T.nn.Linear and m.in_features == 5
        # lazy -> lazy: nothing materializes
        m = T.nn.LazyLinear(3)
        m.load_state_dict(T.nn.LazyLinear(3).state_dict())
        assert m.has_uninitialized_params()
        # lazy -> initialized: torch's RuntimeError from reading the shape
        with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
            T.nn.Linear(2, 3).load_state_dict(T.nn.LazyLinear(3).state_dict())
        # batch norm: parameters and buffers from the checkpoint
        bn = T.nn.LazyBatchNorm1d()
        bn.load_state_dict(T.nn.BatchNorm1d(4).state_dict())
        assert not bn.has_uninitialized_params() and tuple(bn.running_var.shape) == (4,)
        # keep_vars keeps the Parameter objects, lazy ones too
        lz = T.nn.LazyLinear(2)
        assert lz.state_dict(keep_vars=True)["weight"] is lz.weight


def test_optimizer_built_before_first_forward_trains_like_torch():
    """Sequential(LazyLinear, ReLU, LazyLinear) with Adam made before the first forward: the
    Parameter objects stay through materialization; same weights, float64, losses equal."""
    x = np.random.default_rng(0).normal(size=(6, 4))
    target = np.random.default_rng(1).normal(size=(6, 2))
    losses = {}
    for T in (torch, tg):
        model = T.nn.Sequential(T.nn.LazyLinear(5), T.nn.ReLU(), T.nn.LazyLinear(2)).double()
        params_before = list(model.parameters())
        opt = T.optim.Adam(model.parameters(), lr=0.01)
        model(T.tensor(x))
        assert [id(p) for p in model.parameters()] == [id(p) for p in params_before]
        assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
        fill_state(T, model, np.random.default_rng(2))
        out = []
        for _ in range(4):
            opt.zero_grad()
            loss = T.nn.functional.mse_loss(model(T.tensor(x)), T.tensor(target))
            loss.backward()
            opt.step()
            out.append(loss.item())
        losses[T.__name__] = out
    np.testing.assert_allclose(losses["tapegrad"], losses["torch"], rtol=1e-12)


def test_lazy_errors_match_torch():
    cases = [
        ("T.nn.LazyConv2d(4, 3)(T.ones(3, 4))", RuntimeError),
        ("T.nn.LazyConv1d(4, 3, groups=2)(T.ones(1, 3, 5))", ValueError),
        ("T.nn.LazyBatchNorm2d()(T.ones(2, 3))", ValueError),
        ("T.nn.LazyInstanceNorm1d()(T.ones(2, 3, 4, 5))", ValueError),
        ("T.nn.LazyLinear(3).weight.shape", RuntimeError),
        ("T.nn.LazyLinear(3)._replicate_for_data_parallel()", RuntimeError),
        ("T.nn.modules.lazy.LazyModuleMixin.initialize_parameters(T.nn.Linear(1, 1))",
         NotImplementedError),
    ]
    for expr, cls in cases:
        texts = []
        for T in (tg, torch):
            with pytest.raises(cls) as info:
                eval(expr, {"T": T})
            texts.append(str(info.value).replace("torch.Size", "Size"))
        assert texts[0] == texts[1], expr


def test_hook_that_leaves_params_uninitialized_raises_like_torch():
    texts = []
    for T in (tg, torch):
        m = T.nn.LazyLinear(3)
        m.initialize_parameters = lambda *a, **k: None
        with pytest.raises(RuntimeError) as info:
            m(T.ones(1, 2))
        texts.append(str(info.value))
    assert texts[0] == texts[1] == "module LazyLinear has not been fully initialized"


def test_transposed_conv_output_size_reaches_initialize_parameters():
    for T in (tg, torch):
        m = T.nn.LazyConvTranspose2d(2, 3, stride=2)
        y = m(T.ones(1, 3, 4, 4), output_size=(10, 10))
        assert tuple(y.shape) == (1, 2, 10, 10) and type(m) is T.nn.ConvTranspose2d


def test_lazy_instance_norm_counts_features_at_dim_1_even_unbatched():
    # torch's _LazyNormBase takes input.shape[1] even for an unbatched (C, L) input, so the
    # affine module then refuses it; without parameters nothing is inferred (num_features 0)
    texts = []
    for T in (tg, torch):
        m = T.nn.LazyInstanceNorm1d()
        with pytest.raises(ValueError) as info:
            m(T.ones(3, 5))
        texts.append(str(info.value))
        assert m.num_features == 5 and type(m) is T.nn.InstanceNorm1d
        m = T.nn.LazyInstanceNorm1d(affine=False, track_running_stats=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m(T.ones(3, 5))
        assert m.num_features == 0 and type(m) is T.nn.InstanceNorm1d
    assert texts[0] == texts[1]


# ------------------------------------------------------------------ legacy layers
def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, [(w.category.__name__, str(w.message), w.filename) for w in caught]


def test_container_is_deprecated_like_torch():
    got = []
    for T in (tg, torch):
        c, made = _warnings_of(lambda: T.nn.Container(a=T.nn.ReLU(), b=T.nn.Linear(2, 3)))
        sub, subclassed = _warnings_of(lambda: type("Sub", (T.nn.Container,), {}))
        _, made_sub = _warnings_of(sub)
        assert made_sub == []  # torch warns for the class itself, not its subclasses
        got.append((repr(c), list(c.state_dict()), made, [w[:2] for w in subclassed]))
        assert made[0][2] == __file__
    assert got[0] == got[1]


def test_nll_loss_2d_is_deprecated_nll_loss_like_torch():
    rng = np.random.default_rng(0)
    x0 = rng.normal(size=(2, 4, 3, 3))
    t0 = rng.integers(0, 4, size=(2, 3, 3))
    w0 = rng.uniform(0.5, 1.5, size=4)
    got = []
    for T in (tg, torch):
        loss, caught = _warnings_of(lambda: T.nn.NLLLoss2d(weight=T.tensor(w0), ignore_index=1))
        x = T.tensor(x0, requires_grad=True)
        out = loss(T.nn.functional.log_softmax(x, 1), T.tensor(t0))
        out.backward()
        got.append((repr(loss), [w[:2] for w in caught], float(out), np.asarray(x.grad),
                    isinstance(loss, T.nn.NLLLoss), type(out.grad_fn).__name__))
    np.testing.assert_allclose(got[0][2], got[1][2], rtol=1e-12)
    np.testing.assert_allclose(got[0][3], got[1][3], rtol=1e-12, atol=1e-14)
    assert got[0][:2] + got[0][4:] == got[1][:2] + got[1][4:]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 6, 9])
def test_cross_map_lrn2d_matches_torchs_function(size):
    # torch's legacy Function: a running sum over channels that keeps channel 0 once past the
    # first maps, and a backward of its own (not that forward's derivative): both matched
    rng = np.random.default_rng(size)
    x0, g0 = rng.normal(size=(2, 7, 3, 2)), rng.normal(size=(2, 7, 3, 2))
    got = []
    for T in (tg, torch):
        m = T.nn.CrossMapLRN2d(size, 0.3, 0.6, 1.5)
        x = T.tensor(x0, requires_grad=True)
        y = m(x)
        try:
            y.backward(T.tensor(g0))
            grad = np.asarray(x.grad)
        except RuntimeError as e:  # size 1: torch's backward overruns its buffer
            grad = str(e)
        got.append((np.asarray(y.detach()), grad, type(y.grad_fn).__name__,
                    [type(f).__name__ for f, _ in y.grad_fn.next_functions], repr(m)))
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-12)
    if isinstance(got[1][1], str):
        assert got[0][1] == got[1][1]
    else:
        np.testing.assert_allclose(got[0][1], got[1][1], rtol=1e-12, atol=1e-14)
    assert got[0][2:] == got[1][2:]


def test_cross_map_lrn2d_errors_and_repr_match_torch():
    texts = []
    for T in (tg, torch):
        with pytest.raises(ValueError) as info:
            T.nn.CrossMapLRN2d(3)(T.ones(2, 3, 4))
        texts.append((str(info.value), repr(T.nn.CrossMapLRN2d(5, 1e-3, 0.5, 2))))
    assert texts[0] == texts[1]


def test_cross_map_lrn2d_refuses_create_graph_like_torch():
    x0 = np.random.default_rng(0).normal(size=(1, 4, 2, 2))
    texts = []
    for T in (tg, torch):
        x = T.tensor(x0, requires_grad=True)
        y = T.nn.CrossMapLRN2d(3)(x)
        with pytest.raises(RuntimeError) as info:
            T.autograd.grad(y.sum(), x, create_graph=True)
        texts.append(str(info.value))
    assert texts[0] == texts[1]
