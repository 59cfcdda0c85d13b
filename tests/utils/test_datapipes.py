"""tg.utils.data DataPipes and DistributedSampler against torch.utils.data: the same pipelines
give the same items, lengths, reprs, errors and warnings; DistributedSampler gives torch's
indices (shuffled ones included)."""


import functools
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud
import torch.utils.data.datapipes.iter as titer
import torch.utils.data.datapipes.map as tmap

import tapegrad as tg
import tapegrad.utils.data as tgd
import tapegrad.utils.data.datapipes.iter as giter
import tapegrad.utils.data.datapipes.map as gmap

SIDES = [(tud, titer, tmap), (tgd, giter, gmap)]


def dbl(x):
    return x * 2


def not_div3(x):
    return x % 3 != 0


def add(a, b):
    return a + b


def _both(build):
    """build(data_module, iter_module, map_module) on torch's side and on ours."""
    return [build(*side) for side in SIDES]


def _outcome(fn):
    """('ok', value) or (exception class name, message), with the warnings raised."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            out = ("ok", fn())
        except Exception as e:  # noqa: BLE001
            out = (type(e).__name__, str(e))
    return out, [(c.category.__name__, str(c.message)) for c in w]


def _plain(x):
    if isinstance(x, torch.Tensor):
        return ("tensor", str(x.dtype).split(".")[1], x.numpy().tolist())
    if isinstance(x, tg.Tensor):
        return ("tensor", str(x.dtype).split(".")[1], x.numpy().tolist())
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_plain(i) for i in x])
    return x


PIPELINES = {
    "map_filter_batch": lambda d, I, M: I.IterableWrapper(range(10)).map(dbl)
    .filter(not_div3).batch(3),
    "batch_drop_last_len": lambda d, I, M: len(I.IterableWrapper(range(10)).batch(3, True)),
    "batch_len": lambda d, I, M: len(I.IterableWrapper(range(10)).batch(4)),
    "unbatch": lambda d, I, M: I.IterableWrapper([[[1, 2], [3]], [[4]]]).unbatch(),
    "unbatch_all": lambda d, I, M: I.IterableWrapper([[[1, 2], [3]], [[4]]]).unbatch(-1),
    "unbatch_too_deep": lambda d, I, M: I.IterableWrapper([[1, 2]]).unbatch(3),
    "unbatch_bad_level": lambda d, I, M: I.IterableWrapper([[1, 2]]).unbatch(-2),
    "zip_concat": lambda d, I, M: I.IterableWrapper(range(4)).zip(I.IterableWrapper("abcde"))
    .concat(I.IterableWrapper([(9, "z")])),
    "zip_len": lambda d, I, M: len(I.IterableWrapper(range(4)).zip(I.IterableWrapper("ab"))),
    "map_input_cols": lambda d, I, M: I.IterableWrapper([(1, 2, 5), (3, 4, 6)])
    .map(add, input_col=[0, 1]),
    "map_output_col": lambda d, I, M: I.IterableWrapper([[1, 2], [3, 4]])
    .map(dbl, input_col=1, output_col=-1),
    "map_dict_col": lambda d, I, M: I.IterableWrapper([{"a": 1}, {"a": 2}])
    .map(dbl, input_col="a", output_col="b"),
    "map_output_without_input": lambda d, I, M: I.IterableWrapper([1]).map(dbl, output_col=1),
    "map_two_output_cols": lambda d, I, M: I.IterableWrapper([1]).map(dbl, 0, [1, 2]),
    "map_arity": lambda d, I, M: I.IterableWrapper([(1, 2)]).map(dbl, input_col=[0, 1]),
    "map_arity_few": lambda d, I, M: I.IterableWrapper([(1, 2)]).map(add, input_col=0),
    "map_not_callable": lambda d, I, M: I.IterableWrapper([1]).map(3),
    "map_lambda_warns": lambda d, I, M: I.IterableWrapper([1, 2]).map(lambda x: x + 1),
    "map_partial": lambda d, I, M: I.IterableWrapper([1, 2]).map(functools.partial(add, 10)),
    "filter_non_bool": lambda d, I, M: I.IterableWrapper([1, 2]).filter(dbl),
    "filter_col": lambda d, I, M: I.IterableWrapper([(1, 0), (2, 1)])
    .filter(bool, input_col=1),
    "collate": lambda d, I, M: I.IterableWrapper([[1, 2], [3, 4]]).collate(),
    "collate_fn": lambda d, I, M: I.IterableWrapper([[1, 2]]).collate(collate_fn=sum),
    "batch_zero": lambda d, I, M: I.IterableWrapper([1]).batch(0),
    "concat_empty": lambda d, I, M: I.Concater(),
    "concat_not_pipe": lambda d, I, M: I.IterableWrapper([1]).concat([2]),
    "zip_not_pipe": lambda d, I, M: I.IterableWrapper([1]).zip([2]),
    "no_len": lambda d, I, M: len(I.IterableWrapper(iter([1, 2])).map(dbl)),
    "unknown_attr": lambda d, I, M: I.IterableWrapper([1]).nope,
    "repr": lambda d, I, M: (repr(I.IterableWrapper([1]).map(dbl)),
                             str(M.SequenceWrapper([1]).batch(1))),
    "datachunk": lambda d, I, M: (d.DataChunk([1, 2]).as_str("  "),
                                  list(d.DataChunk((3, 4)).raw_iterator()),
                                  d.DataChunk([5]).items),
    "map_pipe": lambda d, I, M: [M.SequenceWrapper(list(range(7))).map(dbl).batch(3)[i]
                                 for i in range(3)],
    "map_pipe_len": lambda d, I, M: (len(M.SequenceWrapper(range(7)).batch(3)),
                                     len(M.SequenceWrapper(range(7)).batch(3, True))),
    "map_pipe_batch_oob": lambda d, I, M: M.SequenceWrapper(range(7)).batch(3, True)[2],
    "map_pipe_concat_zip": lambda d, I, M: (
        M.SequenceWrapper([1, 2]).concat(M.SequenceWrapper([3]))[2],
        M.SequenceWrapper([1, 2]).zip(M.SequenceWrapper("ab"))[1]),
    "map_pipe_concat_oob": lambda d, I, M: M.SequenceWrapper([1]).concat(
        M.SequenceWrapper([3]))[2],
    "map_pipe_zip_oob": lambda d, I, M: M.SequenceWrapper([1]).zip(
        M.SequenceWrapper([3, 4]))[1],
    "map_pipe_concat_bad": lambda d, I, M: M.SequenceWrapper([1]).concat([1]),
    "map_pipe_unknown": lambda d, I, M: M.SequenceWrapper([1]).filter,
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipeline_equals_torch(name):
    def run(d, I, M):
        out = PIPELINES[name](d, I, M)
        return [_plain(x) for x in out] if isinstance(out, (d.IterDataPipe,)) else _plain(out)
    want, got = _both(lambda d, I, M: _outcome(lambda: run(d, I, M)))
    assert got == want


class _Counter:
    def __init__(self, data_mod):
        base = data_mod.IterDataPipe

        class Counting(base):
            def __init__(self, n):
                self.n = n
                self.resets = 0

            def reset(self):
                self.resets += 1

            def __iter__(self):
                yield from range(self.n)
        self.cls = Counting


def test_single_iterator_constraint_and_reset():
    def scenario(d, I, M):
        dp = _Counter(d).cls(4)
        it1 = iter(dp)
        first = next(it1)
        it2 = iter(dp)
        second = next(it2)
        try:
            next(it1)
            msg = None
        except RuntimeError as e:
            msg = str(e)
        return first, second, msg, dp.resets, dp._number_of_samples_yielded, list(dp)
    want, got = _both(scenario)
    assert got == want and want[2] is not None


def test_exception_inside_iter_is_annotated():
    def scenario(d, I, M):
        class Boom(d.IterDataPipe):
            def __init__(self, src):
                self.src = src

            def __iter__(self):
                for x in self.src:
                    if x == 2:
                        raise KeyError("bad", x)
                    yield x
        return _outcome(lambda: list(Boom(I.IterableWrapper(range(5))).map(dbl)))
    want, got = _both(scenario)
    assert got == want


def test_functional_datapipe_registration_and_errors():
    def scenario(d, I, M):
        @d.functional_datapipe("_tg_test_repeat")
        class Repeat(d.IterDataPipe):
            def __init__(self, source, times=2):
                self.source, self.times = source, times

            def __iter__(self):
                for x in self.source:
                    for _ in range(self.times):
                        yield x

        @d.functional_datapipe("_tg_test_getitem")
        class Plus(d.MapDataPipe):
            def __init__(self, source):
                self.source = source

            def __getitem__(self, i):
                return self.source[i] + 100

            def __len__(self):
                return len(self.source)
        try:
            out = [list(I.IterableWrapper([1, 2])._tg_test_repeat(3)),
                   M.SequenceWrapper([1, 2])._tg_test_getitem()[1],
                   "_tg_test_repeat" in dir(I.IterableWrapper([]))]
            out.append(_outcome(lambda: d.functional_datapipe("_tg_test_repeat")(Repeat)))
            out.append(d.functional_datapipe("x")(int) is int)
        finally:
            d.IterDataPipe.functions.pop("_tg_test_repeat", None)
            d.MapDataPipe.functions.pop("_tg_test_getitem", None)
        return out
    want, got = _both(scenario)
    assert got == want


def test_non_deterministic_and_determinism_guard():
    def scenario(d, I, M):
        res = []

        @d.non_deterministic
        class Rand(d.IterDataPipe):
            def __init__(self, n):
                self.n = n

            def __iter__(self):
                yield from range(self.n)

        class Maybe(d.IterDataPipe):
            def __init__(self, flag):
                self.flag = flag

            def __iter__(self):
                yield self.flag
        Checked = d.non_deterministic(lambda flag: flag)(Maybe)
        BadFn = d.non_deterministic(lambda flag: 1)(Maybe)
        res.append(list(Rand(2)))
        with d.guaranteed_datapipes_determinism():
            res.append(_outcome(lambda: Rand(2)))
            res.append(_outcome(lambda: list(Checked(False))))
            res.append(_outcome(lambda: Checked(True)))
        res.append(_outcome(lambda: list(Checked(True))))
        res.append(_outcome(lambda: BadFn(True)))
        res.append(_outcome(lambda: d.non_deterministic(int)))
        res.append(_outcome(lambda: d.non_deterministic(3)))
        res.append(_outcome(lambda: d.non_deterministic(lambda: True)(int)))
        return res
    want, got = _both(scenario)
    assert got == want


def test_argument_and_runtime_validation():
    def scenario(d, I, M):
        res = []
        IDP = d.IterDataPipe

        @d.argument_validation
        def take(dp: IDP, n: int):
            return n

        res.append(_outcome(lambda: take([1], 2)))
        res.append(_outcome(lambda: take(I.IterableWrapper([1]), 2)))
        res.append(_outcome(lambda: d.argument_validation(lambda a: a)(5)))

        class Checked(d.IterDataPipe):
            @d.runtime_validation
            def __iter__(self):
                yield 1
        res.append(_outcome(lambda: list(Checked())))
        with d.runtime_validation_disabled():
            res.append(_outcome(lambda: list(Checked())))
        res.append(_outcome(lambda: d.runtime_validation(lambda: 1)))
        return res
    want, got = _both(scenario)
    assert got == want


@pytest.mark.parametrize("shuffle", [None, False, True])
def test_dataloader_over_datapipes(shuffle):
    def scenario(d, I, M):
        made, warned = _outcome(lambda: d.DataLoader(I.IterableWrapper(range(10)).map(dbl),
                                                     batch_size=4, shuffle=shuffle))
        dl = made[1]
        mdl = d.DataLoader(M.SequenceWrapper(list(range(7))), batch_size=3)
        nob = d.DataLoader(I.IterableWrapper(range(4)).batch(2), batch_size=None)
        return (warned, _outcome(lambda: [_plain(b) for b in dl]), len(dl), type(dl.dataset).__name__,
                [_plain(b) for b in mdl], type(mdl.dataset).__name__,
                [_plain(b) for b in nob])
    want, got = _both(scenario)
    assert got == want


# ------------------------------------------------------------------ DistributedSampler

@pytest.mark.parametrize("n,replicas,shuffle,drop_last,seed,epoch", [
    (10, 3, False, False, 0, 0), (10, 3, False, True, 0, 0), (10, 3, True, False, 0, 0),
    (10, 3, True, True, 7, 2), (2, 5, True, False, 1, 0), (1, 4, False, False, 0, 0),
    (0, 2, True, True, 0, 0), (257, 4, True, False, -5, 3), (1000, 8, True, False, 2**40, 1),
    (9, 3, True, True, 123, 9),
])
def test_distributed_sampler_equals_torch(n, replicas, shuffle, drop_last, seed, epoch):
    data = list(range(n))
    for rank in range(replicas):
        ours = tgd.DistributedSampler(data, num_replicas=replicas, rank=rank, shuffle=shuffle,
                                      seed=seed, drop_last=drop_last)
        ref = tud.DistributedSampler(data, num_replicas=replicas, rank=rank, shuffle=shuffle,
                                     seed=seed, drop_last=drop_last)
        ours.set_epoch(epoch)
        ref.set_epoch(epoch)
        assert (len(ours), ours.num_samples, ours.total_size) == \
            (len(ref), ref.num_samples, ref.total_size)
        assert list(ours) == list(ref)


def test_distributed_sampler_errors_equal_torch():
    for kwargs in [{}, {"num_replicas": 2}, {"rank": 0}, {"num_replicas": 2, "rank": 2},
                   {"num_replicas": 2, "rank": -1}]:
        want, got = (_outcome(lambda m=m, kw=kwargs: m.DistributedSampler(range(5), **kw))
                     for m in (tud, tgd))
        assert got == want


def test_distributed_sampler_in_dataloader():
    x = np.arange(20, dtype=np.float32)
    got = [b[0].numpy().tolist() for b in tgd.DataLoader(
        tgd.TensorDataset(tg.tensor(x)), batch_size=3,
        sampler=tgd.DistributedSampler(range(20), num_replicas=3, rank=1, seed=4))]
    want = [b[0].numpy().tolist() for b in tud.DataLoader(
        tud.TensorDataset(torch.tensor(x)), batch_size=3,
        sampler=tud.DistributedSampler(range(20), num_replicas=3, rank=1, seed=4))]
    assert got == want


# ------------------------------------------------------------------ shufflers

SHUFFLES = {
    "iter_seeded": lambda d, I, M: I.IterableWrapper(range(30)).shuffle(buffer_size=7)
    .set_seed(11),
    "iter_seeded_big_buffer": lambda d, I, M: I.IterableWrapper(range(30)).shuffle().set_seed(5),
    "iter_unbatch_level": lambda d, I, M: I.IterableWrapper([[1, 2], [3, 4], [5]])
    .shuffle(unbatch_level=1).set_seed(2),
    "iter_disabled": lambda d, I, M: I.IterableWrapper(range(6)).shuffle().set_shuffle(False),
    "iter_bad_buffer": lambda d, I, M: I.IterableWrapper(range(6)).shuffle(buffer_size=0),
    "map_seeded": lambda d, I, M: M.SequenceWrapper(list(range(12))).shuffle().set_seed(9),
    "map_indices": lambda d, I, M: M.SequenceWrapper(list("abcdef")).shuffle(indices=[5, 0, 3])
    .set_seed(1),
    "map_disabled": lambda d, I, M: M.SequenceWrapper(list("abc")).shuffle().set_shuffle(False),
}


@pytest.mark.parametrize("name", sorted(SHUFFLES))
def test_seeded_shuffle_equals_torch(name):
    def run(d, I, M):
        dp = SHUFFLES[name](d, I, M)
        return repr(dp), len(dp), list(dp)
    want, got = _both(lambda d, I, M: _outcome(lambda: run(d, I, M)))
    assert got == want


def test_unseeded_shuffle_is_a_permutation_each_epoch():
    dp = giter.IterableWrapper(range(50)).shuffle(buffer_size=10)
    first, second = list(dp), list(dp)
    assert sorted(first) == sorted(second) == list(range(50)) and first != second


class _SeededMixin:
    def __init__(self, source):
        self.source = source
        self.calls = []

    def set_shuffle(self, shuffle=True):
        self.calls.append(("shuffle", shuffle))
        return self

    def set_seed(self, seed):
        self.calls.append(("seed", isinstance(seed, int)))
        return self

    def __iter__(self):
        yield from self.source


class TorchSeeded(_SeededMixin, tud.IterDataPipe):
    pass


class TgSeeded(_SeededMixin, tgd.IterDataPipe):
    pass


def test_dataloader_sets_shuffle_and_seeds_of_random_pipes():
    def scenario(d, I, M):
        pipe = (TorchSeeded if d is tud else TgSeeded)(I.IterableWrapper(range(5)))
        dl = d.DataLoader(pipe, batch_size=2, shuffle=False)
        out = [_plain(b) for b in dl] + [_plain(b) for b in dl]
        dl2 = d.DataLoader(I.IterableWrapper(range(40)).shuffle(), batch_size=None, shuffle=True)
        got = [int(b) for b in dl2]
        return out, pipe.calls, sorted(got) == list(range(40))
    want, got = _both(scenario)
    assert got == want


def test_dataloader_over_a_local_pipe_class_fails_like_torch():
    def scenario(d, I, M):
        class Local(d.IterDataPipe):
            def __iter__(self):
                yield 1
        made = _outcome(lambda: d.DataLoader(Local(), batch_size=None, shuffle=False))
        later = _outcome(lambda: list(d.DataLoader(Local(), batch_size=None)))
        return made[0][0], later
    want, got = _both(scenario)
    assert got == want


class TorchDF(tud.DFIterDataPipe):
    def __iter__(self):
        yield from range(3)


class TgDF(tgd.DFIterDataPipe):
    def __iter__(self):
        yield from range(3)


def test_df_pipe_untraced_forms_and_tracing_left_out():
    for DF in (TorchDF, TgDF):
        assert DF()._is_dfpipe() is True
        assert list(DF().batch(2)) == [[0, 1], [2]]
    try:
        TgDF().map(dbl)
        raise AssertionError("expected NotImplementedError")
    except NotImplementedError as e:
        assert "DataFrame tracing" in str(e)
