"""DistributedSampler. Matches `torch.utils.data.DistributedSampler`, indices included.

torch shuffles with `torch.randperm(n, generator=g)` where `g` is a fresh CPU generator seeded
with `seed + epoch`. That generator is MT19937 seeded by the standard 32-bit initialisation
(`init_genrand` of the low 32 bits of the seed), and its randperm is a Fisher-Yates pass taking
`z = next_uint32() % (n - i)` and swapping r[i] with r[i + z]. Both are published algorithms,
so `_torch_cpu_randperm` reproduces torch's permutation exactly; it is private to this sampler
(tapegrad's own `randperm`/`RandomSampler` draw from JAX keys and do not follow torch's
stream)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from .sampler import Sampler

__all__ = ["DistributedSampler"]

# torch switches to another algorithm from this size on (not reproduced here).
_SMALL_N_LIMIT = (2 ** 32 - 1) // 20


def _torch_cpu_randperm(n: int, seed: int) -> list[int]:
    """torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()."""
    if n >= _SMALL_N_LIMIT:
        raise NotImplementedError(
            "DistributedSampler(shuffle=True) reproduces torch's permutation for datasets "
            f"shorter than {_SMALL_N_LIMIT} samples only")
    bits = np.random.MT19937()
    bits._legacy_seeding(seed & 0xFFFFFFFF)         # MT19937 init_genrand(low 32 bits)
    r = list(range(n))
    if n > 1:
        draws = bits.random_raw(n - 1).tolist()     # successive 32-bit outputs
        for i in range(n - 1):
            j = i + draws[i] % (n - i)
            r[i], r[j] = r[j], r[i]
    return r


class DistributedSampler(Sampler):
    """The share of a dataset's indices that belongs to replica `rank` of `num_replicas`.

    There is no process group in tapegrad: `num_replicas` and `rank` must be given; omitted,
    they raise torch's error for a process that never called `init_process_group`."""

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            raise ValueError("Default process group has not been initialized, please make "
                             "sure to call init_process_group.")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        indices = _torch_cpu_randperm(n, self.seed + self.epoch) if self.shuffle \
            else list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[:self.total_size]
        if len(indices) != self.total_size:
            raise AssertionError(f"Number of indices ({len(indices)}) does not match "
                                 f"total_size ({self.total_size})")
        indices = indices[self.rank:self.total_size:self.num_replicas]
        if len(indices) != self.num_samples:
            raise AssertionError(f"Number of subsampled indices ({len(indices)}) does not "
                                 f"match num_samples ({self.num_samples})")
        return iter(indices)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Reshuffle on the next iteration with seed `seed + epoch`."""
        self.epoch = epoch
