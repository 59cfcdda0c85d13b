# %% [markdown]
# # A small model trained three ways: torch, tapegrad eager, `tg.compile`
#
# An MLP on scikit-learn's digits (shipped in the package, no download), SGD with momentum.
# All three start from the same weights (torch's, moved over with `load_state_dict`) and see the
# same batches. The loss curves lie on top of each other.

# %%
import numpy as np
import torch
from sklearn.datasets import load_digits

import tapegrad as tg

digits = load_digits()
X = (digits.data / 16.0).astype(np.float32)
Y = digits.target.astype(np.int64)
rng = np.random.default_rng(0)
BATCHES = [rng.choice(len(X), 64, replace=False) for _ in range(150)]


def make_model(T):
    return T.nn.Sequential(T.nn.Linear(64, 48), T.nn.ReLU(), T.nn.Linear(48, 10))


torch.manual_seed(0)
torch_model = make_model(torch)
tg_model = make_model(tg)
tg_model.load_state_dict(torch_model.state_dict())
tg_model_compiled = make_model(tg)
tg_model_compiled.load_state_dict(torch_model.state_dict())

# %%
def train(T, model, compiled=False):
    opt = T.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = T.nn.CrossEntropyLoss()

    def step(xb, yb):
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    if compiled:
        step = tg.compile(step)
    losses = []
    for idx in BATCHES:
        loss = step(T.tensor(X[idx]), T.tensor(Y[idx]))
        losses.append(float(loss.item()))
    with T.no_grad():
        accuracy = float((model(T.tensor(X)).argmax(1).numpy() == Y).mean())
    return np.array(losses), accuracy


curves = {
    "torch eager": train(torch, torch_model),
    "tapegrad eager": train(tg, tg_model),
    "tg.compile(step)": train(tg, tg_model_compiled, compiled=True),
}
for name, (losses, acc) in curves.items():
    print(f"{name:18s} final loss {losses[-1]:.6f}   accuracy {acc:.4f}")
ref = curves["torch eager"][0]
for name in ("tapegrad eager", "tg.compile(step)"):
    rel = np.max(np.abs(curves[name][0] - ref) / np.abs(ref))
    print(f"max relative loss difference, {name} vs torch: {rel:.2e}")
    assert rel < 1e-3

# %%
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    for (name, (losses, _)), style in zip(curves.items(), ["-", "--", ":"]):
        ax.plot(losses, style, label=name)
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy")
    ax.legend()
    fig.tight_layout()
    fig.savefig("02_training_digits.png", dpi=90)
except ImportError:
    print("matplotlib not installed: no plot")
