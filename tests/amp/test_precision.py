"""float32 matmul/conv precision: torch's settings and defaults (checked against live torch),
and the setting reaching the kernels (`precision=` on every dot_general/conv_general_dilated in
their jaxprs, forward and backward). On the CPU XLA computes float32 in full precision
whatever the setting, so the GPU choice is checked by pretending the backend is a GPU."""

from __future__ import annotations

import jax
import numpy as np
import pytest

import tapegrad as tg
from tapegrad import _numerics
from tapegrad.testing import assert_parity


@pytest.fixture(autouse=True)
def _restore_settings():
    yield
    tg.set_float32_matmul_precision("highest")
    tg.backends.cudnn.allow_tf32 = True
    _numerics._gpu = None
    _numerics._refresh()


def _fresh(T):
    # torch keeps these process-wide: start each program from the defaults.
    T.set_float32_matmul_precision("highest")
    T.backends.cudnn.allow_tf32 = True


def _state(T):
    try:
        precision = T.get_float32_matmul_precision()
    except RuntimeError as e:
        precision = str(e)
    return (precision, T.backends.cuda.matmul.allow_tf32, T.backends.cudnn.allow_tf32)


def test_defaults_match_torch():
    assert_parity(lambda T: (_fresh(T), _state(T), T.backends.cudnn.enabled,
                             T.backends.cudnn.deterministic, T.backends.cudnn.benchmark))


SEQUENCES = {
    "high": [("p", "high")],
    "medium": [("p", "medium")],
    "medium_then_highest": [("p", "medium"), ("p", "highest")],
    "tf32_true": [("t", True)],
    "tf32_true_false": [("t", True), ("t", False)],
    "tf32_then_medium": [("t", True), ("p", "medium")],
    "high_then_tf32_true": [("p", "high"), ("t", True)],
    "highest_then_tf32_true": [("p", "highest"), ("t", True)],
    # mixing the two APIs into disagreement: torch's RuntimeError on reading the precision
    "high_then_tf32_false": [("p", "high"), ("t", False)],
    "medium_then_tf32_true": [("p", "medium"), ("t", True)],
    "cudnn_off": [("c", False)],
}


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_setting_sequences_match_torch(name):
    def program(T):
        _fresh(T)
        out = []
        for kind, value in SEQUENCES[name]:
            if kind == "p":
                T.set_float32_matmul_precision(value)
            elif kind == "t":
                T.backends.cuda.matmul.allow_tf32 = value
            else:
                T.backends.cudnn.allow_tf32 = value
            out.append(_state(T))
        _fresh(T)
        return out

    program.__name__ = name
    assert_parity(program)


BAD = {
    "unknown_name": lambda T: (T.set_float32_matmul_precision("HIGH"),
                               T.get_float32_matmul_precision()),
    "empty_name": lambda T: T.set_float32_matmul_precision(""),
    "not_str": lambda T: T.set_float32_matmul_precision(3),
    "none": lambda T: T.set_float32_matmul_precision(None),
    "tf32_int": lambda T: setattr(T.backends.cuda.matmul, "allow_tf32", 1),
    "tf32_unknown_attr": lambda T: T.backends.cuda.matmul.foo,
    "tf32_set_unknown": lambda T: setattr(T.backends.cuda.matmul, "foo", 1),
    "cudnn_tf32_str": lambda T: setattr(T.backends.cudnn, "allow_tf32", "x"),
    "cudnn_enabled": lambda T: setattr(T.backends.cudnn, "enabled", 1),
    "cudnn_deterministic": lambda T: setattr(T.backends.cudnn, "deterministic", None),
    "cudnn_benchmark": lambda T: setattr(T.backends.cudnn, "benchmark", 0.0),
    "cudnn_flags_ok": lambda T: [(setattr(T.backends.cudnn, n, v), getattr(T.backends.cudnn, n))
                                 for n in ("enabled", "deterministic", "benchmark")
                                 for v in (not getattr(T.backends.cudnn, n),
                                           getattr(T.backends.cudnn, n))],
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_validation_matches_torch(name):
    def program(T):
        _fresh(T)
        return BAD[name](T)

    program.__name__ = name
    assert_parity(program)


# ------------------------------------------------------------------ reaching the kernels
def _precisions(fn, *arrays) -> list[str]:
    """The precision of every dot_general / conv_general_dilated `fn` traces to (nested jits
    included)."""
    out: list[str] = []

    def walk(jaxpr) -> None:
        for eqn in jaxpr.eqns:
            if eqn.primitive.name in ("dot_general", "conv_general_dilated"):
                p = eqn.params.get("precision")
                out.append("NONE" if p is None else str(p[0]).split(".")[-1])
            for v in eqn.params.values():
                for sub in v if isinstance(v, (list, tuple)) else (v,):
                    inner = getattr(sub, "jaxpr", sub)
                    if hasattr(inner, "eqns"):
                        walk(inner)

    walk(jax.make_jaxpr(fn)(*arrays).jaxpr)
    assert out, "no matmul or convolution traced"
    return out


M = np.arange(16, dtype=np.float32).reshape(4, 4) / 7
F = tg.nn.functional

KERNELS = {
    "mm": lambda a: tg.mm(a, a),
    "matmul_3d": lambda a: tg.matmul(a.unsqueeze(0).expand(2, 4, 4), a),
    "bmm": lambda a: tg.bmm(a[None], a[None]),
    "addmm": lambda a: tg.addmm(a, a, a),
    "baddbmm": lambda a: tg.baddbmm(a[None], a[None], a[None]),
    "addmv": lambda a: tg.addmv(a[0], a, a[1]),
    "mv": lambda a: tg.mv(a, a[0]),
    "dot": lambda a: tg.dot(a[0], a[1]),
    "linear": lambda a: F.linear(a, a, a[0]),
    "einsum": lambda a: tg.einsum("ij,jk->ik", a, a),
    "bilinear": lambda a: F.bilinear(a, a, a[None]),
    "sdpa": lambda a: F.scaled_dot_product_attention(a[None, None], a[None, None],
                                                     a[None, None]),
}


def _forward_backward(op):
    def fn(array):
        x = tg.from_jax(array).requires_grad_()
        out = op(x)
        (g,) = tg.autograd.grad(out.sum(), x)
        return out.jax(), g.jax()
    return fn


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_matmul_setting_reaches_forward_and_backward_kernels(name):
    fn = _forward_backward(KERNELS[name])
    assert set(_precisions(fn, M)) == {"HIGHEST"}  # torch's default: full precision
    tg.set_float32_matmul_precision("high")
    assert set(_precisions(fn, M)) == {"HIGH"}
    tg.set_float32_matmul_precision("medium")
    assert set(_precisions(fn, M)) == {"DEFAULT"}


def test_conv_follows_cudnn_allow_tf32_on_a_gpu():
    img = M.reshape(1, 1, 4, 4)
    fn = _forward_backward(lambda a: F.conv2d(a, a[:, :, :2, :2]))
    transposed = _forward_backward(lambda a: F.conv_transpose2d(a, a[:, :, :2, :2]))
    assert set(_precisions(fn, img)) == {"HIGHEST"}   # the CPU: full precision
    tg.set_float32_matmul_precision("high")            # torch: matmuls only, not convs
    assert set(_precisions(fn, img)) == {"HIGHEST"}
    _numerics._gpu = True                              # as on a GPU: cuDNN's TF32 default
    _numerics._refresh()
    assert set(_precisions(fn, img)) == {"HIGH"}
    assert set(_precisions(transposed, img)) == {"HIGH"}
    tg.backends.cudnn.allow_tf32 = False
    assert set(_precisions(fn, img)) == {"HIGHEST"}


def test_on_a_gpu_allow_tf32_decides_matmuls():
    _numerics._gpu = True
    _numerics._refresh()
    fn = _forward_backward(KERNELS["mm"])
    assert set(_precisions(fn, M)) == {"HIGHEST"}
    tg.backends.cuda.matmul.allow_tf32 = True
    assert set(_precisions(fn, M)) == {"HIGH"}
    tg.backends.cuda.matmul.allow_tf32 = False
    assert set(_precisions(fn, M)) == {"HIGHEST"}


def test_eager_and_fused_backward_values_follow_no_stale_kernel():
    # The fused backward cache is keyed by the setting: changing it back and forth gives
    # the same (CPU: full-precision) values and no error.
    x = tg.tensor(M.tolist(), requires_grad=True)
    grads = []
    for p in ("highest", "high", "highest"):
        tg.set_float32_matmul_precision(p)
        (g,) = tg.autograd.grad(tg.mm(x, x).sum(), x)
        grads.append(np.asarray(g.jax()))
    ones = np.ones((4, 4), np.float32)
    for g in grads:
        np.testing.assert_allclose(g, ones @ M.T + M.T @ ones, rtol=1e-6)


def test_compile_retraces_when_the_precision_changes():
    f = tg.compile(lambda a: tg.mm(a, a))
    x = tg.tensor(M.tolist())
    f(x)
    tg.set_float32_matmul_precision("high")
    f(x)
    assert f.compiles == 2
