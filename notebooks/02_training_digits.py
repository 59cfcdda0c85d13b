# %% [markdown]
# # A small model trained three ways: torch, tapegrad eager, `tg.compile`
#
# An MLP on scikit-learn's digits (shipped in the package, no download), SGD with momentum.
# All three start from the same weights (torch's, moved over with `load_state_dict`) and see the
# same batches. The loss curves lie on top of each other, so the second chart shows what the
# first cannot: how far each tapegrad run is from torch's loss at every step.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits

import tapegrad as tg

digits = load_digits()
X = (digits.data / 16.0).astype(np.float32)
Y = digits.target.astype(np.int64)
rng = np.random.default_rng(0)
BATCHES = [rng.choice(len(X), 64, replace=False) for _ in range(100)]


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

# %% [markdown]
# Top: the three loss curves. Bottom: each tapegrad run's loss minus torch's at the same
# step. The differences are of the order of float32 rounding (one unit in the last place of
# a loss near 1 is 1.2e-7): the same arithmetic, summed in other orders by XLA and by torch.

# %%
fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5), sharex=True)
for (name, (losses, _)), style in zip(curves.items(), ["-", "--", ":"]):
    top.plot(losses, style, label=name)
top.set_ylabel("cross-entropy")
top.legend()
for name, color in (("tapegrad eager", "C1"), ("tg.compile(step)", "C2")):
    bottom.plot(curves[name][0] - ref, color=color, label=f"{name} - torch")
bottom.axhline(0.0, color="grey", lw=0.8)
bottom.set_xlabel("step")
bottom.set_ylabel("loss difference")
bottom.legend()
fig.tight_layout()
plt.show()
