"""The optimizers beyond SGD/Adam/RMSprop/Adagrad against torch, through the parity harness.

Same program as tests/optim/test_optimizers.py: seeded parameters, the same steps, compared on
parameters (values, versions, grads), the whole `state_dict()` and the losses; float64 to
1e-10 relative, float32 loosely.
"""

from __future__ import annotations

import pytest
from test_optimizers import TOL, optimizer_program

from tapegrad.testing import assert_parity

CASES = {
    "Adadelta": lambda T, p: T.optim.Adadelta(p),
    "Adadelta-wd-maximize": lambda T, p: T.optim.Adadelta(p, lr=0.5, rho=0.8, eps=1e-5,
                                                          weight_decay=0.1, maximize=True),
    "Adamax": lambda T, p: T.optim.Adamax(p, lr=0.05),
    "Adamax-wd-maximize": lambda T, p: T.optim.Adamax(p, lr=0.05, betas=(0.8, 0.9),
                                                      weight_decay=0.1, maximize=True),
    "ASGD": lambda T, p: T.optim.ASGD(p, lr=0.1),
    "ASGD-t0-wd-maximize": lambda T, p: T.optim.ASGD(p, lr=0.1, lambd=0.01, alpha=0.5, t0=2,
                                                     weight_decay=0.05, maximize=True),
    "NAdam": lambda T, p: T.optim.NAdam(p, lr=0.05),
    "NAdam-wd": lambda T, p: T.optim.NAdam(p, lr=0.05, weight_decay=0.1, momentum_decay=0.01),
    "NAdam-decoupled-maximize": lambda T, p: T.optim.NAdam(
        p, lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True),
    "RAdam": lambda T, p: T.optim.RAdam(p, lr=0.05, betas=(0.9, 0.6)),
    "RAdam-wd": lambda T, p: T.optim.RAdam(p, lr=0.05, weight_decay=0.1),
    "RAdam-decoupled-maximize": lambda T, p: T.optim.RAdam(
        p, lr=0.05, betas=(0.9, 0.6), weight_decay=0.1, decoupled_weight_decay=True,
        maximize=True),
    "Adafactor": lambda T, p: T.optim.Adafactor(p, lr=0.05),
    "Adafactor-options": lambda T, p: T.optim.Adafactor(p, lr=0.5, beta2_decay=-0.5,
                                                        eps=(1e-4, 1e-2), d=1.5,
                                                        weight_decay=0.1, maximize=True),
    "Rprop": lambda T, p: T.optim.Rprop(p, lr=0.05),
    "Rprop-etas-maximize": lambda T, p: T.optim.Rprop(p, lr=0.05, etas=(0.3, 1.5),
                                                      step_sizes=(0.01, 0.08), maximize=True),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_optimizer_steps_match_torch(name, dtype):
    run = assert_parity(optimizer_program(CASES[name], dtype), **TOL[dtype])
    assert run.error is None, run.error


ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "ASGD", "NAdam",
       "RAdam", "Rprop", "Adafactor"]
FLAGS = [{"capturable": True}, {"foreach": True}, {"fused": True}, {"differentiable": True},
         {"fused": True, "foreach": True}, {"fused": True, "differentiable": True},
         {"foreach": True, "differentiable": True}]


@pytest.mark.parametrize("name", ALL)
def test_foreach_fused_capturable_differentiable_as_torch(name):
    """Accepted or refused as torch does on CPU (class and text, at construction or step)."""
    def program(T):
        out = []
        for flags in FLAGS:
            w = T.ones(3, requires_grad=True)
            try:
                opt = getattr(T.optim, name)([w], lr=0.1, **flags)
            except (TypeError, RuntimeError, ValueError) as e:
                out.append(("init", type(e).__name__, str(e).split(".__init__")[-1]))
                continue
            try:
                (w**2).sum().backward()
                opt.step()
                out.append(("ok", w.detach().clone()))
            except (AssertionError, RuntimeError) as e:
                out.append(("step", type(e).__name__, str(e)))
        return out

    run = assert_parity(program, rtol=1e-6)
    assert run.error is None, run.error


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "ASGD", "NAdam", "RAdam", "Rprop",
                                  "Adafactor"])
def test_invalid_hyperparameters_as_torch(name):
    bad = {"lr": -1.0, "rho": 1.5, "eps": -1.0, "weight_decay": -0.1, "betas": (1.0, 0.9),
           "momentum_decay": -1.0, "etas": (1.5, 1.2), "beta2_decay": 0.5, "d": 0.5}
    if name == "Adafactor":
        bad["eps"] = (-1.0, 1e-3)
        bad["eps2"] = None

    def program(T):
        import inspect
        cls = getattr(T.optim, name)
        accepted = inspect.signature(cls).parameters
        out = []
        if name == "Adafactor":
            for eps in ((None, -1.0),):
                try:
                    cls([T.zeros(2, requires_grad=True)], eps=eps)
                except ValueError as e:
                    out.append(str(e))
        for key, value in bad.items():
            if key not in accepted:
                continue
            try:
                cls([T.zeros(2, requires_grad=True)], **{key: value})
                out.append(None)
            except ValueError as e:
                out.append(str(e))
        betas = (0.9, 1.0)
        if "betas" in accepted:
            try:
                cls([T.zeros(2, requires_grad=True)], betas=betas)
            except ValueError as e:
                out.append(str(e))
        return out

    run = assert_parity(program)
    assert run.error is None, run.error


def test_differentiable_step_records_the_update_as_torch():
    """differentiable=True on a non-leaf: the update is part of the graph (a meta-gradient)."""
    def program(T):
        out = []
        for make in (lambda p: T.optim.SGD(p, lr=0.1, momentum=0.5, differentiable=True),
                     lambda p: T.optim.Adam(p, lr=0.1, differentiable=True),
                     lambda p: T.optim.Adam(p, lr=0.1, amsgrad=True, differentiable=True),
                     lambda p: T.optim.NAdam(p, lr=0.1, differentiable=True),
                     lambda p: T.optim.RAdam(p, lr=0.1, differentiable=True),
                     lambda p: T.optim.Rprop(p, lr=0.1, differentiable=True),
                     lambda p: T.optim.Adadelta(p, lr=0.1, differentiable=True),
                     lambda p: T.optim.RMSprop(p, lr=0.1, differentiable=True)):
            w0 = T.tensor([0.5, -1.0, 2.0], dtype=T.float64, requires_grad=True)
            w = w0 * 1.0  # a non-leaf parameter
            w.retain_grad()
            opt = make([w])
            for _ in range(2):
                w.grad = (w.detach() ** 3)
                opt.step()
            (w ** 2).sum().backward()
            out.append((w.detach(), w0.grad))
        return out

    run = assert_parity(program, rtol=1e-12)
    assert run.error is None, run.error


SD_CASES = {k: CASES[k] for k in ["Adadelta-wd-maximize", "Adamax", "ASGD-t0-wd-maximize",
                                  "NAdam-wd", "RAdam-wd", "Rprop-etas-maximize",
                                  "Adafactor-options"]}


@pytest.mark.parametrize("name", list(SD_CASES))
def test_state_dict_from_torch_loads_and_resumes(name):
    """torch's state_dict (step tensors, per-parameter state, param_groups) loads into
    tapegrad, tapegrad's round trip keeps it, and both resume identically."""
    import numpy as np
    import torch

    import tapegrad as tg

    rng = np.random.default_rng(5)
    data = [rng.uniform(-1, 1, size=(3, 4)), rng.uniform(-1, 1, size=(3,))]
    xs = [rng.uniform(-1, 1, size=(4,)) for _ in range(6)]

    def loss(T, w, b, x):
        return (T.tanh(w @ x + b) ** 2).sum() + (w * w).sum() * 0.1

    tp0 = [torch.tensor(a, requires_grad=True) for a in data]
    topt0 = SD_CASES[name](torch, tp0)
    for x in xs[:3]:
        topt0.zero_grad()
        loss(torch, *tp0, torch.tensor(x)).backward()
        topt0.step()
    # torch's own load (it casts 0-d state such as ASGD's eta to the parameter's dtype)
    tp = [p.detach().clone().requires_grad_() for p in tp0]
    topt = SD_CASES[name](torch, tp)
    topt.load_state_dict(topt0.state_dict())
    gp = [tg.nn.Parameter(tg.tensor(p.detach().numpy().copy())) for p in tp]
    gopt = SD_CASES[name](tg, gp)
    gopt.load_state_dict(topt0.state_dict())
    # tapegrad's own round trip into a fresh optimizer
    gp2 = [tg.nn.Parameter(p.detach().clone()) for p in gp]
    gopt2 = SD_CASES[name](tg, gp2)
    gopt2.load_state_dict(gopt.state_dict())
    for x in xs[3:]:
        topt.zero_grad()
        loss(torch, *tp, torch.tensor(x)).backward()
        topt.step()
        # (gopt2's state tensors are gopt's: load_state_dict aliases them, as torch's does)
        gopt2.zero_grad()
        loss(tg, *gp2, tg.tensor(x)).backward()
        gopt2.step()
    tsd, gsd = topt.state_dict(), gopt2.state_dict()
    assert tsd["param_groups"] == gsd["param_groups"]
    assert set(tsd["state"]) == set(gsd["state"])
    for i, tstate in tsd["state"].items():
        assert set(tstate) == set(gsd["state"][i])
        for k, v in tstate.items():
            g = gsd["state"][i][k]
            assert str(g.dtype).split(".")[-1] == str(v.dtype).split(".")[-1], k
            np.testing.assert_allclose(np.asarray(g.jax()), v.numpy(), rtol=1e-12, atol=1e-14)
    for t, g in zip(tp, gp2, strict=True):
        np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=1e-12)


MUON = {
    "Muon": {},
    "Muon-options": {"lr": 0.1, "weight_decay": 0.01, "momentum": 0.9, "nesterov": False,
                     "adjust_lr_fn": "match_rms_adamw", "ns_steps": 3},
    "Muon-original": {"lr": 0.1, "adjust_lr_fn": "original", "eps": 1e-5},
}


@pytest.mark.parametrize("shape", [(3, 4), (4, 3)])
@pytest.mark.parametrize("name", list(MUON))
def test_muon_matches_torch_on_given_gradients(name, shape):
    """Muon orthogonalizes in bfloat16, where a last-bit difference of a gradient can flip a
    rounding: it is compared on gradients given bit for bit (a backward through a loss in the
    two frameworks may differ in the last bit)."""
    import numpy as np

    def program(T):
        rng = np.random.default_rng(3)
        w = T.tensor(rng.standard_normal(shape), requires_grad=True)
        opt = T.optim.Muon([w], **MUON[name])
        for _ in range(5):
            w.grad = T.tensor(rng.standard_normal(shape))
            opt.step()
        return w, opt.state_dict()

    run = assert_parity(program, rtol=1e-10, atol=1e-12)
    assert run.error is None, run.error


def test_muon_errors_match_torch():
    def program(T):
        out = []
        for kwargs in ({"lr": -1.0}, {"momentum": -1.0}, {"weight_decay": -1.0},
                       {"adjust_lr_fn": "x"}):
            try:
                T.optim.Muon([T.zeros(2, 2, requires_grad=True)], **kwargs)
            except ValueError as e:
                out.append(str(e))
        try:
            T.optim.Muon([T.zeros(2, requires_grad=True)])
        except ValueError as e:
            out.append(str(e))
        w = T.zeros(2, 2, requires_grad=True)
        opt = T.optim.Muon([w], ns_steps=100)
        w.grad = T.ones(2, 2)
        try:
            opt.step()
        except ValueError as e:
            out.append(str(e))
        return out

    run = assert_parity(program)
    assert run.error is None, run.error
