"""Small complex programs under torch and tapegrad: values, grads (torch's conjugate Wirtinger
convention: for a real loss L of z = x + iy, z.grad is dL/dx + i dL/dy), grad_fn graphs and
warnings must agree. The op table (op_db_fft.py) checks each op alone; these check them
composed, through both backward paths (fused, and create_graph's recorded formulas)."""

from __future__ import annotations

import numpy as np
import pytest

from tapegrad.testing import assert_parity

RNG = np.random.default_rng(7)
A = RNG.uniform(-1, 1, (3, 4)) + 1j * RNG.uniform(-1, 1, (3, 4))
B = RNG.uniform(-1, 1, (3, 4)) + 1j * RNG.uniform(-1, 1, (3, 4))
X = RNG.uniform(-1, 1, (3, 4))
TOL = dict(rtol=1e-9, atol=1e-9)


def _inputs(T):
    z = T.tensor(A, dtype=T.complex128, requires_grad=True)
    w = T.tensor(B, dtype=T.complex128, requires_grad=True)
    x = T.tensor(X, dtype=T.float64, requires_grad=True)
    return z, w, x


def _fft_times_weight(T, z, w, x):
    return (T.fft.fft(x) * w).abs().sum()


def _self_conj(T, z, w, x):
    return (z * z.conj()).real.sum()


def _angle_of_quotient(T, z, w, x):
    return (z.exp() / w).angle().sum()


def _powers(T, z, w, x):
    return (z ** 2 + (z * z) ** 1.5).abs().mean()


def _mixed_real_complex(T, z, w, x):
    return ((x * z - w / (x + 2)).imag ** 2).sum()


def _promoted_real(T, z, w, x):
    return (x.to(T.complex128) * (1 + 2j) + z).abs().sum()


def _view_round_trip(T, z, w, x):
    r = T.view_as_real(z) * T.tensor([2.0, -1.0], dtype=T.float64)
    return (T.view_as_complex(r) * w).real.sum()


def _matmul(T, z, w, x):
    return (z @ w.mT).abs().sum() + (z.mT @ x).sgn().real.sum()


def _spectral_filter(T, z, w, x):
    filtered = T.fft.irfft(T.fft.rfft(x) * w[:, :3], n=4)
    return (filtered ** 2).sum() + T.fft.ifft2(z * w).abs().sum()


def _hermitian(T, z, w, x):
    return T.fft.hfft(z, n=5).sum() + T.fft.ihfft(x).abs().sum() + T.fft.hfftn(w).pow(2).sum()


def _tanh_sigmoid(T, z, w, x):
    return (z.tanh() * w).abs().sum() + (w.sigmoid() * z).real.sum()


def _prod_and_cumsum(T, z, w, x):
    return z.prod(1).abs().sum() + (z.cumsum(1) * w).real.sum()


PROGRAMS = [_fft_times_weight, _self_conj, _angle_of_quotient, _powers, _mixed_real_complex,
            _promoted_real, _view_round_trip, _matmul, _spectral_filter, _hermitian,
            _prod_and_cumsum, _tanh_sigmoid]


@pytest.mark.parametrize("body", PROGRAMS, ids=[p.__name__.strip("_") for p in PROGRAMS])
def test_complex_program_grads(body):
    def program(T):
        z, w, x = _inputs(T)
        loss = body(T, z, w, x)
        loss.backward()
        return loss, z.grad, w.grad, x.grad

    program.__name__ = body.__name__
    # (`.grad._version` follows torch's kernel strides: test_op_parity's "grad_layout".)
    assert_parity(program, ignore=r"_version$", **TOL)


@pytest.mark.parametrize("body", [_fft_times_weight, _angle_of_quotient, _mixed_real_complex,
                                  _spectral_filter, _tanh_sigmoid],
                         ids=["fft_times_weight", "angle_of_quotient", "mixed_real_complex",
                              "spectral_filter", "tanh_sigmoid"])
def test_complex_double_backward(body):
    # create_graph runs the formulas as recorded ops (the conj'd formulas themselves).
    def program(T):
        z, w, x = _inputs(T)
        gz, gw, gx = T.autograd.grad(body(T, z, w, x), (z, w, x), create_graph=True)
        second = (gz.abs() ** 2).sum() + (gw * gz.conj()).real.sum() + gx.pow(2).sum()
        second.backward()
        return gz, gw, gx, z.grad, w.grad, x.grad

    program.__name__ = body.__name__
    assert_parity(program, ignore=r"_version$|grad_fn", **TOL)


def test_real_gradient_of_a_complex_product_is_real():
    # torch's handle_r_to_c: a real input's gradient is the real part, without a warning.
    def program(T):
        z, _, x = _inputs(T)
        (x * z).abs().sum().backward()
        return x.grad, x.grad.dtype

    assert_parity(program, ignore=r"_version$", **TOL)
