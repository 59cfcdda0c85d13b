"""tg.func's transforms through JAX's (NOTE [tg.func lowered to JAX's transforms]): the same
answers as torch.func, and the tape wherever only the tape gives them."""

from __future__ import annotations

import jax
import pytest

import tapegrad as tg
from tapegrad._func_jax import _PROGRAMS
from tapegrad._storage import LOWERING
from tapegrad.testing import assert_parity


def _x(T):
    return T.tensor([0.3, -1.2, 2.0], dtype=T.float64)


def _f(a):
    return (a.sin() * a.cos().sum()).tanh()


def _power(T, k, extra=0):
    """A custom Function `x ** k` whose backward is `k x^(k-1) g + extra`."""
    class Power(T.autograd.Function):
        @staticmethod
        def forward(x):
            return x ** k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return k * x ** (k - 1) * g + extra

    return Power


def _traced_by_jax(transform, f, *args):
    """Run `transform(f)(*args)` noting whether `f` saw JAX tracers (the lowered path)."""
    seen = []

    def spy(*a):
        seen.append(isinstance(a[0].jax(), jax.core.Tracer))
        return f(*a)

    out = transform(spy)(*args)
    return out, seen


def test_nested_jacobians_and_hessians():
    def program(T):
        F = T.func
        x = _x(T)
        y = T.tensor([[0.5, -0.25], [1.5, 0.75]], dtype=T.float64)
        return (F.jacrev(F.jacrev(_f))(x), F.jacfwd(F.jacrev(_f))(x), F.hessian(lambda a:
                _f(a).sum())(x), F.jacfwd(_f)(x),
                F.jacrev(lambda a, b: (a.sum() * b, (b @ b).sum() * a), argnums=(0, 1))(x, y),
                F.hessian(lambda a, b: (a.exp() * b.sum()).sum(), argnums=(0, 1))(x, y),
                F.jacrev(lambda a: (a.exp(), {"s": a.sum()}), has_aux=True)(x),
                F.grad(lambda a: F.grad(lambda b: (b ** 3).sum())(a).sin().sum())(x),
                F.jvp(F.grad(lambda a: _f(a).sum()), (x,), (x.cos(),)),  # HVP, fwd-over-rev
                F.jvp(lambda a, b: (a * b.sum(), b.exp()), (x, y), (x * 2, y)),
                F.jvp(lambda a: (a.sin(), {"c": a.cos()}), (x,), (x,), has_aux=True))

    assert_parity(program)
    for transform in (tg.func.jacrev, tg.func.jacfwd, tg.func.hessian):
        _, seen = _traced_by_jax(transform, lambda a: _f(a).sum(), _x(tg))
        assert seen == [True], seen  # traced once, by JAX


def test_cut_points_through_jax():
    def program(T):
        F = T.func

        def f(a):
            with T.no_grad():
                c = a * 2
            d = a.clone()
            with T.no_grad():
                d.mul_(3)  # untracked: d keeps a's derivative
            return (a.detach() * a.sin() + c * a + d * a).sum()

        Cube = _power(T, 3, extra=1)  # not the true derivative: the user's rule rules
        x = _x(T)
        return (F.grad(f)(x), F.jacrev(F.grad(f))(x), F.jacrev(lambda a: Cube.apply(a))(x),
                F.jacrev(F.grad(lambda a: Cube.apply(a).sum()))(x))

    assert_parity(program)


def test_per_sample_gradients_recipe():
    def program(T):
        F = T.func
        model = T.nn.Sequential(T.nn.Linear(3, 4), T.nn.Tanh(), T.nn.Linear(4, 2)).double()
        with T.no_grad():
            for i, p in enumerate(model.parameters()):
                p.copy_(T.linspace(-0.7, 0.9 - 0.1 * i, p.numel(), dtype=T.float64)
                        .reshape(p.shape))
        params = {k: v.detach() for k, v in model.named_parameters()}
        x = T.linspace(-1, 1, 15, dtype=T.float64).reshape(5, 3)
        y = T.tensor([0, 1, 1, 0, 1])

        def loss(p, xi, yi):
            out = F.functional_call(model, p, (xi.unsqueeze(0),))
            return T.nn.functional.cross_entropy(out, yi.unsqueeze(0))

        grads = F.vmap(F.grad(loss), in_dims=(None, 0, 0))(params, x, y)
        hess = F.hessian(lambda w: loss({**params, "2.weight": w}, x[0], y[0]))(
            params["2.weight"])
        return [grads[k] for k in sorted(grads)], hess

    assert_parity(program)


def test_what_needs_values_runs_on_the_tape():
    def program(T):
        F = T.func

        def branchy(a):
            if a.sum() > 0:  # a value: JAX cannot trace it, the tape can
                return (a ** 3).sum()
            return a.sum()

        x = _x(T)
        return (F.grad(branchy)(x), F.jacrev(lambda a: a[a > 0] * 2)(x),
                F.hessian(lambda a: (a * a.max().item()).sin().sum())(x),
                F.jacrev(lambda a: F.grad(branchy)(a))(x))

    assert_parity(program)


@pytest.mark.parametrize("case", ["index", "singular"])
def test_checks_on_traced_values_are_made_on_the_tape(case):
    def program(T):
        x = _x(T)
        if case == "index":  # an index computed from the input: torch checks its range
            return T.func.grad(lambda a: a[a.argmax() + 5].sum())(x)
        return T.func.jacrev(lambda a: T.linalg.inv(a.outer(a)).sum())(x)

    got = assert_parity(program)
    assert got.error is not None


def test_abandoned_trace_leaves_no_trace():
    """A level that falls back to the tape has written nothing, drawn nothing, leaked no
    tracer; the function is remembered and runs once, on the tape, on later calls."""
    x = _x(tg)
    buf = tg.zeros(3, dtype=tg.float64)
    calls = []

    def f(a):
        calls.append(1)
        buf.add_(1)  # a captured tensor written in place: only the tape may do it
        noise = tg.randn(3, dtype=tg.float64)
        return (a * noise).sum() + a.sum().item()

    tg.manual_seed(7)
    g = tg.func.grad(f)(x)
    after = tg.randn(1, dtype=tg.float64)
    tg.manual_seed(7)
    noise = tg.randn(3, dtype=tg.float64)
    assert tg.equal(g, noise)
    assert tg.equal(after, tg.randn(1, dtype=tg.float64))  # the generator moved once
    assert buf.tolist() == [1.0, 1.0, 1.0] and buf._version == 1
    assert not isinstance(buf.jax(), jax.core.Tracer)
    assert len(calls) == 2  # the abandoned trace (stopped at the write), then the tape
    tg.func.grad(f)(x)
    assert len(calls) == 3 and buf.tolist() == [2.0, 2.0, 2.0]  # remembered: tape at once
    assert LOWERING.levels == []


def test_backward_inside_and_custom_function_under_forward_mode_use_the_tape():
    w = tg.ones(3, dtype=tg.float64, requires_grad=True)

    def inner_backward(a):
        (w * 2).sum().backward()
        return (a * a).sum()

    g = tg.func.grad(inner_backward)(_x(tg))
    assert tg.equal(g, 2 * _x(tg)) and w.grad.tolist() == [2.0, 2.0, 2.0]
    assert not isinstance(w.grad.jax(), jax.core.Tracer)

    Sq = _power(tg, 2)
    # torch.func raises for a Function without vmap support here; tapegrad's tape gives the
    # values (README): JAX's forward mode has no rule for a custom_vjp, so the level falls back.
    jf = tg.func.jacfwd(lambda a: Sq.apply(a))(_x(tg))
    assert tg.allclose(jf, tg.func.jacrev(lambda a: Sq.apply(a))(_x(tg)))
    assert LOWERING.levels == []


def test_user_errors_propagate_and_close_the_level():
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar"):
        tg.func.grad(lambda a: a * 2)(_x(tg))
    with pytest.raises(ValueError, match="boom"):
        tg.func.jacrev(lambda a: (_ for _ in ()).throw(ValueError("boom")))(_x(tg))
    assert LOWERING.levels == []


def test_lowered_inside_jax_jit_and_on_the_tape_when_differentiable():
    f = lambda a: (a.sin() * a).sum()  # noqa: E731
    eager = tg.func.hessian(f)(_x(tg))
    jitted = jax.jit(lambda a: tg.func.hessian(f)(tg.from_jax(a)).jax())(_x(tg).jax())
    assert tg.allclose(eager, tg.from_jax(jitted), rtol=1e-12, atol=0)
    # An input requiring grad: the result is differentiable, so the tape builds its graph.
    w = _x(tg).requires_grad_()
    out, seen = _traced_by_jax(tg.func.grad, f, w)
    assert seen == [False] and out.grad_fn is not None


def test_hot_programs_take_this_calls_constants():
    """From the third call a transform of the same structure runs as one compiled program
    (NOTE [Hot tg.func programs]): captured tensors, Python scalars and random draws are this
    call's, and a new shape is a new structure."""
    def program(T):
        F = T.func
        w = T.tensor([0.5, -1.0, 2.0], dtype=T.float64)
        out = []
        for i in range(5):
            with T.no_grad():
                w.mul_(1.5)  # captured, changed between calls
            c = 0.25 * i  # a Python scalar, changed between calls
            x = _x(T) + i
            f = lambda a: ((a * w).sin() * c + a.detach() * a.exp()).sum()  # noqa: E731
            out += [F.grad(f)(x), F.hessian(f)(x), F.jacrev(F.jacrev(_f))(x),
                    F.jvp(_f, (x,), (w,))[1]]
        y = T.linspace(-1, 1, 4, dtype=T.float64)  # a new shape
        out += [F.hessian(lambda a: (a.exp() * a).sum())(y)]
        return out

    assert_parity(program)
    hot = [entry for entry in _PROGRAMS._data.values() if entry[1] is not None]
    assert hot, "no transform reached its compiled program"

    def noisy(a):
        return (a * tg.randn(3, dtype=tg.float64)).sum()

    for seed in range(5):
        tg.manual_seed(seed)
        g = tg.func.grad(noisy)(_x(tg))
        tg.manual_seed(seed)
        assert tg.equal(g, tg.randn(3, dtype=tg.float64))  # this call's draw


def test_traces_leave_no_tracer_in_state_made_outside():
    """A tg.func trace stages every op (NOTE [Lowered tg.func levels]): the generator's
    stream, a captured view's cached value and anything written outside stay concrete."""
    base = tg.arange(6, dtype=tg.float64)
    view = base[2:5]
    view.tolist()
    with tg.no_grad():
        base.mul_(2)  # the view's cached value is stale: the trace below recomputes it
    tg.manual_seed(3)
    expected = [tg.randn(3, dtype=tg.float64) for _ in range(3)]
    tg.manual_seed(3)
    for i in range(3):  # the third call runs the compiled program
        g = tg.func.grad(lambda a: (a * view * tg.randn(3, dtype=tg.float64)).sum())(_x(tg))
        assert tg.allclose(g, view * expected[i], rtol=0, atol=0)
    assert not isinstance(view.jax(), jax.core.Tracer)
    assert view.tolist() == [4.0, 6.0, 8.0]
    tg.randn(1)  # the generator holds a concrete key

    counter = tg.zeros(1)

    def writes(a):
        counter.add_(1)  # a write into a captured tensor, with a concrete value
        return a * 2

    out = tg.func.vmap(writes, randomness="same")(tg.ones(4, 3))
    assert out.tolist() == [[2.0] * 3] * 4 and counter.tolist() == [1.0]
    same = tg.func.vmap(lambda a: a + tg.randn(3), randomness="same")(tg.zeros(4, 3))
    assert tg.equal(same[0], same[3]) and not isinstance(same.jax(), jax.core.Tracer)
    tg.randn(1)
    assert LOWERING.levels == []
