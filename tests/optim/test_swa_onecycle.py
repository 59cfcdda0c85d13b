"""optim.swa_utils and a OneCycleLR training run, against torch."""

from __future__ import annotations

import numpy as np
import pytest

from tapegrad.testing import assert_parity, compare


def _model(T, rng, batchnorm=True):
    layers = [T.nn.Linear(4, 6)]
    if batchnorm:
        layers.append(T.nn.BatchNorm1d(6))
    layers += [T.nn.Tanh(), T.nn.Linear(6, 1)]
    model = T.nn.Sequential(*layers)
    with T.no_grad():
        for p in model.parameters():
            p.copy_(T.tensor(rng.uniform(-0.5, 0.5, size=tuple(p.shape)), dtype=p.dtype))
    return model


def _batches(T, rng, n=6):
    return [(T.tensor(rng.standard_normal((8, 4)), dtype=T.float32),
             T.tensor(rng.standard_normal((8, 1)), dtype=T.float32)) for _ in range(n)]


AVERAGING = {
    "swa": lambda S, m: S.AveragedModel(m),
    "swa-buffers": lambda S, m: S.AveragedModel(m, use_buffers=True),
    "ema-multi": lambda S, m: S.AveragedModel(m, multi_avg_fn=S.get_ema_multi_avg_fn(0.9)),
    "ema": lambda S, m: S.AveragedModel(m, avg_fn=S.get_ema_avg_fn(0.8)),
    "swa-multi": lambda S, m: S.AveragedModel(m, multi_avg_fn=S.get_swa_multi_avg_fn()),
}


@pytest.mark.parametrize("name", list(AVERAGING))
def test_averaged_model_swalr_update_bn_match_torch(name):
    def program(T):
        rng = np.random.default_rng(0)
        S = T.optim.swa_utils
        model = _model(T, rng)
        batches = _batches(T, rng)
        opt = T.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
        swa_model = AVERAGING[name](S, model)
        sched = S.SWALR(opt, swa_lr=0.02, anneal_epochs=3,
                        anneal_strategy="linear" if name == "ema" else "cos")
        losses, lrs = [], []
        for x, y in batches:
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            swa_model.update_parameters(model)
            sched.step()
            losses.append(loss.item())
            lrs.append(sched.get_last_lr())
        S.update_bn([x for x, _ in batches], swa_model)
        swa_model.eval()
        out = swa_model(batches[0][0])
        state = sched.state_dict()
        return (losses, lrs, dict(swa_model.named_parameters()), dict(swa_model.named_buffers()),
                out, sorted(state), swa_model.training)

    run = assert_parity(program, rtol=1e-5, atol=1e-6)
    assert run.error is None, run.error


def test_swa_utils_errors_and_update_bn_loader_of_pairs_match_torch():
    def program(T):
        rng = np.random.default_rng(1)
        S = T.optim.swa_utils
        model = _model(T, rng)
        out = []
        for make in (lambda: S.get_ema_avg_fn(1.5), lambda: S.get_ema_multi_avg_fn(-0.1),
                     lambda: S.SWALR(T.optim.SGD(model.parameters(), lr=0.1), 0.05,
                                     anneal_strategy="exp"),
                     lambda: S.SWALR(T.optim.SGD(model.parameters(), lr=0.1), 0.05,
                                     anneal_epochs=-1)):
            try:
                make()
            except ValueError as e:
                out.append(str(e))
        try:
            S.AveragedModel(model, avg_fn=S.get_ema_avg_fn(), multi_avg_fn=S.get_swa_multi_avg_fn())
        except AssertionError as e:
            out.append(str(e))
        model.eval()
        S.update_bn(_batches(T, rng, 3), model)
        return out, dict(model.named_buffers()), model.training, model[1].momentum

    run = assert_parity(program, rtol=1e-5, atol=1e-6)
    assert run.error is None, run.error


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_one_cycle_training_run_matches_torch(opt_name):
    def program(T):
        rng = np.random.default_rng(2)
        model = _model(T, rng, batchnorm=False)
        batches = _batches(T, rng, 4)
        if opt_name == "SGD":
            opt = T.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
            sched = T.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.3, epochs=4,
                                                    steps_per_epoch=4)
        else:
            opt = T.optim.Adam(model.parameters(), lr=0.01)
            sched = T.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=16,
                                                    three_phase=True, anneal_strategy="linear")
        losses = []
        for _epoch in range(4):
            for x, y in batches:
                opt.zero_grad()
                loss = ((model(x) - y) ** 2).mean()
                loss.backward()
                opt.step()
                sched.step()
                losses.append(loss.item())
        return losses, list(model.parameters())

    # Parameters to float32 rounding accumulated over 16 steps; the first Linear's .grad
    # shows _version 1 in tapegrad where torch shows 0 (a core difference, not the
    # optimizer's: a plain backward through nn.Linear shows it), so grad versions are skipped.
    diff, ref, got = compare(program, rtol=1e-5, atol=1e-6, ignore=r"grad\._version")
    assert diff is None, diff
    assert got.error is None, got.error
    np.testing.assert_allclose(got.result[0], ref.result[0], rtol=1e-6)  # per-step losses
