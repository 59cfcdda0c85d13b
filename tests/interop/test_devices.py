"""Devices (issue 14): torch's device objects, `device=` on factories, `.to`/`.cpu`/`.cuda`,
`Module.to`, `tg.cuda`, against live torch (a CPU build: asking for CUDA raises its error).

The multi-device paths (placement, the mismatch error, a device change in autograd) run in a
subprocess with two JAX CPU devices, the second standing in for `cuda:0`
(`test_simulated_second_device`); tests marked `gpu` need a real one."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import tapegrad as tg
from tapegrad import _device

HAS_GPU = tg.cuda.is_available()


def outcome(fn):
    """What `fn()` gives: ('ok', repr) or (exception class name, message)."""
    try:
        value = fn()
    except Exception as error:  # noqa: BLE001
        return type(error).__name__, str(error)
    return "ok", repr(value).replace("torch.", "tapegrad.")


def _dtypes_as_tapegrad(message: str) -> str:
    return message.replace("dtype=torch.", "dtype=tapegrad.")


def same(program):
    """`program(T)` under torch and tapegrad gives the same outcome."""
    expected, got = outcome(lambda: program(torch)), outcome(lambda: program(tg))
    assert got == (expected[0], _dtypes_as_tapegrad(expected[1]))
    return got


# ------------------------------------------------------------------ device objects
DEVICE_ARGS = [
    ("cpu",), ("cuda",), ("cuda:0",), ("cuda:1",), ("cpu:0",), ("cpu", 0), ("cuda", 3),
    ("xla",), ("xla:1",), ("meta",), ("mps",), ("gpu",), ("tpu",), ("CUDA",), ("bogus:0",),
    ("cuda:",), ("cuda:-1",), ("cuda:x",), ("cuda:01",), ("cuda:1:2",), (" cuda",), ("cuda0",),
    ("",), ("cuda:0", 1), ("cuda", -1), ("cuda", "x"), ("cuda", 1.0), ("cuda", True),
    (None,), (1.5,), (0,), (-1,), ("cuda", None),
]


@pytest.mark.parametrize("args", DEVICE_ARGS, ids=repr)
def test_device_construction_as_torch(args):
    kind, _ = same(lambda T: T.device(*args))
    if kind == "ok":
        d, t = tg.device(*args), torch.device(*args)
        assert (d.type, d.index, str(d), repr(d)) == (t.type, t.index, str(t), repr(t))


def test_device_keywords_copy_and_no_arguments():
    same(lambda T: T.device(type="cuda", index=1))
    same(lambda T: T.device(T.device("cuda:2")))
    same(lambda T: T.device())
    same(lambda T: T.device(T.device("cpu"), 0))
    same(lambda T: T.device(type="cpu", index=-1))


EQUALITY = [
    "T.device('cuda') == 'cuda'", "T.device('cpu') == 'cpu'", "T.device('cpu') != 'cpu'",
    "T.device('cpu') == 3", "T.device('cpu') == T.device('cpu')",
    "T.device('cpu') != T.device('cpu', 0)", "T.device('cuda:0') == T.device('cuda')",
    "T.device('cuda', 1) == T.device('cuda:1')",
    "hash(T.device('cuda:1')) == hash(T.device('cuda', 1))",
    "{T.device('cpu'): 1}[T.device('cpu')]", "T.device('cpu') < T.device('cpu')",
    "str(T.device('cuda:0')) + f\"{T.device('xla', 2)}\"",
    "isinstance(T.device('cpu'), T.device)",
    "pickle.loads(pickle.dumps(T.device('cuda:1')))",
    "copy.deepcopy(T.device('xla:0'))",
]


@pytest.mark.parametrize("expr", EQUALITY)
def test_device_equality_hash_pickle_as_torch(expr):
    import copy

    same(lambda T: eval(expr, {"T": T, "pickle": pickle, "copy": copy}))


def test_device_prints_as_torch():
    assert tg.device.__name__ == "device" and tg.device.__module__ == "tapegrad"
    assert torch.device.__module__ == "torch"


# ------------------------------------------------------------------ tensors on the CPU
FACTORIES = {
    "tensor": lambda T, d: T.tensor([1.0, 2.0], device=d),
    "zeros": lambda T, d: T.zeros(2, device=d),
    "ones": lambda T, d: T.ones(2, 3, device=d),
    "empty": lambda T, d: T.empty(2, device=d),
    "full": lambda T, d: T.full((2,), 3.0, device=d),
    "arange": lambda T, d: T.arange(3, device=d),
    "linspace": lambda T, d: T.linspace(0, 1, 3, device=d),
    "logspace": lambda T, d: T.logspace(0, 1, 3, device=d),
    "eye": lambda T, d: T.eye(2, device=d),
    "rand": lambda T, d: T.rand(2, device=d),
    "randn": lambda T, d: T.randn(2, device=d),
    "randint": lambda T, d: T.randint(3, (2,), device=d),
    "randperm": lambda T, d: T.randperm(3, device=d),
    "normal": lambda T, d: T.normal(0.0, 1.0, (2,), device=d),
    "zeros_like": lambda T, d: T.zeros_like(T.ones(2), device=d),
    "ones_like": lambda T, d: T.ones_like(T.ones(2), device=d),
    "full_like": lambda T, d: T.full_like(T.ones(2), 2.0, device=d),
    "empty_like": lambda T, d: T.empty_like(T.ones(2), device=d),
    "rand_like": lambda T, d: T.rand_like(T.ones(2), device=d),
    "randn_like": lambda T, d: T.randn_like(T.ones(2), device=d),
    "as_tensor": lambda T, d: T.as_tensor([1.0], device=d),
    "asarray": lambda T, d: T.asarray([1.0], device=d),
    "scalar_tensor": lambda T, d: T.scalar_tensor(1.0, device=d),
    "empty_strided": lambda T, d: T.empty_strided((2,), (1,), device=d),
    "tril_indices": lambda T, d: T.tril_indices(2, 2, device=d),
    "hann_window": lambda T, d: T.hann_window(4, device=d),
    "fftfreq": lambda T, d: T.fft.fftfreq(4, device=d),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factory_device_argument_as_torch(name):
    make = FACTORIES[name]
    for dev in ("cpu", "cpu:0", None):
        assert make(tg, dev).device == tg.device("cpu")
        assert repr(make(tg, dev).device) == repr(make(torch, dev).device)
    same(lambda T: make(T, T.device("cpu")).device)
    # A CPU build of torch: asking for CUDA is its AssertionError.
    for dev in ("cuda", "cuda:1"):
        assert same(lambda T, dev=dev: make(T, dev))[0] == ("ok" if HAS_GPU else "AssertionError")
    same(lambda T: make(T, "bogus"))


@pytest.mark.parametrize("name", ["tensor", "zeros", "ones", "full", "empty", "zeros_like"])
def test_factory_device_of_the_wrong_type_as_torch(name):
    assert same(lambda T: FACTORIES[name](T, 1.5))[0] == "TypeError"


def test_tensor_device_queries_as_torch():
    for expr in ("x.device", "str(x.device)", "x.is_cuda", "x.is_cpu", "x.get_device()",
                 "x.device.type", "x.device.index", "x.numpy().tolist()", "x.cpu() is x"):
        same(lambda T, expr=expr: eval(expr, {"x": T.ones(2)}))


def test_tensor_holding_a_tracer_reports_the_default_device():
    def f(a):
        t = tg.from_jax(a)
        assert t.device == tg.device("cpu") and not t.is_cuda
        return (t.to("cpu") * 2).cpu().jax()

    np.testing.assert_array_equal(jax.jit(f)(jnp.ones(2, jnp.float32)), [2.0, 2.0])


def test_default_device_context_manager_as_torch():
    def program(T):
        with T.device("cpu"):
            inside = str(T.zeros(2).device)
        return inside, str(T.get_default_device())

    same(program)
    tg.set_default_device("cpu")
    assert tg.get_default_device() == tg.device("cpu")


# ------------------------------------------------------------------ to / cpu / cuda
TO_CALLS = [
    "x.to('cpu') is x", "x.to(T.device('cpu')) is x", "x.to('cpu:0') is x",
    "x.to(device='cpu') is x", "x.to(None) is x", "x.to() is x", "x.cpu() is x",
    "x.to(T.float32) is x", "x.to('cpu', T.float32) is x", "x.to(T.zeros(1)) is x",
    "x.to(None, None) is x", "x.to('cpu', None).dtype", "x.to(None, T.float64).dtype",
    "x.to('cpu', copy=True) is x", "x.to('cpu', T.float64).dtype",
    "x.to(device='cpu', dtype=T.float64, non_blocking=True).dtype",
    "x.to(T.zeros(1, dtype=T.float64)).dtype", "x.to(T.float64, False, True).dtype",
    "x.to(T.float64, non_blocking=True).dtype",
    "x.to(dtype=T.float64, memory_format=T.preserve_format).dtype",
    "x.to(T.float32, copy=True) is x",
    "x.to('cuda')", "x.to('cuda:1', T.float64)", "x.to(device='cuda')", "x.cuda()",
    "x.cuda(0)", "x.cuda('cuda:0')", "x.cuda(1.5)", "x.to('bogus')", "x.to(0)",
    "x.to(T.float64, T.float32)", "x.to('cpu', 'cpu')", "x.to(T.zeros(1), T.float64)",
    "x.to(foo=1)", "x.to(dtype='x')", "x.to([1])", "x.to(T.device('cpu'), T.zeros(1))",
    "x.to(T.float64, 1)", "x.to(device=1.5)", "x.to(T.float32, True, True, True)",
    "x.to('cpu', T.float64, True, True, True)",
]


@pytest.mark.parametrize("call", TO_CALLS)
def test_to_arguments_as_torch(call):
    kind, _ = same(lambda T: eval(call, {"T": T, "x": T.ones(2)}))
    if call.startswith(("x.to('cuda", "x.cuda(")) and call not in ("x.cuda(1.5)", "x.cuda(0)") \
            and not HAS_GPU:
        assert kind == "AssertionError"


@pytest.mark.parametrize("call", ["x.to('cpu', copy=True)", "x.to('cpu', T.float64)",
                                  "x.to(T.zeros(1, dtype=T.float64))",
                                  "x.to(device='cpu', dtype=T.float64)"])
def test_to_copies_record_to_copy_backward_as_torch(call):
    def program(T):
        x = T.tensor([1.0, -2.0], requires_grad=True)
        y = eval(call, {"T": T, "x": x})
        (y * y).sum().backward()
        return (type(y.grad_fn).__name__, type(y.grad_fn.next_functions[0][0]).__name__,
                y.dtype, x.grad.dtype, x.grad.tolist(), y.requires_grad, y.is_leaf)

    same(program)


def test_to_under_no_grad_and_integer_targets_as_torch():
    def program(T):
        x = T.tensor([1.5, -2.5], requires_grad=True)
        with T.no_grad():
            a = x.to("cpu", T.float64)
        b = x.to("cpu", T.int64)
        return a.requires_grad, a.grad_fn, b.requires_grad, b.grad_fn, b.tolist()

    same(program)


# ------------------------------------------------------------------ Module.to / cpu / cuda
MODULE_CALLS = [
    "m.to('cpu') is m", "m.to(T.device('cpu')) is m", "m.cpu() is m",
    "m.to('cpu', T.float64).weight.dtype", "m.to(device='cpu', dtype=T.float64).bias.dtype",
    "m.to(T.zeros(1, dtype=T.float64)).weight.dtype", "m.to('cuda')", "m.cuda()",
    "m.cuda(0)", "m.to('bogus')", "m.to(T.int64)", "m.to(T.float64, 'cpu')",
    "m.to(device='cpu', dtype=T.int64)", "str(m.to('cpu').weight.device)",
    "T.nn.ReLU().cuda()", "T.nn.ReLU().to('cuda')",
]


MODULE_MAKERS = {
    "Linear": lambda T, d: T.nn.Linear(2, 2, device=d),
    "Conv1d": lambda T, d: T.nn.Conv1d(1, 1, 2, device=d),
    "BatchNorm1d": lambda T, d: T.nn.BatchNorm1d(2, device=d),
    "LayerNorm": lambda T, d: T.nn.LayerNorm(2, device=d),
    "Embedding": lambda T, d: T.nn.Embedding(3, 2, device=d),
    "GRUCell": lambda T, d: T.nn.GRUCell(2, 2, device=d),
    "LSTM": lambda T, d: T.nn.LSTM(2, 2, device=d),
    "TransformerEncoderLayer": lambda T, d: T.nn.TransformerEncoderLayer(4, 2, 8, device=d),
}


@pytest.mark.parametrize("name", sorted(MODULE_MAKERS))
def test_module_device_argument_as_torch(name):
    make = MODULE_MAKERS[name]
    same(lambda T: sorted({str(p.device) for p in make(T, "cpu").parameters()}))
    assert same(lambda T: make(T, "cuda"))[0] == ("ok" if HAS_GPU else "AssertionError")


@pytest.mark.parametrize("call", MODULE_CALLS)
def test_module_to_as_torch(call):
    same(lambda T: eval(call, {"T": T, "m": T.nn.Linear(2, 2)}))


def test_module_to_converts_in_place_and_keeps_parameters():
    def program(T):
        m = T.nn.Linear(2, 2)
        m.weight.grad = T.ones(2, 2)
        w = m.weight
        m.to("cpu", T.float64)
        m.cpu()
        return (m.weight is w, m.weight.dtype, m.weight.grad.dtype, m.weight.requires_grad,
                m.weight.is_leaf, str(m.weight.device))

    same(program)


# ------------------------------------------------------------------ tg.cuda
CUDA_CALLS = ["is_available()", "device_count()", "synchronize()", "manual_seed(0)",
              "manual_seed_all(0)", "current_device()", "get_device_name()",
              "get_device_name(0)", "is_initialized()", "empty_cache()", "memory_allocated()",
              "max_memory_allocated()", "get_device_capability()"]


@pytest.mark.skipif(HAS_GPU, reason="compares with torch's CPU build")
@pytest.mark.parametrize("call", CUDA_CALLS)
def test_cuda_module_as_torch_cpu_build(call):
    same(lambda T: eval("T.cuda." + call, {"T": T}))


def test_cuda_manual_seed_without_gpu_leaves_the_cpu_stream_alone():
    tg.manual_seed(3)
    a = tg.rand(3)
    tg.manual_seed(3)
    tg.cuda.manual_seed_all(7)
    if not HAS_GPU:
        assert tg.rand(3).tolist() == a.tolist()


def test_single_device_process_pays_nothing():
    if _device.MULTI:
        pytest.skip("more than one JAX device here")
    from tapegrad.ops import _dispatch

    assert _dispatch._MULTI_DEVICE is False
    a = jnp.ones(2)
    assert _device.place(a) is a and _device.place(a, "cpu") is a


# ------------------------------------------------------------------ a second device, simulated
SIMULATED = r"""
import os, sys
import jax, jax.numpy as jnp
import tapegrad as tg
from tapegrad import _device
cpu0, cpu1 = jax.devices("cpu")[:2]
# The second CPU device plays cuda:0: JAX's GPU list and the reverse name map say so.
_device._GPUS = [cpu1]
_device._BY_JAX[cpu1] = tg.device("cuda", 0)
assert _device.MULTI
def dev_of(t):
    return next(iter(t.jax().devices()))
x = tg.ones(2, requires_grad=True)
assert dev_of(x) == cpu0 and x.device == tg.device("cpu") and x.jax().committed
y = x.to("cuda")
assert repr(y) == "tensor([1., 1.], device='cuda:0', grad_fn=<ToCopyBackward0>)", repr(y)
assert dev_of(y) == cpu1 and str(y.device) == "cuda:0" and y.is_cuda and not y.is_cpu
assert y.get_device() == 0 and type(y.grad_fn).__name__ == "ToCopyBackward0"
assert y.to("cuda") is y and y.to("cuda:0") is y and y.cuda() is y and x.cpu() is x
assert x.cuda().device == tg.device("cuda", 0) and tg.cuda.is_available()
z = tg.zeros(2, device="cuda")
assert dev_of(z) == cpu1 and dev_of(tg.zeros_like(z)) == cpu1 and dev_of(tg.rand_like(z)) == cpu1
assert dev_of(tg.tensor([1.0], device=tg.device("cuda", 0))) == cpu1
try:
    x + z
except RuntimeError as e:
    assert str(e) == ("Expected all tensors to be on the same device, but found at least two "
                      "devices, cpu and cuda:0!"), str(e)
else:
    raise AssertionError("no mismatch error")
try:
    z * x
except RuntimeError as e:
    assert "cuda:0 and cpu!" in str(e), str(e)
# A 0-d CPU tensor goes with any device, as in torch.
w = z + tg.tensor(2.0)
assert dev_of(w) == cpu1 and w.tolist() == [2.0, 2.0]
try:
    z.numpy()
except TypeError as e:
    assert str(e).startswith("can't convert cuda:0 device type tensor to numpy"), str(e)
# Autograd through a device change: gradients come back to the source device.
loss = ((y * 3).sum() * y.to("cpu").sum())
loss.backward()
assert dev_of(x.grad) == cpu0 and x.grad.tolist() == [12.0, 12.0], x.grad
# A model on the "GPU", trained a step; its state moves back with cpu().
m = tg.nn.Linear(2, 1)
w0 = m.weight
m.to("cuda")
assert m.weight is w0 and dev_of(m.weight) == cpu1
opt = tg.optim.SGD(m.parameters(), lr=0.1)
out = m(tg.ones(4, 2).to("cuda")).sum()
out.backward()
opt.step()
assert dev_of(m.weight) == cpu1 and dev_of(m.weight.grad) == cpu1
m.cpu()
assert dev_of(m.weight) == cpu0 and m.weight.device == tg.device("cpu")
# copy_ across devices is allowed, as in torch.
c = tg.zeros(2)
c.copy_(z + 1)
assert dev_of(c) == cpu0 and c.tolist() == [1.0, 1.0]
with tg.device("cuda"):
    assert dev_of(tg.ones(1)) == cpu1
# tg.compile of a step on the "GPU" with Adam, whose step counts are 0-d CPU tensors.
m2 = tg.nn.Linear(2, 1).to("cuda")
opt2 = tg.optim.Adam(m2.parameters(), lr=0.1)
@tg.compile
def step(inp):
    opt2.zero_grad()
    loss = (m2(inp) ** 2).mean()
    loss.backward()
    opt2.step()
    return loss
xs = tg.ones(4, 2, device="cuda")
first = step(xs).item()
for _ in range(3):
    last = step(xs)
assert last.item() < first and dev_of(m2.weight) == cpu1, (first, last)
assert tg.get_default_device() == tg.device("cpu")
print("simulated ok")
"""


def test_simulated_second_device():
    flags = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2"
    env = dict(os.environ, JAX_PLATFORMS="cpu", XLA_FLAGS=flags)
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(SIMULATED)], env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "simulated ok" in result.stdout


# ------------------------------------------------------------------ a real GPU
@pytest.mark.gpu
@pytest.mark.skipif(not HAS_GPU, reason="needs a JAX GPU device (JAX_PLATFORMS=cuda,cpu)")
def test_on_a_gpu():
    x = tg.ones(2, requires_grad=True)
    y = x.to("cuda")
    assert str(y.device) == "cuda:0" and y.is_cuda and y.get_device() == 0
    assert next(iter(y.jax().devices())).platform == "gpu"
    (y * 2).sum().backward()
    assert x.grad.device == tg.device("cpu") and x.grad.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        x + tg.zeros(2, device="cuda")
    assert tg.cuda.device_count() >= 1 and tg.cuda.current_device() == 0
    assert isinstance(tg.cuda.get_device_name(), str)
    tg.cuda.synchronize()
