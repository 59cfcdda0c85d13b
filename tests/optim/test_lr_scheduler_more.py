"""Every other torch scheduler against torch: lr (and momentum) sequences over 20 steps, state
dicts and their round trips, closed forms, warnings and errors."""

from __future__ import annotations

import pytest

from tapegrad.testing import assert_parity

STEPS = 20


def _opt(T, kind="sgd"):
    w = T.zeros(2, requires_grad=True)
    b = T.zeros(2, requires_grad=True)
    groups = [{"params": [w]}, {"params": [b], "lr": 0.2}]
    if kind == "adam":
        return T.optim.Adam(groups, lr=0.1)
    return T.optim.SGD(groups, lr=0.1, momentum=0.9)


class Halver:
    """A callable object: its __dict__ goes into the state dict (functions do not)."""

    def __init__(self):
        self.factor = 0.5

    def __call__(self, epoch):
        return self.factor if epoch % 3 == 0 else 1.0


SCHEDULERS = {
    "MultiplicativeLR": lambda S, o: S.MultiplicativeLR(o, lambda e: 0.95),
    "MultiplicativeLR-object": lambda S, o: S.MultiplicativeLR(o, [Halver(), Halver()]),
    "MultiStepLR": lambda S, o: S.MultiStepLR(o, milestones=[3, 7, 7, 12], gamma=0.5),
    "ConstantLR": lambda S, o: S.ConstantLR(o, factor=0.25, total_iters=6),
    "LinearLR": lambda S, o: S.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=8),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, gamma=0.9),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o, total_iters=12, power=2.0),
    "CosineAnnealingWarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=3),
    "CosineAnnealingWarmRestarts-mult": lambda S, o: S.CosineAnnealingWarmRestarts(
        o, T_0=2, T_mult=2, eta_min=0.01),
    "CyclicLR": lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR-triangular2": lambda S, o: S.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1,
                                                    step_size_up=3, step_size_down=2,
                                                    mode="triangular2"),
    "CyclicLR-exp-range": lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1,
                                                  step_size_up=3, mode="exp_range",
                                                  gamma=0.9, base_momentum=0.7),
    "CyclicLR-scale-fn": lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2,
                                                 scale_fn=lambda x: 1 / (x + 1),
                                                 scale_mode="iterations",
                                                 cycle_momentum=False),
    "OneCycleLR": lambda S, o: S.OneCycleLR(o, max_lr=0.5, total_steps=21),
    "OneCycleLR-linear-three-phase": lambda S, o: S.OneCycleLR(
        o, max_lr=[0.5, 1.0], epochs=3, steps_per_epoch=7, anneal_strategy="linear",
        three_phase=True, pct_start=0.25, div_factor=10.0, final_div_factor=100.0),
    "SequentialLR": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.1, total_iters=4), S.ExponentialLR(o, gamma=0.8),
            S.StepLR(o, step_size=2)], milestones=[5, 12]),
    "ChainedScheduler": lambda S, o: S.ChainedScheduler(
        [S.ConstantLR(o, factor=0.5, total_iters=3), S.ExponentialLR(o, gamma=0.9)]),
    "ChainedScheduler-in-SequentialLR": lambda S, o: S.SequentialLR(
        o, [S.ChainedScheduler([S.LinearLR(o, start_factor=0.5, total_iters=3),
                                S.ExponentialLR(o, gamma=0.9)]),
            S.CosineAnnealingLR(o, T_max=6)], milestones=[8]),
}
ADAM = {"CyclicLR", "OneCycleLR"}  # betas[0] cycled instead of momentum


def _observe_state(state):
    # The keys and plain values of a state dict (functions and objects by their type).
    out = {}
    for k, v in state.items():
        if k == "_schedulers":
            out[k] = [_observe_state(s) for s in v]
        elif isinstance(v, (int, float, str, bool, type(None), list, tuple, dict)):
            out[k] = v if not isinstance(v, dict) or k != "milestones" else dict(v)
        else:
            out[k] = type(v).__name__
    return out


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler_lr_sequence_matches_torch(name):
    kind = "adam" if name in ADAM else "sgd"

    def program(T):
        opt = _opt(T, kind)
        S = T.optim.lr_scheduler
        sched = SCHEDULERS[name](S, opt)
        key = "betas" if kind == "adam" else "momentum"
        seq = [(sched.get_last_lr(), [g["lr"] for g in opt.param_groups],
                [g[key] for g in opt.param_groups])]
        for i in range(STEPS):
            opt.step()
            sched.step()
            seq.append((sched.get_last_lr(), [g["lr"] for g in opt.param_groups],
                        [g[key] for g in opt.param_groups]))
            if i == 9:
                saved = sched.state_dict()
        # resume from the state dict in a fresh optimizer and scheduler
        opt2 = _opt(T, kind)
        sched2 = SCHEDULERS[name](S, opt2)
        sched2.load_state_dict(saved)
        for g, g_saved in zip(opt2.param_groups, opt.param_groups):
            g["lr"] = g_saved["lr"]
        sched2.step()
        return seq, _observe_state(sched.state_dict()), sched2.get_last_lr()

    run = assert_parity(program, rtol=1e-12, atol=1e-15)
    assert run.error is None, run.error


CLOSED_FORMS = {
    "MultiStepLR": lambda S, o: S.MultiStepLR(o, milestones=[2, 5]),
    "ConstantLR": lambda S, o: S.ConstantLR(o, total_iters=3),
    "LinearLR": lambda S, o: S.LinearLR(o, total_iters=4),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, gamma=0.5),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o, total_iters=6),
    "CosineAnnealingWarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=2,
                                                                              T_mult=3),
}


@pytest.mark.parametrize("name", list(CLOSED_FORMS))
def test_scheduler_step_with_epoch_matches_torch(name):
    def program(T):
        opt = _opt(T)
        sched = CLOSED_FORMS[name](T.optim.lr_scheduler, opt)
        opt.step()
        out = []
        for epoch in (3, 1, 7, 4.5 if name == "CosineAnnealingWarmRestarts" else 4):
            sched.step(epoch)
            out.append(sched.get_last_lr())
        return out

    run = assert_parity(program, rtol=1e-12, atol=1e-15)
    assert run.error is None, run.error


def test_scheduler_errors_match_torch():
    def program(T):
        opt = _opt(T)
        S = T.optim.lr_scheduler
        other = T.optim.SGD([T.zeros(1, requires_grad=True)], lr=0.1)
        makers = [
            lambda: S.ConstantLR(opt, factor=2.0),
            lambda: S.LinearLR(opt, start_factor=0.0),
            lambda: S.LinearLR(opt, end_factor=1.5),
            lambda: S.MultiplicativeLR(opt, [lambda e: 1.0]),
            lambda: S.MultiplicativeLR(opt, 3),
            lambda: S.CosineAnnealingWarmRestarts(opt, T_0=0),
            lambda: S.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0),
            lambda: S.CosineAnnealingWarmRestarts(opt, T_0=2, eta_min="a"),
            lambda: S.CyclicLR(opt, 0.1, 1.0, mode="sawtooth"),
            lambda: S.CyclicLR(opt, [0.1], 1.0),
            lambda: S.CyclicLR(T.optim.Adagrad([T.zeros(1, requires_grad=True)]), 0.1, 1.0),
            lambda: S.OneCycleLR(opt, 1.0),
            lambda: S.OneCycleLR(opt, 1.0, total_steps=0),
            lambda: S.OneCycleLR(opt, 1.0, epochs=0, steps_per_epoch=2),
            lambda: S.OneCycleLR(opt, 1.0, epochs=2, steps_per_epoch=0),
            lambda: S.OneCycleLR(opt, 1.0, total_steps=10, pct_start=1),
            lambda: S.OneCycleLR(opt, 1.0, total_steps=10, anneal_strategy="exp"),
            lambda: S.SequentialLR(opt, [], milestones=[]),
            lambda: S.SequentialLR(opt, [S.StepLR(opt, 2)], milestones=[3]),
            lambda: S.SequentialLR(opt, [S.StepLR(opt, 2), S.ReduceLROnPlateau(opt)], [2]),
            lambda: S.SequentialLR(opt, [S.StepLR(opt, 2), S.StepLR(other, 2)], [2]),
            lambda: S.ChainedScheduler([]),
            lambda: S.ChainedScheduler([S.StepLR(opt, 2), object()]),
            lambda: S.CosineAnnealingWarmRestarts(opt, T_0=2).step(-1),
        ]
        out = []
        for make in makers:
            try:
                make()
                out.append(None)
            except (ValueError, TypeError) as e:
                out.append((type(e).__name__, str(e)))
        sched = S.OneCycleLR(opt, 1.0, total_steps=2)
        try:
            for _ in range(3):
                opt.step()
                sched.step()
        except ValueError as e:
            out.append(str(e))
        return out

    run = assert_parity(program)
    assert run.error is None, run.error


def test_scheduler_step_before_optimizer_step_warns_like_torch():
    def program(T):
        opt = _opt(T)
        S = T.optim.lr_scheduler
        sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=5)
        sched.step()  # before optimizer.step(): torch warns
        sched.get_lr()  # outside step: torch warns
        chained = S.ChainedScheduler([S.ExponentialLR(opt, 0.5), S.MultiStepLR(opt, [1])])
        chained.step()
        return sched.get_last_lr(), chained.get_last_lr()

    run = assert_parity(program, rtol=1e-12)
    assert len(run.warnings) >= 2
