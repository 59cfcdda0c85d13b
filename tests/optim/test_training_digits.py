"""End to end: an MLP and a small CNN trained on scikit-learn's digits (shipped inside the
package, no download), torch and tapegrad side by side from the same initial weights (torch's,
loaded through `load_state_dict`) and the same batches. The per-step losses must agree to 1e-6
relative in float64 and 1e-3 in float32 for 100+ steps; final accuracies are printed.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tapegrad as tg

STEPS = 120
BATCH = 64
RTOL = {"float32": 1e-3, "float64": 1e-6}


def _digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.data / 16.0).astype(np.float64)
    return x, d.target.astype(np.int64)


def mlp(T):
    return T.nn.Sequential(T.nn.Linear(64, 48), T.nn.ReLU(), T.nn.Linear(48, 10))


def cnn(T):
    return T.nn.Sequential(
        T.nn.Unflatten(1, (1, 8, 8)),
        T.nn.Conv2d(1, 8, 3, padding=1, bias=False), T.nn.BatchNorm2d(8), T.nn.ReLU(),
        T.nn.MaxPool2d(2),
        T.nn.Conv2d(8, 16, 3, padding=1), T.nn.ReLU(), T.nn.MaxPool2d(2),
        T.nn.Flatten(), T.nn.Dropout(0.0), T.nn.Linear(64, 10))


def sgd_momentum(T, params):
    opt = T.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-4)
    return opt, T.optim.lr_scheduler.StepLR(opt, step_size=50, gamma=0.5)


def adam(T, params):
    opt = T.optim.Adam(params, lr=3e-3)
    return opt, T.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=STEPS)


def _train(T, model, make_opt, batches, x, y, dtype):
    opt, sched = make_opt(T, model.parameters())
    loss_fn = T.nn.CrossEntropyLoss()
    losses = []
    model.train()
    for idx in batches:
        xb = T.tensor(x[idx], dtype=dtype)
        yb = T.tensor(y[idx])
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    model.eval()
    with T.no_grad():
        pred = model(T.tensor(x, dtype=dtype)).argmax(1).numpy()
    return np.array(losses), float((pred == y).mean())


@pytest.mark.parametrize("arch,make_opt,dtype", [
    (mlp, sgd_momentum, "float32"), (mlp, sgd_momentum, "float64"),
    (mlp, adam, "float32"), (mlp, adam, "float64"),
    (cnn, adam, "float32"), (cnn, sgd_momentum, "float64"),
], ids=lambda v: getattr(v, "__name__", v))
def test_training_on_digits_gives_torch_loss_curve(arch, make_opt, dtype):
    x, y = _digits()
    rng = np.random.default_rng(0)
    batches = [rng.choice(len(x), BATCH, replace=False) for _ in range(STEPS)]

    torch.manual_seed(0)
    t_model = arch(torch).to(getattr(torch, dtype))
    g_model = arch(tg).to(getattr(tg, dtype))
    result = g_model.load_state_dict(t_model.state_dict())
    assert not result.missing_keys and not result.unexpected_keys

    t_losses, t_acc = _train(torch, t_model, make_opt, batches, x, y, getattr(torch, dtype))
    g_losses, g_acc = _train(tg, g_model, make_opt, batches, x, y, getattr(tg, dtype))
    print(f"\n{arch.__name__}/{make_opt.__name__}/{dtype}: final loss torch {t_losses[-1]:.6f} "
          f"tapegrad {g_losses[-1]:.6f}; accuracy torch {t_acc:.4f} tapegrad {g_acc:.4f}")
    # The model learned (so the comparison is not between two constant curves).
    assert t_losses[-10:].mean() < 0.5 * t_losses[:10].mean()
    np.testing.assert_allclose(g_losses, t_losses, rtol=RTOL[dtype], atol=0)
    assert abs(g_acc - t_acc) <= (0.0 if dtype == "float64" else 0.01)
    # Parameters and buffers end where torch's do.
    t_state = t_model.state_dict()
    for key, value in g_model.state_dict().items():
        np.testing.assert_allclose(value.numpy(), t_state[key].numpy(),
                                   rtol=RTOL[dtype] * 10, atol=RTOL[dtype] * 1e-2, err_msg=key)
