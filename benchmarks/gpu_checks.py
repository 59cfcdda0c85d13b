"""Device checks that need a GPU (issue 14): run on a machine where JAX sees one.

    JAX_PLATFORMS=cuda,cpu PYTHONPATH=src python benchmarks/gpu_checks.py

Each check prints one line, `ok <name>` or `FAIL <name>: <error>`; the exit status is the
number of failures. Without a GPU it says so and exits 0 (nothing to check). Small shapes:
the whole script runs in well under a minute once JAX has started.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable

import numpy as np

import tapegrad as tg

CHECKS: list[tuple[str, Callable[[], None]]] = []


def check(fn: Callable[[], None]) -> Callable[[], None]:
    CHECKS.append((fn.__name__, fn))
    return fn


def _platform(t: tg.Tensor) -> str:
    return next(iter(t.jax().devices())).platform


@check
def devices_and_names() -> None:
    assert tg.cuda.is_available() and tg.cuda.device_count() >= 1
    assert tg.cuda.current_device() == 0
    print("   ", tg.cuda.get_device_name(), tg.cuda.get_device_capability())
    x = tg.zeros(2, device="cuda")
    assert str(x.device) == "cuda:0" and repr(x.device) == "device(type='cuda', index=0)"
    assert x.is_cuda and not x.is_cpu and x.get_device() == 0 and _platform(x) == "gpu"
    assert tg.zeros(2).device == tg.device("cpu") and _platform(tg.zeros(2)) == "cpu"
    for make in (lambda d: tg.tensor([1.0], device=d), lambda d: tg.rand(2, device=d),
                 lambda d: tg.arange(3, device=d), lambda d: tg.linspace(0, 1, 3, device=d),
                 lambda d: tg.eye(2, device=d), lambda d: tg.randint(3, (2,), device=d)):
        assert _platform(make("cuda")) == "gpu" and _platform(make("cpu")) == "cpu"
    assert _platform(tg.zeros_like(x)) == "gpu"  # *_like: the input's device


@check
def moves_and_autograd() -> None:
    x = tg.tensor([1.0, -2.0], requires_grad=True)
    y = x.to("cuda")
    assert type(y.grad_fn).__name__ == "ToCopyBackward0" and _platform(y) == "gpu"
    assert y.to("cuda") is y and y.cuda() is y and x.cpu() is x
    z = (y * y).sum().cpu()
    z.backward()
    assert _platform(x.grad) == "cpu" and x.grad.tolist() == [2.0, -4.0]
    assert x.to("cuda", tg.float64).dtype is tg.float64


@check
def mismatch_error() -> None:
    try:
        tg.ones(2, device="cuda") + tg.ones(2)
    except RuntimeError as error:
        assert str(error) == ("Expected all tensors to be on the same device, but found at "
                              "least two devices, cuda:0 and cpu!"), str(error)
    else:
        raise AssertionError("no device-mismatch error")
    # A 0-d CPU tensor goes with a CUDA tensor, as in torch.
    assert (tg.ones(2, device="cuda") * tg.tensor(3.0)).tolist() == [3.0, 3.0]
    try:
        tg.ones(2, device="cuda").numpy()
    except TypeError as error:
        assert "can't convert cuda:0 device type tensor to numpy" in str(error)


@check
def module_training_step() -> None:
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(4, 8), tg.nn.Tanh(), tg.nn.Linear(8, 1))
    weight = model[0].weight
    model.to("cuda")
    assert model[0].weight is weight and _platform(weight) == "gpu"
    opt = tg.optim.Adam(model.parameters(), lr=1e-2)
    x, y = tg.randn(16, 4).to("cuda"), tg.randn(16, 1).cuda()
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] and _platform(weight.grad) == "gpu"
    model.cpu()
    assert _platform(model[0].weight) == "cpu"


@check
def compile_on_gpu() -> None:
    tg.manual_seed(0)
    model = tg.nn.Linear(4, 1).cuda()
    opt = tg.optim.SGD(model.parameters(), lr=0.1)

    @tg.compile
    def step(x, y):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    x, y = tg.randn(8, 4, device="cuda"), tg.randn(8, 1, device="cuda")
    first = step(x, y).item()
    for _ in range(5):
        last = step(x, y)
    assert last.item() < first and _platform(model.weight) == "gpu"


@check
def dlpack_on_gpu() -> None:
    import torch

    if not torch.cuda.is_available():
        print("    (torch has no CUDA here: DLPack to torch not checked)")
        return
    t = torch.arange(6, dtype=torch.float32, device="cuda").reshape(2, 3)
    g = tg.from_dlpack(t)
    assert str(g.device) == "cuda:0" and g.tolist() == t.tolist()
    back = torch.from_dlpack(g * 2)
    assert back.device.type == "cuda"
    np.testing.assert_array_equal(back.cpu().numpy(), t.cpu().numpy() * 2)


@check
def synchronize_and_memory() -> None:
    a = tg.randn(256, 256, device="cuda")
    (a @ a).sum()
    tg.cuda.synchronize()
    assert tg.cuda.memory_allocated() >= 0


def main() -> int:
    if not tg.cuda.is_available():
        print("no GPU visible to JAX: nothing to check (JAX_PLATFORMS=cuda,cpu on a GPU machine)")
        return 0
    failures = 0
    for name, fn in CHECKS:
        try:
            fn()
            print(f"ok {name}")
        except Exception as error:  # noqa: BLE001 (report every check)
            failures += 1
            print(f"FAIL {name}: {type(error).__name__}: {error}")
            traceback.print_exc(limit=4)
    return failures


if __name__ == "__main__":
    sys.exit(main())
