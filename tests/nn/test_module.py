"""Module, Parameter and container behaviour against torch, as programs through the harness."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tapegrad as tg
from tapegrad.testing import assert_parity


def _net(T):
    class Net(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.features = T.nn.Sequential(T.nn.Conv2d(1, 2, 3), T.nn.BatchNorm2d(2),
                                            T.nn.ReLU())
            self.head = T.nn.Linear(8, 3)
            self.scale = T.nn.Parameter(T.ones(1))
            self.register_buffer("counter", T.zeros(1))
            self.register_buffer("scratch", T.zeros(2), persistent=False)

        def forward(self, x):
            return self.head(self.features(x).flatten(1)) * self.scale

    return Net()


# `.grad._version` depends on each torch kernel's internals (see tests/ops/test_op_parity.py).
IGNORE = r"\.grad\._version$"


def _ok(program):
    run = assert_parity(program, ignore=IGNORE)
    assert run.error is None, run.error
    return run


def test_registration_and_traversal_match_torch():
    def program(T):
        net = _net(T)
        print(net)
        return ([n for n, _ in net.named_parameters()], [n for n, _ in net.named_buffers()],
                [n for n, _ in net.named_children()], [n for n, _ in net.named_modules()],
                [type(m).__name__ for m in net.modules()], len(list(net.parameters())),
                list(net.state_dict().keys()),
                [tuple(p.shape) for p in net.parameters(recurse=False)],
                [n for n, _ in net.named_parameters(prefix="model", recurse=True)][:2],
                sorted(k for k in dir(net) if k in ("head", "scale", "counter", "features")))

    _ok(program)


def test_state_dict_values_metadata_and_keep_vars_match_torch():
    def program(T):
        net = _net(T)
        sd = net.state_dict()
        kept = net.state_dict(keep_vars=True)
        return (dict(sd._metadata), [v.requires_grad for v in sd.values()],
                [v.requires_grad for v in kept.values()], kept["head.weight"] is net.head.weight,
                type(sd).__name__, sd["features.1.num_batches_tracked"])

    _ok(program)


@pytest.mark.parametrize("case", ["missing", "unexpected", "size", "not-tensor", "non-strict",
                                  "all-ok", "not-mapping"])
def test_load_state_dict_errors_match_torch(case):
    def program(T):
        m = T.nn.Sequential(T.nn.Linear(3, 2), T.nn.BatchNorm1d(2))
        sd = dict(m.state_dict())
        if case == "missing":
            del sd["0.bias"]
        elif case == "unexpected":
            sd["1.extra"] = T.zeros(1)
            sd["bogus.weight"] = T.zeros(1)
        elif case == "size":
            sd["0.weight"] = T.zeros(3, 3)
            sd["1.running_mean"] = T.zeros(5)
        elif case == "not-tensor":
            sd["0.bias"] = [1.0, 2.0]
        elif case == "non-strict":
            del sd["1.weight"]
            sd["junk"] = T.ones(2)
            return repr(m.load_state_dict(sd, strict=False))
        elif case == "not-mapping":
            sd = [1, 2]
        try:
            return repr(m.load_state_dict(sd))
        except (RuntimeError, TypeError) as e:
            return type(e).__name__, str(e)  # the whole multi-line message

    run = assert_parity(program)
    assert run.error is None


def test_load_state_dict_copies_values_in_place_and_bumps_versions():
    def program(T):
        a = T.nn.Linear(3, 2)
        b = T.nn.Linear(3, 2)
        weight = b.weight
        with T.no_grad():
            a.weight.fill_(0.5)
            a.bias.fill_(-1.0)
        b.load_state_dict(a.state_dict())
        return b.weight is weight, b.weight, b.bias, b.weight._version

    _ok(program)


def test_torch_state_dict_loads_into_tapegrad_module_and_outputs_match():
    torch.manual_seed(1)
    t_net = _net(torch)
    g_net = _net(tg)
    with torch.no_grad():
        t_net.features[1].running_mean.uniform_(-1, 1)
        t_net.features[1].running_var.uniform_(0.5, 2)
        t_net.counter.fill_(3)
    assert repr(g_net.load_state_dict(t_net.state_dict())) == "<All keys matched successfully>"
    x = np.random.default_rng(0).uniform(-1, 1, size=(2, 1, 4, 4)).astype(np.float32)
    t_net.eval()
    g_net.eval()
    tx = torch.tensor(x, requires_grad=True)
    gx = tg.tensor(x, requires_grad=True)
    t_out, g_out = t_net(tx), g_net(gx)
    np.testing.assert_allclose(g_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    t_out.sum().backward()
    g_out.sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    for (name, tp), (_, gp) in zip(t_net.named_parameters(), g_net.named_parameters(),
                                   strict=True):
        np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)
    np.testing.assert_array_equal(g_net.counter.numpy(), [3.0])


def test_batchnorm_state_dict_without_num_batches_tracked_loads_as_version_1():
    def program(T):
        bn = T.nn.BatchNorm1d(2)
        sd = bn.state_dict()
        del sd["num_batches_tracked"]
        sd._metadata[""]["version"] = 1
        result = bn.load_state_dict(sd)
        return repr(result), bn.num_batches_tracked

    _ok(program)


def test_train_eval_requires_grad_and_zero_grad_match_torch():
    def program(T):
        net = _net(T)
        out = [net.training]
        net.eval()
        out.append([m.training for m in net.modules()])
        net.train()
        out.append([m.training for m in net.modules()])
        net.head.requires_grad_(False)
        out.append([p.requires_grad for p in net.parameters()])
        net.train(True)
        x = T.ones(2, 1, 4, 4)
        net(x).sum().backward()
        out.append([p.grad is None for p in net.parameters()])
        net.zero_grad(set_to_none=False)
        out.append([p.grad for p in net.parameters() if p.grad is not None])
        net.zero_grad()
        out.append([p.grad is None for p in net.parameters()])
        try:
            net.train("yes")
        except ValueError as e:
            out.append(str(e))
        return out

    _ok(program)


def test_setattr_and_registration_errors_match_torch():
    def program(T):
        out = []
        m = T.nn.Linear(2, 2)

        def attempt(fn):
            try:
                fn()
                out.append("ok")
            except Exception as e:  # noqa: BLE001 - the error is the observable
                out.append((type(e).__name__, str(e)))

        attempt(lambda: setattr(m, "weight", T.ones(2, 2)))
        attempt(lambda: setattr(m, "weight", None))
        attempt(lambda: m.register_buffer("weight", T.ones(1)))
        attempt(lambda: m.register_buffer("a.b", T.ones(1)))
        attempt(lambda: m.register_buffer("", T.ones(1)))
        attempt(lambda: m.register_buffer("buf", [1]))
        attempt(lambda: m.register_parameter("p", T.ones(1)))
        attempt(lambda: m.register_parameter("q", T.nn.Parameter(T.ones(1)) * 2))
        attempt(lambda: m.add_module("a.b", T.nn.ReLU()))
        attempt(lambda: m.add_module("sub", 3))
        attempt(lambda: m.register_buffer("buf", T.ones(1)))
        attempt(lambda: setattr(m, "buf", 3))
        attempt(lambda: setattr(m, "sub", T.nn.ReLU()))
        attempt(lambda: setattr(m, "sub", 3))
        attempt(lambda: m.nonexistent)
        attempt(lambda: T.nn.Module()(1))
        del m.sub
        del m.buf
        out.append([n for n, _ in m.named_buffers()] + [n for n, _ in m.named_children()])

        class Early(T.nn.Module):
            def __init__(self):
                self.w = T.nn.Parameter(T.ones(1))

        attempt(Early)
        return out

    _ok(program)


def test_apply_to_dtype_and_parameter_identity_match_torch():
    def program(T):
        net = T.nn.Sequential(T.nn.Linear(3, 3), T.nn.BatchNorm1d(3))
        weight = net[0].weight

        def init(m):
            if isinstance(m, T.nn.Linear):
                with T.no_grad():
                    m.weight.fill_(0.25)
                    m.bias.zero_()

        net.apply(init)
        net.to(T.float64)
        out = [net[0].weight is weight, type(net[0].weight).__name__,
               [(n, t.dtype) for n, t in net.state_dict().items()]]
        net(T.ones(2, 3, dtype=T.float64)).sum().backward()
        net.float()
        out.append([p.grad.dtype for p in net.parameters()])
        out.append(net[0].weight)
        return out

    _ok(program)


def test_forward_hooks_and_pre_hooks_match_torch():
    def program(T):
        m = T.nn.Linear(2, 2)
        with T.no_grad():
            m.weight.fill_(1.0)
            m.bias.fill_(0.0)
        calls = []
        h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        h2 = m.register_forward_hook(lambda mod, args, out: out + 1)
        h3 = m.register_forward_hook(lambda mod, args, kwargs, out: calls.append(
            (len(args), sorted(kwargs))), with_kwargs=True)
        h4 = m.register_forward_hook(lambda mod, args, out: calls.append("first"), prepend=True)
        x = T.ones(1, 2)
        a = m(x)
        h1.remove()
        h2.remove()
        h3.remove()
        h4.remove()
        b = m(x)
        return a, b, calls

    _ok(program)


def test_parameter_repr_version_and_grad_match_torch():
    def program(T):
        data = T.tensor([1.0, 2.0])
        p = T.nn.Parameter(data)
        print(p)
        print(T.nn.Parameter(T.zeros(2, 2, dtype=T.float64), requires_grad=False))
        with T.no_grad():
            data.add_(1)
        q = p * 3
        q.sum().backward()
        return p, p._version, p.is_leaf, q.grad_fn, type(p * 1).__name__

    _ok(program)


def test_containers_match_torch():
    def program(T):
        out = []
        seq = T.nn.Sequential(T.nn.Linear(2, 3), T.nn.ReLU(), T.nn.Linear(3, 1))
        out.append(repr(seq[0:2]))
        out.append(type(seq[-1]).__name__)
        seq.append(T.nn.Sigmoid())
        seq.insert(1, T.nn.Tanh())
        del seq[2]
        out.append(repr(seq))
        out.append(len(seq))
        out.append(repr(seq + T.nn.Sequential(T.nn.ReLU())))
        ml = T.nn.ModuleList([T.nn.Linear(2, 2) for _ in range(3)])
        ml.append(T.nn.ReLU())
        ml.extend([T.nn.ReLU(), T.nn.Tanh()])
        ml.insert(0, T.nn.Tanh())
        out.append(repr(ml))
        out.append([type(m).__name__ for m in ml[1:3]])
        del ml[0]
        out.append(len(ml))
        md = T.nn.ModuleDict({"a": T.nn.Linear(1, 1), "b": T.nn.ReLU()})
        md["c"] = T.nn.Tanh()
        out.append(list(md.keys()))
        out.append(repr(md))
        out.append("a" in md)
        out.append(type(md.pop("a")).__name__)
        out.append([n for n, _ in md.named_modules()])
        try:
            seq[10]
        except IndexError as e:
            out.append(str(e))
        try:
            ml[10]
        except IndexError as e:
            out.append(str(e))
        return out

    _ok(program)


def test_layer_reprs_match_torch():
    def program(T):
        nn = T.nn
        layers = [nn.Linear(3, 4, bias=False), nn.Bilinear(2, 3, 4), nn.Conv1d(3, 4, 3),
                  nn.Conv2d(3, 4, (3, 2), stride=2, padding=1, dilation=2, groups=1),
                  nn.Conv2d(4, 4, 3, padding="same", groups=2, bias=False),
                  nn.MaxPool2d(3, 2, 1), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d((2, None)),
                  nn.BatchNorm1d(3), nn.BatchNorm2d(4, momentum=None, affine=False),
                  nn.LayerNorm((2, 3)), nn.GroupNorm(2, 4, affine=False),
                  nn.Embedding(5, 2, padding_idx=-1, max_norm=1.0), nn.Dropout(0.3),
                  nn.Flatten(), nn.Unflatten(1, (2, 2)), nn.ReLU(inplace=True), nn.GELU("tanh"),
                  nn.SiLU(), nn.Tanh(), nn.Sigmoid(), nn.Softmax(dim=-1), nn.LogSoftmax(1),
                  nn.LeakyReLU(0.2), nn.ELU(), nn.Identity(), nn.MultiheadAttention(4, 2),
                  nn.MSELoss(reduction="sum"), nn.CrossEntropyLoss(label_smoothing=0.1)]
        for layer in layers:
            print(layer)
        return [[n for n, _ in layer.named_parameters()] for layer in layers]

    _ok(program)


def test_default_initialisation_distributions_match_torch_bounds():
    # Values differ from torch (different RNG); the bounds torch's init uses must hold.
    tg.manual_seed(0)
    lin = tg.nn.Linear(50, 40)
    bound = 1 / np.sqrt(50)
    w = lin.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(lin.bias.detach().numpy()).max() <= bound
    conv = tg.nn.Conv2d(4, 6, 3)
    cb = 1 / np.sqrt(4 * 9)
    assert np.abs(conv.weight.detach().numpy()).max() <= cb
    emb = tg.nn.Embedding(200, 20, padding_idx=3).weight.detach().numpy()
    assert abs(emb.std() - 1) < 0.05 and not emb[3].any()
    bn = tg.nn.BatchNorm2d(3)
    assert (bn.weight.detach().numpy() == 1).all() and (bn.bias.detach().numpy() == 0).all()
    mha = tg.nn.MultiheadAttention(8, 2)
    assert not mha.in_proj_bias.detach().numpy().any()
    assert not mha.out_proj.bias.detach().numpy().any()
    # Same seed, same weights.
    tg.manual_seed(0)
    np.testing.assert_array_equal(tg.nn.Linear(50, 40).weight.detach().numpy(), w)
