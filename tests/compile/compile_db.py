"""Shared pieces of the tg.compile tests: models, steps, and state comparisons."""

from __future__ import annotations

import numpy as np
import torch

import tapegrad as tg

SIZES = (6, 10, 4)


def tolerance(dtype) -> float:
    return 1e-12 if dtype in (tg.float64, torch.float64) else 1e-6


def as_np(t) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return np.asarray(t.jax())


def assert_close(a, b, tol: float, what: str = "") -> None:
    np.testing.assert_allclose(as_np(a), as_np(b), rtol=tol, atol=tol, err_msg=what)


def assert_same_tensor_state(a: tg.Tensor, b: tg.Tensor, tol: float, what: str) -> None:
    """Value, version, and .grad (None-ness, value, version) of two tapegrad tensors."""
    assert_close(a, b, tol, what)
    assert a._version == b._version, f"{what}: _version {a._version} != {b._version}"
    assert a.requires_grad == b.requires_grad, what
    if a.grad is None or b.grad is None:
        assert a.grad is None and b.grad is None, f"{what}: .grad {a.grad} vs {b.grad}"
    else:
        assert_close(a.grad, b.grad, tol, what + ".grad")
        assert a.grad._version == b.grad._version, \
            f"{what}: .grad._version {a.grad._version} != {b.grad._version}"


def data(dtype, n: int = 12, seed: int = 0, sizes=SIZES):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, sizes[0]))
    y = rng.integers(0, sizes[-1], n)
    return tg.tensor(x, dtype=dtype), tg.tensor(y)


def torch_data(x: tg.Tensor, y: tg.Tensor):
    return torch.tensor(np.asarray(x.jax())), torch.tensor(np.asarray(y.jax()))


def mlp(dtype, sizes=SIZES, seed: int = 0) -> tg.nn.Module:
    tg.manual_seed(seed)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [tg.nn.Linear(a, b, dtype=dtype), tg.nn.ReLU()]
    return tg.nn.Sequential(*layers[:-1])


def torch_twin(model: tg.nn.Module) -> torch.nn.Module:
    """A torch module with the same structure and weights (Linear/ReLU/BatchNorm1d/Dropout)."""
    layers = []
    for m in model:
        if isinstance(m, tg.nn.Linear):
            t = torch.nn.Linear(m.in_features, m.out_features)
        elif isinstance(m, tg.nn.BatchNorm1d):
            t = torch.nn.BatchNorm1d(m.num_features)
        elif isinstance(m, tg.nn.ReLU):
            t = torch.nn.ReLU()
        else:
            raise TypeError(type(m))
        layers.append(t)
    tmodel = torch.nn.Sequential(*layers)
    dtype = next(model.parameters()).dtype
    tmodel.to(torch.float64 if dtype is tg.float64 else torch.float32)
    with torch.no_grad():
        for (name, p), (tname, q) in zip(model.named_parameters(), tmodel.named_parameters()):
            assert name == tname
            q.copy_(torch.tensor(as_np(p)))
    return tmodel


def train_step(model, opt, x, y):
    """The step of SPEC §6, written once for torch and tapegrad (pass F for the framework)."""
    opt.zero_grad()
    loss = tg.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


def torch_train_step(model, opt, x, y):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss
