"""tg.autocast against live torch.autocast('cpu'): which ops run in bfloat16, which in float32,
which promote; values (bfloat16 tolerance), grad_fn graphs (the ToCopyBackward0 casts), grads
and their dtypes; nesting, disabling, the weight-cast cache; torch's checks and warnings."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.testing import assert_parity

A = np.array([[0.5, -1.25, 2.0, 0.75], [1.5, 0.25, -0.5, 1.0],
              [-0.75, 1.75, 0.5, -1.5], [0.25, -0.5, 1.25, 2.0]], np.float32)
TARGET = [0, 1, 2, 3]


def _a(T, requires_grad=True):
    return T.tensor(A.tolist(), requires_grad=requires_grad)


# op name -> f(T, x) with x a float32 4x4 leaf (same sample shapes throughout: one compile each).
CASES = {
    "mm": lambda T, x: T.mm(x, x),
    "bmm": lambda T, x: T.bmm(x[None], x[None]),
    "matmul_2d": lambda T, x: x @ x,
    "matmul_3d": lambda T, x: T.matmul(x.unsqueeze(0).expand(2, 4, 4), x),
    "addmm": lambda T, x: T.addmm(x, x, x),
    "baddbmm": lambda T, x: T.baddbmm(x[None], x[None], x[None]),
    "addbmm": lambda T, x: T.addbmm(x, x[None], x[None]),
    "linear": lambda T, x: T.nn.functional.linear(x, x, x[0]),
    "linear_nobias": lambda T, x: T.nn.functional.linear(x, x),
    "conv2d": lambda T, x: T.nn.functional.conv2d(x.reshape(1, 1, 4, 4),
                                                  x[:1].reshape(1, 1, 2, 2)),
    "prelu": lambda T, x: T.nn.functional.prelu(x, x[0, :1]),
    "conv1d": lambda T, x: T.nn.functional.conv1d(x.reshape(1, 1, 16), x[:1, :3].reshape(1, 1, 3)),
    "conv_transpose2d": lambda T, x: T.nn.functional.conv_transpose2d(
        x.reshape(1, 1, 4, 4), x[:1].reshape(1, 1, 2, 2)),
    "einsum": lambda T, x: T.einsum("ij,jk->ik", x, x),
    "sdpa": lambda T, x: T.nn.functional.scaled_dot_product_attention(
        x[None, None], x[None, None], x[None, None]),
    # not on the CPU lists: run as they are
    "mv": lambda T, x: T.mv(x, x[0]),
    "dot": lambda T, x: T.dot(x[0], x[1]),
    "softmax": lambda T, x: x.softmax(-1),
    "exp_sum": lambda T, x: x.exp().sum(),
    # float32 list
    "mse_loss": lambda T, x: T.nn.functional.mse_loss(x @ x, x),
    "l1_loss": lambda T, x: T.nn.functional.l1_loss(x @ x, x),
    "cross_entropy": lambda T, x: T.nn.functional.cross_entropy(x @ x, T.tensor(TARGET)),
    "nll_loss": lambda T, x: T.nn.functional.nll_loss(x @ x, T.tensor(TARGET)),
    "bce_logits": lambda T, x: T.nn.functional.binary_cross_entropy_with_logits(
        x @ x, x.sigmoid()),
    "cdist": lambda T, x: T.cdist(x @ x, x),
    "prod": lambda T, x: (x @ x).prod(),
    "huber_loss": lambda T, x: T.nn.functional.huber_loss(x @ x, x),
    "kl_div": lambda T, x: T.nn.functional.kl_div(x @ x, x.abs(), reduction="sum"),
    "linalg_inv": lambda T, x: T.linalg.inv(x @ x + T.eye(4) * 4),
    # promote list (a bfloat16 and a float32 input)
    "cat": lambda T, x: T.cat([x @ x, x]),
    "stack": lambda T, x: T.stack([x @ x, x]),
    "add_promotes": lambda T, x: x @ x + x,
    "index_copy": lambda T, x: x.index_copy(0, T.tensor([1]), (x @ x)[:1]),
    "float64_not_cast": lambda T, x: T.mm(x.double(), x.double()),
    "inplace_not_cast": lambda T, x: (x * 1).addmm_(x, x),
}


def _run(T, name):
    x = _a(T)
    with T.autocast("cpu"):
        out = CASES[name](T, x)
    out.float().sum().backward()
    # (the harness reads values as float32: the dtype is observed on its own)
    return out.dtype, out.float(), x.grad


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_under_autocast_matches_torch(name):
    def program(T):
        return _run(T, name)

    program.__name__ = name
    # einsum's node is one generic EinsumBackward (README: Semantics); its casts are torch's.
    ignore = r"result\[1\]\.grad_fn\[1\]" if name == "einsum" else None
    assert_parity(program, rtol=2e-2, atol=2e-2, ignore=ignore)


def test_state_functions_match_torch():
    def program(T):
        out = [T.is_autocast_enabled(), T.is_autocast_enabled("cpu"),
               T.get_autocast_dtype("cpu"), T.get_autocast_dtype("cuda")]
        with T.autocast("cpu"):
            out += [T.is_autocast_enabled("cpu"), T.is_autocast_enabled(),
                    T.is_autocast_cache_enabled()]
            with T.autocast("cpu", enabled=False):
                out += [T.is_autocast_enabled("cpu"), (_a(T) @ _a(T)).dtype]
            with T.autocast("cpu", dtype=T.float16, cache_enabled=False):
                out += [T.get_autocast_dtype("cpu"), T.is_autocast_cache_enabled(),
                        (_a(T, False) @ _a(T, False)).dtype]
            out += [T.get_autocast_dtype("cpu"), (_a(T) @ _a(T)).dtype]
        out += [T.is_autocast_enabled("cpu"), (_a(T) @ _a(T)).dtype,
                T.amp.is_autocast_available("cpu")]
        return out

    assert_parity(program)


def test_deprecated_state_functions_match_torch():
    def program(T):
        out = [T.is_autocast_cpu_enabled(), T.get_autocast_cpu_dtype(),
               T.get_autocast_gpu_dtype()]
        T.set_autocast_cpu_enabled(True)
        T.set_autocast_cpu_dtype(T.float16)
        T.set_autocast_gpu_dtype(T.bfloat16)
        out += [T.is_autocast_enabled("cpu"), T.get_autocast_dtype("cpu"),
                T.get_autocast_dtype("cuda"), (_a(T, False) @ _a(T, False)).dtype]
        T.set_autocast_enabled("cpu", False)
        T.set_autocast_dtype("cpu", T.bfloat16)
        T.set_autocast_dtype("cuda", T.float16)
        return out + [T.is_autocast_enabled("cpu")]

    # The harness drops torch's DeprecationWarnings; tapegrad's are checked below.
    assert_parity(program, ignore="^warnings")
    with pytest.warns(DeprecationWarning, match=r"^torch\.get_autocast_cpu_dtype\(\) is "
                      r"deprecated\. Please use torch\.get_autocast_dtype\('cpu'\) instead\.$"):
        tg.get_autocast_cpu_dtype()


def test_decorator_matches_torch():
    def program(T):
        @T.autocast("cpu")
        def f(a):
            return a @ a
        out = f(_a(T))
        return out.dtype, out.float(), T.is_autocast_enabled("cpu")

    assert_parity(program, rtol=2e-2, atol=2e-2)


def test_weight_cast_cache_matches_torch():
    # torch caches the bfloat16 copy of a leaf float32 tensor that requires grad for the
    # whole region (one ToCopyBackward0 node shared by both uses); not a non-leaf's.
    def program(T):
        x, w = _a(T), _a(T)
        h = x * 2
        with T.autocast("cpu"):
            y1 = T.mm(h, w)
            y2 = T.mm(h, w)
        (y1.float().sum() + y2.float().sum()).backward()
        return (y1.grad_fn.next_functions[1][0] is y2.grad_fn.next_functions[1][0],
                y1.grad_fn.next_functions[0][0] is y2.grad_fn.next_functions[0][0],
                y1.float(), x.grad, w.grad)

    assert_parity(program, rtol=2e-2, atol=2e-2)


def test_nested_dtype_uses_the_cached_cast_as_torch():
    # torch's cache is per tensor, not per dtype: an inner float16 region reuses the outer
    # bfloat16 cast of a weight and mm refuses the mix, in both libraries.
    def program(T):
        x = _a(T)
        with T.autocast("cpu"):
            T.mm(x, x)
            with T.autocast("cpu", dtype=T.float16):
                return T.mm(x, x * 1)

    assert_parity(program)


def test_backward_inside_region_matches_torch():
    # torch autocasts the ops a backward runs inside a region, too.
    def program(T):
        x = _a(T)
        y = T.mm(x, x)
        with T.autocast("cpu"):
            (g,) = T.autograd.grad(y.sum(), x, create_graph=True)
        return g

    assert_parity(program, rtol=2e-2, atol=2e-2)


def test_module_forward_under_autocast_matches_torch():
    def program(T):
        T.manual_seed(0)
        lin = T.nn.Linear(4, 3)
        with T.no_grad():
            lin.weight.copy_(T.tensor(A[:3].tolist()))
            lin.bias.copy_(T.tensor(A[0, :3].tolist()))
        x = _a(T, False)
        with T.autocast("cpu"):
            out = lin(x)
            loss = T.nn.functional.cross_entropy(out, T.tensor(TARGET[:4]) % 3)
        loss.backward()
        return out.dtype, out.float(), loss, lin.weight.grad, lin.bias.grad

    assert_parity(program, rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("case", ["cuda_no_gpu", "bad_dtype", "bad_device", "not_str",
                                  "not_callable"])
def test_checks_and_warnings_match_torch(case):
    def program(T):
        if case == "cuda_no_gpu":
            with T.autocast("cuda"):
                return T.is_autocast_enabled("cuda"), (_a(T) @ _a(T)).dtype
        if case == "bad_dtype":
            with T.autocast("cpu", dtype=T.float32):
                return T.is_autocast_enabled("cpu"), (_a(T) @ _a(T)).dtype
        if case == "bad_device":
            return T.autocast("xyz")
        if case == "not_str":
            return T.autocast(3)
        return T.autocast("cpu")(3)

    program.__name__ = case
    assert_parity(program)


def test_autocast_key_reaches_the_fused_backward():
    # A fused node backward traced inside a region must not serve a backward outside it.
    a = (A / 3).astype(np.float32)  # not exact in bfloat16
    x = tg.tensor(a.tolist(), requires_grad=True)
    y = tg.mm(x, x)
    with tg.autocast("cpu"):
        (g_in,) = tg.autograd.grad(y.sum(), x, retain_graph=True)
    (g_out,) = tg.autograd.grad(y.sum(), x)
    ones = np.ones((4, 4), np.float32)
    np.testing.assert_allclose(np.asarray(g_out.jax()), ones @ a.T + a.T @ ones, rtol=1e-6)
    assert not np.allclose(np.asarray(g_in.jax()), np.asarray(g_out.jax()), rtol=1e-5, atol=0)


def test_compile_retraces_under_autocast():
    f = tg.compile(lambda a: a @ a)
    x = tg.tensor(A.tolist())
    assert f(x).dtype is tg.float32
    with tg.autocast("cpu"):
        assert f(x).dtype is tg.bfloat16
    assert f(x).dtype is tg.float32


def test_deprecated_cpu_spellings_match_torch():
    def program(T):
        with T.cpu.amp.autocast():
            out = _a(T) @ _a(T)
        scaler = T.cpu.amp.GradScaler(init_scale=4.0)
        return out.dtype, out.float(), scaler.get_scale(), T.cpu.is_available()

    assert_parity(program, rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("cast_inputs", [None, "float32"])
def test_custom_fwd_and_custom_bwd_match_torch(cast_inputs):
    # torch.amp.custom_fwd/custom_bwd on a custom Function, inside and outside a region: the
    # dtypes the forward sees, whether autocast is on in forward and backward, the grads.
    def program(T):
        seen = []

        class MatMul(T.autograd.Function):
            @staticmethod
            @T.amp.custom_fwd(device_type="cpu",
                              cast_inputs=None if cast_inputs is None else T.float32)
            def forward(ctx, a, b, scale):
                seen.append(("fwd", a.dtype, b.dtype, T.is_autocast_enabled("cpu")))
                ctx.save_for_backward(a, b)
                return (a @ b) * scale

            @staticmethod
            @T.amp.custom_bwd(device_type="cpu")
            def backward(ctx, g):
                a, b = ctx.saved_tensors
                seen.append(("bwd", g.dtype, T.is_autocast_enabled("cpu"),
                             T.get_autocast_dtype("cpu")))
                return g @ b.mT, a.mT @ g, None

        out = []
        for region in (True, False):
            a, b = _a(T), _a(T) * 1
            if region:
                with T.autocast("cpu"):
                    y = MatMul.apply(a, b, 2.0)
            else:
                y = MatMul.apply(a, b, 2.0)
            y.float().sum().backward()
            out += [y.dtype, y.float(), a.grad]
        return out, seen

    assert_parity(program, rtol=2e-2, atol=5e-2)


def test_custom_fwd_checks_and_deprecated_cuda_spellings_match_torch():
    def program(T):
        out = []
        for make in (lambda: T.amp.custom_fwd(device_type=1),
                     lambda: T.amp.custom_bwd(lambda ctx, g: g, device_type=None)):
            try:
                make()
            except ValueError as e:
                out.append(str(e))
        import warnings
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            T.cuda.amp.custom_fwd(lambda ctx, x: x)
            T.cuda.amp.custom_bwd(lambda ctx, g: g)
            T.cuda.amp.autocast(enabled=False)
            T.cuda.amp.GradScaler(enabled=False)
        out += [(x.category.__name__, str(x.message)) for x in w
                if "deprecated" in str(x.message)]
        return out

    assert_parity(program)
