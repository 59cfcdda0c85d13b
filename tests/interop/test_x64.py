"""NOTE [x64]: `import tapegrad` changes no JAX configuration, and tapegrad's 64-bit dtypes stay
exact whatever the user's x64 setting (issue 14 item 1).

Each check runs in a fresh interpreter, so the user's setting is the one the program sets (the
test process itself has imported tapegrad and torch already)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

# What a JAX user computes with default dtypes: compared before and after tapegrad's work.
_JAX_PROBE = """
def probe():
    import jax, jax.numpy as jnp
    return {
        "x64_flag": bool(jax.config.jax_enable_x64),
        "array": str(jnp.array(1.0).dtype),
        "int": str(jnp.arange(3).dtype),
        "linspace": str(jnp.linspace(0, 1, 3).dtype),
        "normal": str(jax.random.normal(jax.random.key(0), (2,)).dtype),
        "jit": str(jax.jit(lambda x: x * 2.0)(jnp.ones(2)).dtype),
        "sum_int": str(jnp.sum(jnp.ones(3, jnp.int32)).dtype),
    }
"""

# tapegrad work touching every entry kind: factories, ops, views and in-place writes,
# backward, create_graph, nn + optim, tg.compile, func transforms, random.
_TAPEGRAD_WORK = """
import tapegrad as tg
x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
y = (x * 1e-300).exp().sum() + (x ** 3).sum()
(g,) = tg.autograd.grad(y, x, create_graph=True)
g.sum().backward()
i = tg.arange(3)
v = tg.zeros(4, dtype=tg.float64)
v[1:3] += 2 ** 60
m = tg.nn.Linear(2, 1).double()
opt = tg.optim.Adam(m.parameters(), lr=0.1)

@tg.compile
def step(inp):
    opt.zero_grad()
    loss = m(inp).pow(2).sum()
    loss.backward()
    opt.step()
    return loss

for _ in range(3):
    loss = step(tg.ones(3, 2, dtype=tg.float64))
h = tg.func.grad(lambda t: (t.sin() ** 2).sum())(tg.tensor([0.5], dtype=tg.float64))
r = tg.randn(3, dtype=tg.float64)
result = {
    "x_dtype": str(x.dtype), "grad_dtype": str(x.grad.dtype), "grad": x.grad.tolist(),
    "tiny": float((tg.tensor([1e-300], dtype=tg.float64) * 1e-5).item()),
    "arange": str(i.dtype), "big": v.tolist(), "loss": str(loss.dtype),
    "param": str(m.weight.dtype), "func_grad": str(h.dtype), "randn": str(r.dtype),
    "int64_max": int(tg.tensor([2 ** 62]).add(2 ** 62 - 1 + 2 ** 62).item()),
}
"""


def _run(setting: str) -> dict:
    program = "\n".join([
        "import json", setting, _JAX_PROBE, "before = probe()", _TAPEGRAD_WORK,
        "after = probe()", "print(json.dumps({'before': before, 'after': after, 'tg': result}))"])
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                         env={"JAX_PLATFORMS": "cpu", "PATH": "/usr/bin:/bin",
                              "PYTHONPATH": ":".join(sys.path)}, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _torch_reference() -> dict:
    import torch

    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    y = (x * 1e-300).exp().sum() + (x ** 3).sum()
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    g.sum().backward()
    v = torch.zeros(4, dtype=torch.float64)
    v[1:3] += 2 ** 60
    return {"grad": x.grad.tolist(), "big": v.tolist(),
            "tiny": float((torch.tensor([1e-300], dtype=torch.float64) * 1e-5).item()),
            "int64_max": int(torch.tensor([2 ** 62]).add(2 ** 62 - 1 + 2 ** 62).item())}


@pytest.mark.parametrize("setting", [
    "",  # JAX's default: x64 off
    "import jax; jax.config.update('jax_enable_x64', True)",  # the user turned it on
    "import jax; jax.config.update('jax_enable_x64', False)",  # the user turned it off
], ids=["default", "user_on", "user_off"])
def test_import_and_use_change_no_jax_setting_and_64_bit_stays_exact(setting):
    got = _run(setting)
    # The user's JAX code computes the same dtypes before and after tapegrad ran.
    assert got["before"] == got["after"]
    expect_x64 = "True" in setting
    assert got["before"]["x64_flag"] is expect_x64
    assert got["before"]["array"] == ("float64" if expect_x64 else "float32")
    # tapegrad's 64-bit types are exact either way, with torch's values.
    tg_res = got["tg"]
    for key in ("x_dtype", "grad_dtype", "loss", "param", "func_grad", "randn"):
        assert tg_res[key] == "tapegrad.float64", (key, tg_res[key])
    assert tg_res["arange"] == "tapegrad.int64"
    ref = _torch_reference()
    for key, value in ref.items():
        assert tg_res[key] == value, (key, tg_res[key], value)


def test_import_alone_leaves_the_flag_and_defaults():
    program = textwrap.dedent("""
        import jax, jax.numpy as jnp
        before = (jax.config.jax_enable_x64, str(jnp.array(1.0).dtype))
        import tapegrad
        after = (jax.config.jax_enable_x64, str(jnp.array(1.0).dtype))
        assert before == after == (False, "float32"), (before, after)
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                         env={"JAX_PLATFORMS": "cpu", "PATH": "/usr/bin:/bin",
                              "PYTHONPATH": ":".join(sys.path)}, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_other_threads_keep_their_setting_while_tapegrad_runs():
    # The scope is thread-local: a JAX thread running beside a tapegrad thread sees its own.
    import threading

    import jax.numpy as jnp

    import tapegrad as tg

    seen = []
    stop = threading.Event()

    def jax_user():
        while not stop.is_set():
            seen.append(str(jnp.array(1.0).dtype))

    t = threading.Thread(target=jax_user)
    t.start()
    try:
        for _ in range(50):
            a = tg.ones(3, dtype=tg.float64, requires_grad=True)
            (a * 2).sum().backward()
    finally:
        stop.set()
        t.join()
    assert seen and set(seen) == {"float32"}


def test_float32_jax_transforms_over_tapegrad_code_with_x64_off():
    # The user's jax.grad/jax.jit over float32 tapegrad code, x64 left off: torch's gradient.
    import jax
    import jax.numpy as jnp
    import numpy as np
    import torch

    import tapegrad as tg

    assert not jax.config.jax_enable_x64

    def loss(a):
        x = tg.from_jax(a)
        return (x.sin() * x.detach() + x.tanh().pow(2)).sum().jax()

    a = jnp.asarray([0.5, -1.0, 2.0], jnp.float32)
    g = jax.jit(jax.grad(loss))(a)
    t = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (t.sin() * t.detach() + t.tanh().pow(2)).sum().backward()
    assert g.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(g), t.grad.numpy(), rtol=1e-6)
