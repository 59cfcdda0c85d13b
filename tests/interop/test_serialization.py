"""tg.save / tg.load in torch's checkpoint format, checked against live torch: torch.load reads
what tg.save wrote and tg.load reads what torch.save wrote (values, dtypes, Parameters, shared
storage of views, module and optimizer state dicts, weights_only errors, map_location)."""

from __future__ import annotations

import collections
import io
import os
import pickle
import warnings
import zipfile

import numpy as np
import pytest
import torch

import tapegrad as tg

DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int8", "uint8", "bool",
          "complex64"]


class Opaque:
    """A class no allow-list knows (weights_only refuses it)."""

    def __init__(self, v=1):
        self.v = v


def _values(t) -> list:
    """A tensor's values as Python numbers (bfloat16 through float32)."""
    if t.dtype in (torch.bfloat16, tg.bfloat16):
        t = t.float() if isinstance(t, torch.Tensor) else t.to(tg.float32)
    if isinstance(t, torch.Tensor):
        return t.detach().tolist()
    return t.detach().tolist()


def _dtype_name(d) -> str:
    return str(d).split(".")[-1]


def _tree(T):
    """The same nested object built with torch or tapegrad."""
    sd = collections.OrderedDict()
    for i, name in enumerate(DTYPES):
        sd[name] = (T.arange(6).reshape(2, 3) - 2 + i).to(getattr(T, name))
    sd["param"] = T.nn.Parameter(T.tensor([1.5, -2.0]))
    sd["frozen"] = T.nn.Parameter(T.tensor([3.0]), requires_grad=False)
    sd["leaf_rg"] = T.tensor([0.5, 0.25], dtype=T.float64, requires_grad=True)
    sd["scalar0d"] = T.tensor(7)
    return {"sd": sd, "nested": [1, 2.5, "s", None, True, (T.ones(2), {"k": T.zeros(1, 2)})],
            "size": T.Size([2, 3]), "dtype": T.float16}


def _describe(obj):
    """A library-neutral description of a loaded object."""
    if isinstance(obj, (torch.Tensor, tg.Tensor)):
        return ("param" if isinstance(obj, (torch.nn.Parameter, tg.nn.Parameter)) else "tensor",
                _dtype_name(obj.dtype), tuple(obj.shape), obj.requires_grad, obj.is_leaf,
                _values(obj))
    if isinstance(obj, dict):
        return (type(obj).__name__, [(k, _describe(v)) for k, v in obj.items()])
    if isinstance(obj, (list, tuple)) and type(obj) in (list, tuple):
        return (type(obj).__name__, [_describe(v) for v in obj])
    if isinstance(obj, (torch.dtype, tg.dtype)):
        return ("dtype", _dtype_name(obj))
    if isinstance(obj, (torch.Size, tg.Size)):
        return ("Size", tuple(obj))
    return obj


def test_torch_loads_what_tapegrad_saved(tmp_path):
    tg.save(_tree(tg), tmp_path / "tg.pt")
    torch.save(_tree(torch), tmp_path / "torch.pt")
    ours = torch.load(tmp_path / "tg.pt", weights_only=True)
    theirs = torch.load(tmp_path / "torch.pt", weights_only=True)
    assert _describe(ours) == _describe(theirs)
    assert type(ours["sd"]["param"]) is torch.nn.Parameter
    assert type(ours["size"]) is torch.Size and ours["dtype"] is torch.float16


def test_tapegrad_loads_what_torch_saved(tmp_path):
    torch.save(_tree(torch), tmp_path / "torch.pt")
    loaded = tg.load(tmp_path / "torch.pt")
    expected = torch.load(tmp_path / "torch.pt")
    assert _describe(loaded) == _describe(expected)
    p = loaded["sd"]["param"]
    assert type(p) is tg.nn.Parameter and p._version == expected["sd"]["param"]._version == 1
    assert loaded["sd"]["float32"]._version == 1
    assert type(loaded["size"]) is tg.Size and loaded["dtype"] is tg.float16
    # a tapegrad checkpoint reads back the same
    tg.save(loaded, tmp_path / "again.pt")
    assert _describe(tg.load(tmp_path / "again.pt")) == _describe(expected)


def test_checkpoint_layout_is_torchs(tmp_path):
    tg.save({"w": tg.ones(3)}, tmp_path / "ck.pt")
    torch.save({"w": torch.ones(3)}, tmp_path / "ref.pt")
    ours, ref = zipfile.ZipFile(tmp_path / "ck.pt"), zipfile.ZipFile(tmp_path / "ref.pt")
    names = [n for n in ref.namelist() if n != "ref/.data/serialization_id"]
    assert [n.replace("ck/", "ref/") for n in ours.namelist()] == names
    for info in ours.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        if "/data/" in info.filename:  # payloads 64-byte aligned, as torch's
            start = info.header_offset + 30 + len(info.filename) + len(info.extra)
            assert start % 64 == 0
    for name in (".format_version", ".storage_alignment", "byteorder", "version", "data/0"):
        assert ours.read("ck/" + name) == ref.read("ref/" + name)


VIEWS = {
    "base": lambda x: x,
    "t": lambda x: x.t(),
    "row": lambda x: x[1],
    "cols": lambda x: x[:, 1::2],
    "diag": lambda x: x.diagonal(),
    "expand": lambda x: x[0].unsqueeze(0).expand(2, 4),
    "flat": lambda x: x.view(-1)[3:9].view(2, 3),
    "detached": lambda x: x.detach(),
}


def _views(T):
    x = T.arange(12.0).reshape(3, 4)
    return {k: f(x) for k, f in VIEWS.items()} | {"other": T.tensor([5.0])}


def _layout(loaded: dict) -> dict:
    ptrs = {}
    return {k: (v.stride(), v.storage_offset(), _values(v),
                ptrs.setdefault(v.untyped_storage().data_ptr(), len(ptrs)))
            for k, v in loaded.items()}


def test_views_keep_sharing_their_storage_through_tg_save(tmp_path):
    tg.save(_views(tg), tmp_path / "tg.pt")
    torch.save(_views(torch), tmp_path / "torch.pt")
    ours = torch.load(tmp_path / "tg.pt", weights_only=True)
    assert _layout(ours) == _layout(torch.load(tmp_path / "torch.pt", weights_only=True))
    assert len({v.untyped_storage().data_ptr() for v in ours.values()}) == 2


def _load_views_and_write(T, path):
    loaded = T.load(path)
    layout = {k: (tuple(v.stride()), v.storage_offset(), v._version, v._base is None)
              for k, v in loaded.items()}
    with T.no_grad():
        loaded["row"].add_(100)
        loaded["cols"].mul_(-1)
    return layout, {k: v.tolist() for k, v in loaded.items()}


def test_tg_load_rebuilds_views_that_share_as_torchs_do(tmp_path):
    torch.save(_views(torch), tmp_path / "torch.pt")
    # writes through one loaded view show through the others exactly as in torch
    assert _load_views_and_write(tg, tmp_path / "torch.pt") == \
        _load_views_and_write(torch, tmp_path / "torch.pt")


def _parameter_over_part_of_a_storage(T, path):
    loaded = T.load(path)
    p = loaded["p"]
    with pytest.raises(RuntimeError) as info:
        p.add_(1)  # still a leaf that requires grad, though it shares `big`'s storage
    (p * 2).sum().backward()
    with T.no_grad():
        p.add_(1)
    return str(info.value), type(p).__name__, p.grad.tolist(), loaded["big"].tolist()


def test_a_parameter_sharing_a_storage_stays_a_leaf(tmp_path):
    big = torch.zeros(6)
    torch.save({"big": big, "p": torch.nn.Parameter(big[:3])}, tmp_path / "pv.pt")
    assert _parameter_over_part_of_a_storage(tg, tmp_path / "pv.pt") == \
        _parameter_over_part_of_a_storage(torch, tmp_path / "pv.pt")


def test_the_legacy_format_loads_too(tmp_path):
    # torch.save(..., _use_new_zipfile_serialization=False): torch's format before 1.6
    torch.save(_views(torch) | {"p": torch.nn.Parameter(torch.ones(2, dtype=torch.bfloat16))},
               tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    ours = _load_views_and_write(tg, tmp_path / "old.pt")
    assert ours == _load_views_and_write(torch, tmp_path / "old.pt")
    p = tg.load(tmp_path / "old.pt")["p"]
    assert type(p) is tg.nn.Parameter and p.dtype is tg.bfloat16 and p.tolist() == [1.0, 1.0]


def test_tg_save_writes_the_legacy_format_when_asked(tmp_path):
    for T in (tg, torch):
        T.save(_views(T) | {"p": T.nn.Parameter(T.ones(2, dtype=T.bfloat16))},
               tmp_path / f"{T.__name__}.pt", _use_new_zipfile_serialization=False)
    assert not zipfile.is_zipfile(tmp_path / "tapegrad.pt")
    ours = torch.load(tmp_path / "tapegrad.pt", weights_only=True)
    theirs = torch.load(tmp_path / "torch.pt", weights_only=True)
    assert _layout({k: v for k, v in ours.items() if k != "p"}) == \
        _layout({k: v for k, v in theirs.items() if k != "p"})
    assert _describe(ours["p"]) == _describe(theirs["p"])
    assert _load_views_and_write(tg, tmp_path / "tapegrad.pt") == \
        _load_views_and_write(torch, tmp_path / "torch.pt")


def _empties(T):
    x, y = T.zeros(2, 0), T.arange(4.0)
    return {"e": T.zeros(0, dtype=T.int64), "x": x, "x2": x, "xt": x.t(), "ev": y[2:2],
            "y": y, "sv": y[1]}


def test_empty_tensors_and_views_round_trip(tmp_path):
    for T in (tg, torch):
        T.save(_empties(T), tmp_path / f"{T.__name__}.pt")
    expected = _describe(torch.load(tmp_path / "torch.pt"))
    assert _describe(torch.load(tmp_path / "tapegrad.pt")) == expected
    assert _describe(tg.load(tmp_path / "torch.pt")) == expected
    assert _describe(tg.load(tmp_path / "tapegrad.pt")) == expected


def test_the_same_tensor_twice_loads_as_one_object(tmp_path):
    for T, load in ((tg, torch.load), (torch, tg.load), (tg, tg.load)):
        w = T.nn.Parameter(T.ones(2))
        buf = io.BytesIO()
        T.save({"a": w, "b": w, "c": [w]}, buf)
        buf.seek(0)
        out = load(buf)
        assert out["a"] is out["b"] is out["c"][0]


def _torch_net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Tanh(),
                               torch.nn.Linear(4, 2))


def _tg_net():
    return tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.BatchNorm1d(4), tg.nn.Tanh(),
                            tg.nn.Linear(4, 2))


def test_torch_module_state_dict_loads_into_the_tapegrad_module(tmp_path):
    net = _torch_net()
    x = np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3)
    net(torch.from_numpy(x))  # moves the batch-norm running statistics
    net.eval()
    torch.save(net.state_dict(), tmp_path / "net.pt")
    ours = _tg_net()
    result = ours.load_state_dict(tg.load(tmp_path / "net.pt"))
    assert not result.missing_keys and not result.unexpected_keys
    for (k, v), (k2, v2) in zip(ours.state_dict().items(), net.state_dict().items()):
        assert k == k2 and v.dtype.name == _dtype_name(v2.dtype)
        np.testing.assert_array_equal(v.numpy(), v2.numpy())
    ours.eval()
    # the same float32 program: equal to float32 rounding (XLA's and torch's kernels)
    np.testing.assert_allclose(ours(tg.from_numpy(x)).detach().numpy(),
                               net(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_tapegrad_module_state_dict_loads_into_the_torch_module(tmp_path):
    src = _torch_net()
    ours = _tg_net()
    ours.load_state_dict({k: tg.tensor(v) for k, v in src.state_dict().items()})
    tg.save(ours.state_dict(), tmp_path / "net.pt")
    sd = torch.load(tmp_path / "net.pt", weights_only=True)
    assert list(sd) == list(src.state_dict()) and sd._metadata == src.state_dict()._metadata
    net = _torch_net()
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()
    net.load_state_dict(sd)
    net.eval()
    ours.eval()
    for (k, v), (k2, v2) in zip(ours.state_dict().items(), net.state_dict().items()):
        assert k == k2 and v.dtype.name == _dtype_name(v2.dtype)
        np.testing.assert_array_equal(v.numpy(), v2.numpy())
    x = np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3)
    np.testing.assert_allclose(ours(tg.from_numpy(x)).detach().numpy(),
                               net(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def _adam_run(T, state=None, steps=2):
    w = T.nn.Parameter(T.tensor([1.0, -2.0, 3.0], dtype=T.float64))
    opt = T.optim.Adam([w], lr=0.1, betas=(0.8, 0.9), amsgrad=True)
    if state is not None:
        with T.no_grad():
            w.copy_(T.tensor(state[0], dtype=T.float64))
        opt.load_state_dict(state[1])
    for _ in range(steps):
        opt.zero_grad()
        (w ** 3).sum().backward()
        opt.step()
    return w, opt


@pytest.mark.parametrize("saver,loader", [(torch, tg), (tg, torch)])
def test_optimizer_state_dict_round_trips(tmp_path, saver, loader):
    w, opt = _adam_run(saver)
    saver.save(opt.state_dict(), tmp_path / "opt.pt")
    state = loader.load(tmp_path / "opt.pt", weights_only=True)
    w2, _ = _adam_run(loader, (w.tolist(), state))
    w3, _ = _adam_run(saver, (w.tolist(), opt.state_dict()))
    np.testing.assert_array_equal(np.asarray(w2.tolist()), np.asarray(w3.tolist()))


def _load_error(load, obj, tmp_path, **kwargs):
    torch.save(obj, tmp_path / "x.pt")
    with pytest.raises(pickle.UnpicklingError) as info:
        load(tmp_path / "x.pt", **kwargs)
    return str(info.value)


@pytest.mark.parametrize("obj", [{"a": Opaque()}, {"f": os.getcwd}, [print]],
                         ids=["class", "blocked_module", "builtin"])
def test_weights_only_refuses_what_torch_refuses_with_its_text(tmp_path, obj):
    assert _load_error(tg.load, obj, tmp_path) == _load_error(torch.load, obj, tmp_path)


def test_safe_globals_and_weights_only_false(tmp_path):
    tg.save({"a": Opaque(3), "w": tg.ones(1)}, tmp_path / "x.pt")
    with tg.serialization.safe_globals([Opaque]):
        assert tg.load(tmp_path / "x.pt")["a"].v == 3
    assert tg.serialization.get_safe_globals() == []
    assert tg.load(tmp_path / "x.pt", weights_only=False)["a"].v == 3
    assert torch.load(tmp_path / "x.pt", weights_only=False)["a"].v == 3
    for T in (torch, tg):
        with pytest.raises(RuntimeError, match="Can not safely load weights when explicit "
                                               "pickle_module is specified"):
            T.load(tmp_path / "x.pt", pickle_module=pickle, weights_only=True)


@pytest.mark.parametrize("map_location", [None, "cpu", "dev", {"cpu": "cpu"}, "fn"])
def test_map_location_to_the_cpu(tmp_path, map_location):
    torch.save({"w": torch.arange(3.0)}, tmp_path / "x.pt")
    for T in (torch, tg):
        loc = {"dev": T.device("cpu"), "fn": lambda storage, location: storage}.get(
            map_location, map_location) if isinstance(map_location, str) else map_location
        assert T.load(tmp_path / "x.pt", map_location=loc)["w"].tolist() == [0.0, 1.0, 2.0]


def test_map_location_to_cuda_raises_torchs_cpu_only_error(tmp_path):
    torch.save({"w": torch.arange(3.0)}, tmp_path / "x.pt")
    messages = []
    for T in (torch, tg):
        with pytest.raises(RuntimeError) as info:
            T.load(tmp_path / "x.pt", map_location="cuda")
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "CUDA" in messages[0]


def test_file_objects_both_ways():
    buf = io.BytesIO()
    tg.save({"w": tg.tensor([1.0, 2.0])}, buf)
    buf.seek(0)
    assert torch.load(buf)["w"].tolist() == [1.0, 2.0]
    buf = io.BytesIO()
    torch.save({"w": torch.tensor([3, 4])}, buf)
    buf.seek(0)
    w = tg.load(buf)["w"]
    assert w.dtype is tg.int64 and w.tolist() == [3, 4]


def test_saving_into_a_missing_folder_raises_torchs_error(tmp_path):
    messages = []
    for T in (torch, tg):
        with pytest.raises(RuntimeError) as info:
            T.save({"w": T.ones(1)}, str(tmp_path / "missing" / "x.pt"))
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_saving_a_hooked_tensor_warns_as_torch():
    texts = []
    for T in (torch, tg):
        x = T.ones(2, requires_grad=True)
        x.register_hook(_hook)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            T.save(x, io.BytesIO())
        texts.append([str(m.message) for m in w])
    assert texts[0] == texts[1] and texts[0]


def _hook(g):
    return g
