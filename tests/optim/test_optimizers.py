"""Every optimizer and option against torch, through the parity harness.

Both frameworks start from the same seeded parameters, run the same steps (zero_grad, loss,
backward, step) and are compared on the parameters (values, versions, grads), the whole
`state_dict()` (state tensors with their dtypes and versions; param_groups), and the losses.
"""

from __future__ import annotations

import numpy as np
import pytest

from tapegrad.testing import assert_parity

STEPS = 6


def _params(T, dtype, rng):
    w = T.tensor(rng.uniform(-1, 1, size=(3, 4)), dtype=dtype, requires_grad=True)
    b = T.tensor(rng.uniform(-1, 1, size=(3,)), dtype=dtype, requires_grad=True)
    return w, b


def _loss(T, w, b, x):
    return (T.tanh(w @ x + b) ** 2).sum() + (w * w).sum() * 0.1


CASES = {
    "SGD": lambda T, p: T.optim.SGD(p, lr=0.1),
    "SGD-momentum": lambda T, p: T.optim.SGD(p, lr=0.1, momentum=0.9),
    "SGD-dampening-wd": lambda T, p: T.optim.SGD(p, lr=0.05, momentum=0.8, dampening=0.3,
                                                 weight_decay=0.01),
    "SGD-nesterov-maximize": lambda T, p: T.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True,
                                                      maximize=True),
    "Adam": lambda T, p: T.optim.Adam(p, lr=0.01),
    "Adam-amsgrad-wd": lambda T, p: T.optim.Adam(p, lr=0.02, betas=(0.8, 0.99),
                                                 weight_decay=0.1, amsgrad=True),
    "Adam-maximize": lambda T, p: T.optim.Adam(p, lr=0.01, eps=1e-6, maximize=True),
    "AdamW": lambda T, p: T.optim.AdamW(p, lr=0.01),
    "AdamW-amsgrad": lambda T, p: T.optim.AdamW(p, lr=0.03, weight_decay=0.2, amsgrad=True),
    "RMSprop": lambda T, p: T.optim.RMSprop(p, lr=0.01),
    "RMSprop-centered-momentum-wd": lambda T, p: T.optim.RMSprop(
        p, lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.05),
    "Adagrad": lambda T, p: T.optim.Adagrad(p, lr=0.1),
    "Adagrad-decay-init-wd-maximize": lambda T, p: T.optim.Adagrad(
        p, lr=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.3,
        maximize=True),
    "param-groups": lambda T, p: T.optim.SGD(
        [{"params": [p[0]]}, {"params": [p[1]], "lr": 0.5, "momentum": 0.5}], lr=0.1),
}


def optimizer_program(make, dtype_name, set_to_none=True):
    def program(T):
        rng = np.random.default_rng(7)
        dtype = getattr(T, dtype_name)
        w, b = _params(T, dtype, rng)
        opt = make(T, [w, b])
        losses = []
        for _i in range(STEPS):
            x = T.tensor(rng.uniform(-1, 1, size=(4,)), dtype=dtype)
            opt.zero_grad(set_to_none=set_to_none)
            loss = _loss(T, w, b, x)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return w, b, losses, opt.state_dict()

    program.__name__ = f"optimizer-{dtype_name}"
    return program


TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-12, atol=1e-13)}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_optimizer_steps_match_torch(name, dtype):
    run = assert_parity(optimizer_program(CASES[name], dtype), **TOL[dtype])
    assert run.error is None, run.error


def test_zero_grad_set_to_none_false_zeroes_in_place_as_torch():
    run = assert_parity(optimizer_program(CASES["Adam"], "float32", set_to_none=False),
                        **TOL["float32"])
    assert run.error is None


def test_optimizer_state_dict_round_trip_resumes_identically():
    def program(T):
        rng = np.random.default_rng(3)
        w, b = _params(T, T.float32, rng)
        opt = T.optim.Adam([w, b], lr=0.05, amsgrad=True)
        xs = [T.tensor(rng.uniform(-1, 1, size=(4,)), dtype=T.float32) for _ in range(4)]
        for x in xs[:2]:
            opt.zero_grad()
            _loss(T, w, b, x).backward()
            opt.step()
        saved = opt.state_dict()
        w2, b2 = w.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()
        opt2 = T.optim.Adam([w2, b2], lr=1.0)
        opt2.load_state_dict(saved)
        for x in xs[2:]:
            opt2.zero_grad()
            _loss(T, w2, b2, x).backward()
            opt2.step()
        return w2, b2, opt2.state_dict()

    assert_parity(program, **TOL["float32"])


def test_torch_optimizer_state_dict_loads_into_tapegrad():
    import torch

    import tapegrad as tg

    rng = np.random.default_rng(5)
    data = [rng.uniform(-1, 1, size=(3, 4)), rng.uniform(-1, 1, size=(3,))]
    xs = [rng.uniform(-1, 1, size=(4,)) for _ in range(5)]
    tp = [torch.tensor(a, requires_grad=True) for a in data]
    topt = torch.optim.Adam(tp, lr=0.05)
    for x in xs[:3]:
        topt.zero_grad()
        _loss(torch, *tp, torch.tensor(x)).backward()
        topt.step()
    # .copy(): tg.tensor(ndarray) can alias the NumPy buffer (reported; torch.tensor copies).
    gp = [tg.nn.Parameter(tg.tensor(p.detach().numpy().copy())) for p in tp]
    gopt = tg.optim.Adam(gp, lr=0.05)
    gopt.load_state_dict(topt.state_dict())
    for x in xs[3:]:
        topt.zero_grad()
        _loss(torch, *tp, torch.tensor(x)).backward()
        topt.step()
        gopt.zero_grad()
        _loss(tg, *gp, tg.tensor(x)).backward()
        gopt.step()
    for t, g in zip(tp, gp, strict=True):
        np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=1e-12)
    assert gopt.state_dict()["state"][0]["step"].item() == 5.0


def test_add_param_group_and_errors_match_torch():
    def program(T):
        w = T.zeros(2, requires_grad=True)
        b = T.zeros(2, requires_grad=True)
        opt = T.optim.SGD([w], lr=0.1)
        opt.add_param_group({"params": b, "lr": 0.2})
        out = [len(opt.param_groups), opt.param_groups[1]["lr"], opt.param_groups[1]["momentum"]]
        try:
            opt.add_param_group({"params": [w]})
        except ValueError as e:
            out.append(str(e))
        try:
            T.optim.SGD([(w * 2)], lr=0.1)
        except ValueError as e:
            out.append(str(e))
        try:
            T.optim.Adam([w], lr=-1.0)
        except ValueError as e:
            out.append(str(e))
        try:
            T.optim.SGD([w], lr=0.1, nesterov=True)
        except ValueError as e:
            out.append(str(e))
        try:
            T.optim.SGD([], lr=0.1)
        except ValueError as e:
            out.append(str(e))
        out.append(repr(opt))
        return out

    assert_parity(program)


def test_step_with_closure_and_hooks_match_torch():
    def program(T):
        rng = np.random.default_rng(11)
        w, b = _params(T, T.float64, rng)
        x = T.tensor(rng.uniform(-1, 1, size=(4,)))
        opt = T.optim.RMSprop([w, b], lr=0.01, momentum=0.3)
        calls = []
        pre = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
        opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))

        def closure():
            opt.zero_grad()
            loss = _loss(T, w, b, x)
            loss.backward()
            return loss

        losses = [opt.step(closure) for _ in range(3)]
        pre.remove()
        opt.step(closure)
        return losses, w, b, calls

    run = assert_parity(program, **TOL["float64"])
    assert run.error is None
