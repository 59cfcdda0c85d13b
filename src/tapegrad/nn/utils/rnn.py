"""`PackedSequence` and the pack/pad helpers of torch.nn.utils.rnn.

Written in tapegrad ops (slices, cat, stack), so values and gradients are torch's; the graph
nodes differ from torch's dedicated ones (`PackPaddedSequenceBackward0`, `CopySlices`).
`batch_sizes` and `lengths` live on the host as torch's do (CPU int64 tensors), so reading them
is not a device round trip of traced data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import tapegrad as _tg

from ... import _errors
from ...tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(PackedSequence_):
    """The data of a batch of variable-length sequences, packed time step by time step.

    Matches `torch.nn.utils.rnn.PackedSequence` (a namedtuple of data, batch_sizes,
    sorted_indices, unsorted_indices).
    """

    def __new__(cls, data: Any, batch_sizes: Tensor | None = None,
                sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> PackedSequence:
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError(_errors.PACKED_DATA_PAIR)
            data, batch_sizes = data[0], data[1]
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """`data.to(...)`; the indices stay as they are (one device). Matches torch's."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self

    def double(self) -> PackedSequence:
        return self.to(dtype=_tg.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=_tg.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=_tg.float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=_tg.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=_tg.int32)

    def short(self) -> PackedSequence:
        return self.to(dtype=_tg.int16)

    def char(self) -> PackedSequence:
        return self.to(dtype=_tg.int8)

    def byte(self) -> PackedSequence:
        return self.to(dtype=_tg.uint8)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation (None for None). Matches torch's."""
    if permutation is None:
        return None
    perm = [int(i) for i in permutation.tolist()]
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return _tg.tensor(inv, dtype=permutation.dtype)


def _host_lengths(lengths: Any) -> list[int]:
    if isinstance(lengths, Tensor):
        return [int(v) for v in lengths.tolist()]
    return [int(v) for v in lengths]


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch given each sequence's length. Matches torch's."""
    lengths_list = _host_lengths(lengths)
    sorted_indices = None
    if not enforce_sorted:
        order = sorted(range(len(lengths_list)), key=lambda i: -lengths_list[i])
        sorted_indices = _tg.tensor(order, dtype=_tg.int64)
        lengths_list = [lengths_list[i] for i in order]
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    batch = input.size(1)
    if any(a < b for a, b in zip(lengths_list, lengths_list[1:], strict=False)):
        raise RuntimeError(_errors.PACK_NOT_SORTED)
    if lengths_list and lengths_list[-1] <= 0:
        raise RuntimeError(_errors.PACK_NONPOSITIVE)
    if len(lengths_list) != batch:
        raise RuntimeError(_errors.PACK_BATCH.format(got=len(lengths_list), batch=batch))
    steps = lengths_list[0] if lengths_list else 0
    batch_sizes = [sum(1 for n in lengths_list if n > t) for t in range(steps)]
    data = _tg.cat([input[t, :bs] for t, bs in enumerate(batch_sizes)], 0)
    return PackedSequence(data, _tg.tensor(batch_sizes, dtype=_tg.int64), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Unpack to a padded batch and the lengths. Matches torch's."""
    batch_sizes = _host_lengths(sequence.batch_sizes)
    max_seq_length = len(batch_sizes)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError(_errors.PAD_TOTAL_LENGTH.format(total=total_length,
                                                             longest=max_seq_length))
        max_seq_length = total_length
    data = sequence.data
    batch = batch_sizes[0]
    feature = tuple(data.shape[1:])
    rows = []
    offset = 0
    for bs in batch_sizes:
        step = data[offset:offset + bs]
        offset += bs
        if bs < batch:
            step = _tg.cat([step, _tg.full((batch - bs, *feature), padding_value,
                                           dtype=data.dtype)], 0)
        rows.append(step)
    for _ in range(max_seq_length - len(batch_sizes)):
        rows.append(_tg.full((batch, *feature), padding_value, dtype=data.dtype))
    padded = _tg.stack(rows, 0)
    if batch_first:
        padded = padded.transpose(0, 1)
    lengths = [sum(1 for bs in batch_sizes if bs > b) for b in range(batch)]
    unsorted = sequence.unsorted_indices
    if unsorted is not None:
        perm = _host_lengths(unsorted)
        padded = padded.index_select(0 if batch_first else 1, unsorted)
        lengths = [lengths[i] for i in perm]
    return padded, _tg.tensor(lengths, dtype=_tg.int64)


def pad_sequence(sequences: Any, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack variable-length sequences, padded to the longest. Matches torch's."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError(_errors.PAD_NOT_ITERABLE.format(t=type(sequences)))
    sequences = tuple(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError(_errors.PAD_SIDE.format(side=padding_side))
    if not sequences:
        raise RuntimeError(_errors.PAD_EMPTY)
    trailing = tuple(sequences[0].shape[1:])
    max_len = max(s.size(0) for s in sequences)
    padded = []
    for s in sequences:
        shape = tuple(s.shape[1:])
        if shape != trailing:
            for d in range(1, len(trailing) + 1):
                a, b = trailing[-d], (shape[-d] if d <= len(shape) else 1)
                if a != b and b != 1:
                    raise RuntimeError(_errors.PAD_SIZE_MISMATCH.format(
                        a=a, b=b, dim=len(shape) - d + 1))
            s = s.expand(s.size(0), *trailing)
        n = max_len - s.size(0)
        if n:
            fill = _tg.full((n, *trailing), padding_value, dtype=s.dtype)
            s = _tg.cat([s, fill] if padding_side == "right" else [fill, s], 0)
        padded.append(s)
    return _tg.stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor,
                   batch_first: bool = False) -> list[Tensor]:
    """The sequences of a padded batch, each cut to its length. Matches torch's."""
    if not batch_first:
        padded_sequences.transpose_(0, 1)
    return [seq[:n] for seq, n in zip(padded_sequences.unbind(0), _host_lengths(lengths),
                                      strict=True)]


def pack_sequence(sequences: list[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of variable-length sequences. Matches torch's."""
    lengths = _tg.tensor([v.size(0) for v in sequences], dtype=_tg.int64)
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences of a PackedSequence. Matches torch's."""
    padded_sequences, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded_sequences, lengths, batch_first=True)
