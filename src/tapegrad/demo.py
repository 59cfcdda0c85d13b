"""`python -m tapegrad.demo`: every seed program under torch and tapegrad, side by side, then
a short training run (an MLP on scikit-learn's digits) under torch, tapegrad eager and
`tg.compile`, from the same weights and batches.

Needs torch and scikit-learn (the `test` extra): torch is the reference.
"""

from __future__ import annotations

import sys

import tapegrad as tg

from .testing import compare
from .testing.seeds import PROGRAMS


def _side_by_side(left: str, right: str, width: int = 48) -> list[str]:
    a, b = left.splitlines(), right.splitlines()
    rows = []
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else ""
        y = b[i] if i < len(b) else ""
        mark = "==" if x == y else "!="
        rows.append(f"  {x[:width]:<{width}} {mark} {y[:width]}")
    return rows


def training_comparison(steps: int = 100, every: int = 20) -> bool:
    """Train a 64-48-10 MLP (SGD, momentum 0.9) on digits under torch, tapegrad eager and
    tg.compile; print the losses side by side and the final accuracies. True if they agree."""
    import numpy as np
    import torch
    from sklearn.datasets import load_digits

    digits = load_digits()
    x, y = (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int64)
    rng = np.random.default_rng(0)
    batches = [rng.choice(len(x), 64, replace=False) for _ in range(steps)]

    def make(T):
        return T.nn.Sequential(T.nn.Linear(64, 48), T.nn.ReLU(), T.nn.Linear(48, 10))

    def step(T, model, opt, xb, yb):
        opt.zero_grad()
        loss = T.nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    torch.manual_seed(0)
    t_model = make(torch)
    init = {k: v.clone() for k, v in t_model.state_dict().items()}  # before torch trains it
    runs = {}
    for name in ("torch", "tapegrad eager", "tg.compile"):
        T = torch if name == "torch" else tg
        model = t_model if name == "torch" else make(tg)
        if name != "torch":
            model.load_state_dict(init)
        opt = T.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        run = tg.compile(step) if name == "tg.compile" else step
        losses = [run(T, model, opt, T.tensor(x[i]), T.tensor(y[i])).item() for i in batches]
        with T.no_grad():
            acc = float((model(T.tensor(x)).argmax(1).numpy() == y).mean())
        runs[name] = (np.array(losses), acc)
    names = list(runs)
    print("## training: 64-48-10 MLP on scikit-learn digits, SGD momentum 0.9, float32")
    print("  step  " + "".join(f"{n:>16}" for n in names))
    for i in list(range(0, steps, every)) + [steps - 1]:
        print(f"  {i:4d}  " + "".join(f"{runs[n][0][i]:16.6f}" for n in names))
    print("  accuracy" + "".join(f"{runs[n][1]:16.4f}" for n in names)[2:])
    ref = runs["torch"][0]
    worst = max(float(np.max(np.abs(runs[n][0] - ref) / np.abs(ref))) for n in names[1:])
    ok = worst <= 1e-3
    print(f"  parity: {'OK' if ok else 'DIFFERENT'} (largest relative loss difference "
          f"{worst:.1e} over {steps} steps)\n")
    return ok


def main() -> int:
    passed = 0
    for program in PROGRAMS:
        diff, ref, got = compare(program)
        doc = (program.__doc__ or "").strip().splitlines()[0]
        print(f"## {program.__name__}: {doc}")
        print(f"  {'torch':<48}    tapegrad")
        out_ref = ref.stdout + (f"{ref.error[0]}: {ref.error[1][:60]}\n" if ref.error else "")
        out_got = got.stdout + (f"{got.error[0]}: {got.error[1][:60]}\n" if got.error else "")
        for w in ref.warnings[:1]:
            out_ref += f"{w[0]}: {w[1][:40]}...\n"
        for w in got.warnings[:1]:
            out_got += f"{w[0]}: {w[1][:40]}...\n"
        print("\n".join(_side_by_side(out_ref, out_got)))
        print(f"  parity: {'OK' if diff is None else 'DIFFERENT: ' + diff.splitlines()[0]}\n")
        passed += diff is None
    print(f"Parity summary: {passed}/{len(PROGRAMS)} seed programs identical to torch "
          "(stdout, return values, grads, grad_fn graphs, versions, warnings, errors).\n")
    trained = training_comparison()
    return 0 if passed == len(PROGRAMS) and trained else 1


if __name__ == "__main__":
    sys.exit(main())
