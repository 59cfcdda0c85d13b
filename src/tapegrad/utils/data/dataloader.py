"""DataLoader. Matches `torch.utils.data.DataLoader`'s arguments, checks and batches.

Loading is always in-process: `num_workers > 0` is accepted (with its argument checks) and
runs in the main process, as if `num_workers=0`; `get_worker_info()` is then None, as in the
main process under torch. `pin_memory` is accepted and ignored (there is one device, the CPU)."""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from ... import random as _random
from ._collate import default_collate, default_convert
from . import datapipes as _dp
from .datapipes import datapipe as _dpcore
from .datapipes import _graph as _dpgraph
from .datapipes._common import _fresh_seed
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
from ..._checks import user_stacklevel

__all__ = ["DataLoader", "get_worker_info", "WorkerInfo"]


class WorkerInfo:
    """Information about a loading worker (never current here: loading is in-process)."""

    def __init__(self, **kwargs: Any) -> None:
        for k, v in kwargs.items():
            setattr(self, k, v)


def get_worker_info() -> WorkerInfo | None:
    """None: tapegrad's DataLoader loads in the calling process. Matches torch's answer in the
    main process."""
    return None


class _InfiniteConstantSampler(Sampler):
    def __iter__(self):
        while True:
            yield None


def _pipes_below(dp) -> list:
    """The DataPipes of `dp`'s graph (torch's traverse_dps + get_all_graph_pipes)."""
    return _dpgraph.get_all_graph_pipes(_dpgraph.traverse_dps(dp))


def _apply_shuffle_settings(dp, shuffle: bool) -> None:
    """torch's `graph_settings.apply_shuffle_settings` as the DataLoader uses it: pipes with
    `set_shuffle`/`set_seed` get `set_shuffle(shuffle)`; with none, torch warns (and the
    shuffler it appends is not the pipe it iterates, so nothing is shuffled)."""
    shufflers = [p for p in _pipes_below(dp) if inspect.ismethod(getattr(p, "set_shuffle", None))
                 and inspect.ismethod(getattr(p, "set_seed", None))]
    if not shufflers and shuffle:
        warnings.warn("`shuffle=True` was set, but the datapipe does not contain a `Shuffler`. "
                      "Adding one at the end. Be aware that the default buffer size might not "
                      "be sufficient for your task.", stacklevel=user_stacklevel())
    for p in shufflers:
        p.set_shuffle(shuffle)


def _apply_random_seed(dp, generator) -> None:
    """torch's per-iterator `apply_random_seed`: every pipe with a `set_seed` method gets a
    fresh seed (drawn from tapegrad's generator where torch draws from its own)."""
    for p in _pipes_below(dp):
        if inspect.ismethod(getattr(p, "set_seed", None)):
            p.set_seed(_fresh_seed(generator))


_FIXED = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
          "persistent_workers")


class DataLoader:
    """Batches of a dataset. Matches `torch.utils.data.DataLoader` (in-process loading)."""

    _initialized = False

    def __init__(self, dataset: Dataset, batch_size: int | None = 1,
                 shuffle: bool | None = None, sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler | Iterable | None = None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, multiprocessing_context=None,
                 generator: _random.Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; "
                             "use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing."
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor "
                "to None.")
        elif num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError("multiprocessing_context can only be used with multi-process "
                             f"loading (num_workers > 0), but got num_workers={num_workers}")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        # DataPipes are wrapped as torch wraps them (torch: for serialization to workers).
        if isinstance(dataset, _dp.IterDataPipe):
            self.dataset = _dpcore._IterDataPipeSerializationWrapper(dataset)
        elif isinstance(dataset, _dp.MapDataPipe):
            self.dataset = _dpcore._MapDataPipeSerializationWrapper(dataset)

        if isinstance(dataset, IterableDataset):
            self._iterable = True
            if isinstance(dataset, _dp.IterDataPipe):
                if shuffle is not None:
                    _apply_shuffle_settings(dataset, shuffle)
            elif shuffle not in {False, None}:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._iterable = False
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(self.dataset, generator=generator)
            else:
                sampler = SequentialSampler(self.dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._initialized = True

    def __setattr__(self, attr: str, val: Any) -> None:
        if self._initialized and attr in _FIXED:
            raise ValueError(f"{attr} attribute should not be set after "
                             f"{self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self):
        if isinstance(self.dataset, _dpcore._IterDataPipeSerializationWrapper):
            _apply_random_seed(self.dataset, self.generator)
        if self._iterable:
            return self._iter_iterable()
        return self._iter_map()

    def _fetch(self, index):
        if self._auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            data = getitems(index) if callable(getitems) else [self.dataset[i] for i in index]
            return self.collate_fn(data)
        return self.collate_fn(self.dataset[index])

    def _iter_map(self):
        for index in self._index_sampler:
            yield self._fetch(index)

    def _iter_iterable(self):
        it = iter(self.dataset)
        length = getattr(self, "_len_called", None)
        yielded = 0
        while True:
            if self._auto_collation:
                data = []
                for _ in range(self.batch_size):
                    try:
                        data.append(next(it))
                    except StopIteration:
                        break
                if not data or (self.drop_last and len(data) < self.batch_size):
                    return
                out = self.collate_fn(data)
            else:
                try:
                    out = self.collate_fn(next(it))
                except StopIteration:
                    return
            yielded += 1
            if length is not None and yielded > length:
                warnings.warn(f"Length of IterableDataset {self.dataset} was reported to be "
                              f"{length}(when accessing len(dataloader)), but {yielded} samples "
                              "have been fetched. ", stacklevel=user_stacklevel())
            yield out

    def __len__(self) -> int:
        if self._iterable:
            length = len(self.dataset)
            object.__setattr__(self, "_len_called", length)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last \
                    else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)
