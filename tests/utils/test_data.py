"""tg.utils.data against torch.utils.data: same batches for the deterministic paths, torch's
argument errors, shapes and coverage for the random samplers (streams differ by design)."""

from __future__ import annotations

import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import tapegrad as tg
import tapegrad.utils.data as tgd


def _np(x):
    return x.numpy() if isinstance(x, (tg.Tensor, torch.Tensor)) else x


def _same(a, b):
    if isinstance(b, torch.Tensor):
        assert isinstance(a, tg.Tensor), type(a)
        assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1] and tuple(a.shape) == tuple(b.shape)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(b, dict):
        assert type(a) is type(b) and a.keys() == b.keys()
        for k in b:
            _same(a[k], b[k])
    elif isinstance(b, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert a == b


X = np.arange(30, dtype=np.float32).reshape(10, 3)
Y = np.arange(10)


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (None, False)])
def test_tensor_dataset_batches_equal_torch(batch_size, drop_last):
    ours = tgd.DataLoader(tgd.TensorDataset(tg.tensor(X), tg.tensor(Y)), batch_size=batch_size,
                          drop_last=drop_last)
    ref = tud.DataLoader(tud.TensorDataset(torch.tensor(X), torch.tensor(Y)),
                         batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(ref)
    got, want = list(ours), list(ref)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        _same(a, b)


Point = collections.namedtuple("Point", "x y")


@pytest.mark.parametrize("samples", [
    [1.5, 2.5], [1, 2], [True, False], ["a", "b"],
    [{"a": 1, "b": 2.0}, {"a": 3, "b": 4.0}], [(1, 2.0), (3, 4.0)], [[1, 2], [3, 4]],
    [Point(1, 2.0), Point(3, 4.0)], [np.ones(3), np.zeros(3)], [np.float32(1), np.float32(2)],
])
def test_default_collate_equals_torch(samples):
    conv = [s for s in samples]
    ours = tgd.default_collate(conv)
    ref = tud.default_collate(samples)
    _same(ours, ref)


def test_default_collate_stacks_tensors_and_errors():
    out = tgd.default_collate([tg.ones(2), tg.zeros(2)])
    assert out.shape == (2, 2)
    with pytest.raises(TypeError) as e1:
        tgd.default_collate([object()])
    with pytest.raises(TypeError) as e2:
        tud.default_collate([object()])
    assert str(e1.value) == str(e2.value)
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        tgd.default_collate([[1, 2], [3]])


def test_default_convert():
    out = tgd.default_convert({"a": np.ones(2), "b": [np.int64(3)]})
    assert isinstance(out["a"], tg.Tensor) and out["a"].dtype == tg.float64
    assert isinstance(out["b"][0], tg.Tensor)


def test_shuffle_is_a_permutation_and_reproducible_with_a_generator():
    ds = tgd.TensorDataset(tg.arange(10))
    runs = []
    for _ in range(2):
        g = tg.Generator().manual_seed(0)
        runs.append([b[0].tolist() for b in tgd.DataLoader(ds, batch_size=4, shuffle=True,
                                                           generator=g)])
    assert runs[0] == runs[1]
    flat = sum(runs[0], [])
    assert sorted(flat) == list(range(10)) and [len(b) for b in runs[0]] == [4, 4, 2]


def test_samplers():
    assert list(tgd.SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert list(tgd.BatchSampler(range(10), 3, False)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert len(tgd.BatchSampler(range(10), 3, True)) == 3
    g = tg.Generator().manual_seed(1)
    assert sorted(tgd.RandomSampler(range(6), generator=g)) == list(range(6))
    r = list(tgd.RandomSampler(range(6), replacement=True, num_samples=40, generator=g))
    assert len(r) == 40 and all(0 <= i < 6 for i in r)
    assert sorted(tgd.SubsetRandomSampler([3, 5, 7], generator=g)) == [3, 5, 7]
    w = list(tgd.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200, generator=g))
    assert set(w) <= {1, 3} and 100 < w.count(3) < 190
    w = list(tgd.WeightedRandomSampler([0.1, 1.0, 2.0], 3, replacement=False, generator=g))
    assert sorted(w) == [0, 1, 2]


def _errors(fn_ours, fn_ref):
    with pytest.raises(Exception) as ref:
        fn_ref()
    with pytest.raises(ref.type) as ours:
        fn_ours()
    assert str(ours.value) == str(ref.value)


@pytest.mark.parametrize("kwargs", [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
    dict(persistent_workers=True), dict(sampler=[0, 1], shuffle=True),
    dict(batch_sampler=[[0]], batch_size=2), dict(batch_size=None, drop_last=True),
    dict(batch_size=0), dict(batch_size=2, drop_last=1),
])
def test_dataloader_argument_errors_equal_torch(kwargs):
    _errors(lambda: tgd.DataLoader(tgd.TensorDataset(tg.tensor(X)), **kwargs),
            lambda: tud.DataLoader(tud.TensorDataset(torch.tensor(X)), **kwargs))


def test_sampler_errors_equal_torch():
    _errors(lambda: tgd.RandomSampler(range(3), replacement=1),
            lambda: tud.RandomSampler(range(3), replacement=1))
    _errors(lambda: tgd.RandomSampler(range(3), num_samples=0),
            lambda: tud.RandomSampler(range(3), num_samples=0))
    _errors(lambda: tgd.WeightedRandomSampler([[1.0]], 1),
            lambda: tud.WeightedRandomSampler([[1.0]], 1))
    _errors(lambda: tgd.WeightedRandomSampler([1.0], 0),
            lambda: tud.WeightedRandomSampler([1.0], 0))
    _errors(lambda: list(tgd.WeightedRandomSampler([1.0], 2, replacement=False)),
            lambda: list(tud.WeightedRandomSampler([1.0], 2, replacement=False)))
    _errors(lambda: tgd.TensorDataset(tg.ones(2), tg.ones(3)),
            lambda: tud.TensorDataset(torch.ones(2), torch.ones(3)))


def test_datasets_concat_subset_split():
    a, b = tgd.TensorDataset(tg.arange(3)), tgd.TensorDataset(tg.arange(3, 5))
    c = a + b
    assert isinstance(c, tgd.ConcatDataset) and len(c) == 5
    assert [c[i][0].item() for i in range(5)] == [0, 1, 2, 3, 4] and c[-1][0].item() == 4
    s = tgd.Subset(c, [4, 0])
    assert len(s) == 2 and s[0][0].item() == 4
    g = tg.Generator().manual_seed(0)
    parts = tgd.random_split(range(10), [0.3, 0.7], generator=g)
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(list(parts[0]) + list(parts[1])) == list(range(10))
    _errors(lambda: tgd.random_split(range(10), [3, 3]),
            lambda: tud.random_split(range(10), [3, 3]))
    sd = tgd.StackDataset(a, a)
    assert sd[1][0][0].item() == 1


class _Counting(tgd.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_iterable_dataset_batches_equal_torch():
    class Ref(tud.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    for bs, dl in [(3, False), (3, True), (None, False)]:
        got = list(tgd.DataLoader(_Counting(7), batch_size=bs, drop_last=dl))
        want = list(tud.DataLoader(Ref(), batch_size=bs, drop_last=dl))
        for x, y in zip(got, want, strict=True):
            _same(x, y)
    _errors(lambda: tgd.DataLoader(_Counting(3), shuffle=True),
            lambda: tud.DataLoader(Ref(), shuffle=True))


def test_num_workers_runs_in_process():
    ds = tgd.TensorDataset(tg.arange(6))
    got = [b[0].tolist() for b in tgd.DataLoader(ds, batch_size=4, num_workers=2)]
    assert got == [[0, 1, 2, 3], [4, 5]]
    assert tgd.get_worker_info() is None
    dl = tgd.DataLoader(ds)
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        dl.batch_size = 3
