"""Learning-rate schedulers against torch: the lr sequence, state dicts, warnings."""

from __future__ import annotations

import pytest

from tapegrad.testing import assert_parity

SCHEDULERS = {
    "StepLR": lambda S, opt: S.StepLR(opt, step_size=3, gamma=0.5),
    "CosineAnnealingLR": lambda S, opt: S.CosineAnnealingLR(opt, T_max=4, eta_min=0.01),
    "LambdaLR": lambda S, opt: S.LambdaLR(opt, lambda e: 0.9 ** e),
    "LambdaLR-per-group": lambda S, opt: S.LambdaLR(opt, [lambda e: 1 / (e + 1),
                                                          lambda e: 0.5 ** e]),
}


def _opt(T):
    w = T.zeros(2, requires_grad=True)
    b = T.zeros(2, requires_grad=True)
    return T.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.2}], lr=0.1, momentum=0.9)


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler_lr_sequence_matches_torch(name):
    def program(T):
        opt = _opt(T)
        sched = SCHEDULERS[name](T.optim.lr_scheduler, opt)
        lrs = [sched.get_last_lr()]
        for _ in range(10):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr() + [g["lr"] for g in opt.param_groups])
        state = sched.state_dict()
        return lrs, sorted(k for k in state if k != "lr_lambdas"), state["last_epoch"], \
            [g["initial_lr"] for g in opt.param_groups]

    run = assert_parity(program, rtol=1e-12, atol=1e-15)
    assert run.error is None


def test_scheduler_warnings_and_closed_form_match_torch():
    def program(T):
        opt = _opt(T)
        sched = T.optim.lr_scheduler.StepLR(opt, step_size=2)
        sched.step()  # before optimizer.step(): torch warns
        sched.step(5)  # the deprecated epoch argument: torch warns, uses the closed form
        sched.get_lr()  # outside step: torch warns
        return sched.get_last_lr()

    run = assert_parity(program, rtol=1e-12)
    assert len(run.warnings) == 3


def test_reduce_lr_on_plateau_matches_torch():
    def program(T):
        opt = _opt(T)
        sched = T.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1,
                                                       min_lr=[0.0, 0.04])
        lrs = []
        for metric in [1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]:
            opt.step()
            sched.step(T.tensor(metric))
            lrs.append(sched.get_last_lr())
        state = sched.state_dict()
        sched2 = T.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", threshold_mode="abs")
        sched2.load_state_dict(state)
        errors = []
        for kwargs in ({"factor": 1.0}, {"mode": "up"}, {"threshold_mode": "x"},
                       {"min_lr": [0.1]}):
            try:
                T.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
            except ValueError as e:
                errors.append(str(e))
        return lrs, state["best"], state["num_bad_epochs"], sched2.mode, errors

    run = assert_parity(program, rtol=1e-12)
    assert run.error is None


def test_scheduler_resume_needs_initial_lr_like_torch():
    def program(T):
        w = T.zeros(1, requires_grad=True)
        opt = T.optim.SGD([w], lr=0.1)
        T.optim.lr_scheduler.StepLR(opt, 2, last_epoch=3)

    run = assert_parity(program)
    assert run.error is not None and run.error[0] == "KeyError"
