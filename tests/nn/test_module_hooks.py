"""Module hook and state API against torch: each program runs under both libraries and records
what it sees (hook calls with their tensors, returned keys, errors, warnings); the records must
be equal (tensors compared as float64 arrays)."""

from __future__ import annotations

import warnings

import numpy as np
import torch

import tapegrad as tg
import tapegrad.nn.modules.module as tg_module


def norm(x):
    """A comparable form of a record: tensors become (kind, rounded values)."""
    if isinstance(x, (torch.Tensor, tg.Tensor)):
        return ("tensor", np.round(np.asarray(x.detach().numpy(), dtype=np.float64), 10).tolist())
    if isinstance(x, (tuple, list)):
        return type(x).__name__, [norm(e) for e in x]
    if isinstance(x, dict):
        return {k: norm(v) for k, v in x.items()}
    return x


def run_both(program):
    records = []
    for L in (torch, tg):
        log = []
        torch.manual_seed(0)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                program(L, log)
            except Exception as e:  # noqa: BLE001
                log.append(("raised", type(e).__name__, str(e)))
        log.append(("warnings", [str(x.message) for x in w]))
        records.append(norm(log))
    assert records[0] == records[1]
    return records[0]


def linear(L, i=3, o=2):
    m = L.nn.Linear(i, o).double()
    with L.no_grad():
        m.weight.copy_(L.arange(i * o, dtype=L.float64).reshape(o, i) / 10 - 0.2)
        m.bias.copy_(L.arange(o, dtype=L.float64) / 5)
    return m


def test_full_backward_hooks_and_pre_hooks():
    def program(L, log):
        m = linear(L)
        m.register_full_backward_hook(lambda mod, gi, go: log.append(("h1", gi, go)))
        m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 2,))
        m.register_full_backward_hook(lambda mod, gi, go: log.append(("first", gi)),
                                      prepend=True)
        m.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", go)))
        m.register_full_backward_pre_hook(lambda mod, go: (go[0] + 1,))
        x = L.arange(6, dtype=L.float64).reshape(2, 3).requires_grad_()
        y = m(x)
        log.append(("grad_fn", type(y.grad_fn).__name__))
        (y * y).sum().backward()
        log.append(("x.grad", x.grad))
        log.append(("w.grad", m.weight.grad))
    run_both(program)


def test_backward_hook_tuple_outputs_and_non_tensor_inputs():
    class Two(torch.nn.Module):
        def forward(self, a, k, b):
            return a * k, b + a

    class TwoG(tg.nn.Module):
        def forward(self, a, k, b):
            return a * k, b + a

    def program(L, log):
        m = Two() if L is torch else TwoG()
        m.register_full_backward_hook(lambda mod, gi, go: log.append(("h", gi, go)))
        a = L.ones(2, dtype=L.float64, requires_grad=True)
        b = L.ones(2, dtype=L.float64)
        p, q = m(a, 3.0, b)
        (p.sum() * 2 + q.sum()).backward()
        log.append(("a.grad", a.grad))
    run_both(program)


def test_backward_hook_when_no_input_requires_grad():
    def program(L, log):
        m = linear(L)
        m.register_full_backward_hook(lambda mod, gi, go: log.append(("h", gi, go)))
        m(L.ones(1, 2, dtype=L.float64)).sum().backward()
        log.append(("w.grad", m.weight.grad))
    run_both(program)


def test_backward_hook_bad_return_count():
    def program(L, log):
        m = linear(L)
        m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
        m(L.ones(1, 3, dtype=L.float64, requires_grad=True)).sum().backward()
    run_both(program)


def test_global_hooks():
    def program(L, log):
        mod = torch.nn.modules.module if L is torch else tg_module
        handles = [
            mod.register_module_forward_pre_hook(
                lambda m, args: log.append(("gpre", type(m).__name__))),
            mod.register_module_forward_hook(
                lambda m, args, out: log.append(("gfwd", type(m).__name__, out))),
            mod.register_module_full_backward_pre_hook(
                lambda m, go: log.append(("gbpre", type(m).__name__, go))),
            mod.register_module_full_backward_hook(
                lambda m, gi, go: log.append(("gbwd", type(m).__name__, gi, go))),
        ]
        try:
            seq = L.nn.Sequential(linear(L), L.nn.Tanh())
            seq.register_forward_hook(lambda m, a, o: log.append(("local", o)))
            x = L.ones(1, 3, dtype=L.float64, requires_grad=True)
            seq(x).sum().backward()
            log.append(("x.grad", x.grad))
        finally:
            for h in handles:
                h.remove()
        seq(x)
        log.append(("after removal", len(log)))
    run_both(program)


def test_forward_hooks_kwargs_always_call_prepend():
    def program(L, log):
        class Boom(L.nn.Module):
            def forward(self, x, scale=1.0):
                if scale < 0:
                    raise ValueError("negative scale")
                return x * scale

        m = Boom()
        m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"scale": 2.0}),
                                    with_kwargs=True)
        m.register_forward_hook(lambda mod, args, kwargs, out: log.append(("kw", kwargs, out)),
                                with_kwargs=True)
        m.register_forward_hook(lambda mod, args, out: log.append(("first", out)), prepend=True)
        log.append(("out", m(L.ones(2), scale=5.0)))
        n = Boom()
        n.register_forward_hook(lambda mod, args, out: log.append(("always", out)),
                                always_call=True)
        n.register_forward_hook(lambda mod, args, out: log.append(("not always", out)))
        n(L.ones(2), scale=-1.0)
    run_both(program)


def test_parameter_list_and_dict():
    def program(L, log):
        pl = L.nn.ParameterList([L.ones(2, 3), L.nn.Parameter(L.zeros(4))])
        pl.append(L.ones(1))
        pl.extend([L.zeros(2)])
        pl += [L.ones(3)]
        log.append(("len", len(pl), repr(pl), [n for n, _ in pl.named_parameters()]))
        log.append(("slice", repr(pl[1:3]), type(pl[-1]).__name__, pl[-1].requires_grad))
        pd = L.nn.ParameterDict({"b": L.ones(2), "a": L.zeros(3)})
        pd["c"] = L.nn.Parameter(L.ones(1))
        pd.update([("d", L.zeros(2))])
        log.append(("dict", repr(pd), list(pd.keys()), list(pd.state_dict().keys())))
        log.append(("pop", pd.pop("a").shape, "a" in pd, pd.get("zz", 3), len(pd)))
        log.append(("or", list((pd | L.nn.ParameterDict({"e": L.ones(1)})).keys())))
        for bad in (lambda: pl.extend(L.ones(2)), lambda: pl[7], lambda: pd[3],
                    lambda: pd.update(5), lambda: pd.update([("a", 1, 2)]), lambda: pl(1)):
            try:
                bad()
            except Exception as e:  # noqa: BLE001
                log.append(("err", type(e).__name__, str(e)))
    run_both(program)


def test_state_dict_hooks_and_load_results():
    def program(L, log):
        m = L.nn.Sequential(linear(L), L.nn.Tanh(), linear(L, 2, 1))
        m.register_state_dict_pre_hook(lambda mod, prefix, keep: log.append(("pre", prefix)))
        m[0].register_state_dict_pre_hook(lambda mod, prefix, keep: log.append(("pre0", prefix)))
        m.register_state_dict_post_hook(
            lambda mod, sd, prefix, meta: log.append(("post", list(sd.keys()))))
        sd = m.state_dict()
        h = m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: {})
        try:
            m.state_dict()
        except RuntimeError as e:
            log.append(("post-return", str(e)))
        h.remove()
        m[2].register_load_state_dict_pre_hook(
            lambda mod, sd_, prefix, meta, strict, missing, unexpected, errors:
            log.append(("load-pre", prefix, strict, sorted(sd_.keys()))))
        partial = {k: v for k, v in sd.items() if k != "0.bias"}
        partial["extra.weight"] = sd["0.weight"]
        result = m.load_state_dict(partial, strict=False)
        log.append(("result", result.missing_keys, result.unexpected_keys, repr(result)))
        log.append(("ok", repr(m.load_state_dict(sd))))
        try:
            m.load_state_dict(partial)
        except RuntimeError as e:
            log.append(("strict", str(e)))
    run_both(program)


def test_submodule_api_traversal_and_misc():
    def program(L, log):
        inner = L.nn.Sequential(linear(L, 2, 2), L.nn.ReLU())
        m = L.nn.Sequential(inner, inner, linear(L, 2, 2))
        m.register_buffer("buf", L.ones(1))
        log.append(("get", type(m.get_submodule("0.1")).__name__,
                    tuple(m.get_parameter("2.bias").shape), m.get_buffer("buf")))
        for bad in (lambda: m.get_submodule("0.5"), lambda: m.get_submodule("0.0.weight"),
                    lambda: m.get_parameter("0.1.weight"), lambda: m.get_buffer("2.weight"),
                    lambda: m.set_submodule("", L.nn.ReLU()),
                    lambda: m.set_submodule("0.0", 5),
                    lambda: m.set_submodule("0.9", L.nn.ReLU(), strict=True),
                    lambda: m.set_submodule("buf", L.nn.ReLU())):
            try:
                bad()
            except Exception as e:  # noqa: BLE001
                log.append(("err", type(e).__name__, str(e)))
        m.set_submodule("0.1", L.nn.Tanh())
        m.set_submodule("0.7", L.nn.Tanh())
        log.append(("set", repr(m)))
        log.append(("names", [n for n, _ in m.named_modules()],
                    [n for n, _ in m.named_modules(remove_duplicate=False)],
                    len(list(m.modules(remove_duplicate=False)))))
        seen = []
        m.apply(lambda mod: seen.append(type(mod).__name__))
        log.append(("apply", seen))
        m(L.ones(1, 2, dtype=L.float64)).sum().backward()
        m.zero_grad(set_to_none=False)
        log.append(("zero", m[2].weight.grad, m[2].weight.grad.requires_grad))
        m.zero_grad()
        log.append(("none", m[2].weight.grad is None))
        m.requires_grad_(False)
        log.append(("rg", [p.requires_grad for p in m.parameters()]))
    run_both(program)


def test_module_full_backward_hook_on_lstm():
    def program(L, log):
        torch.manual_seed(0)
        tm = torch.nn.LSTM(2, 3).double()
        m = tm if L is torch else tg.nn.LSTM(2, 3).double()
        if L is tg:
            m.load_state_dict(tm.state_dict())
        m.register_full_backward_hook(
            lambda mod, gi, go: log.append(("h", gi, [g is None for g in go])))
        x = L.ones(2, 1, 2, dtype=L.float64, requires_grad=True)
        out, _ = m(x)
        out.sum().backward()
        log.append(("x.grad", x.grad))
    run_both(program)
