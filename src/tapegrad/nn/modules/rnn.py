"""Recurrent layers: `RNN`, `LSTM`, `GRU` and their cells (torch.nn.modules.rnn's behaviour).

torch runs these through fused kernels (`_VF.lstm`, ...); tapegrad writes the recurrence in its
own ops with a Python loop over time steps, so values and gradients match torch's while the
`grad_fn` graph is made of the per-step ops (`AddmmBackward0`, `SigmoidBackward0`, ...) rather
than torch's fused nodes. Parameter names, shapes, initialisation, argument checks and error
texts are torch's. `PackedSequence` inputs are run with the batch shrinking step by step, as
torch's packed kernels do.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

from ... import _errors
import tapegrad as _tg
from ...tensor import Tensor, empty, zeros
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module
from ..._checks import user_stacklevel

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


def _torch_dtype_name(dtype: Any) -> str:
    return f"torch.{dtype.name}"


def _apply_permutation(tensor: Tensor, permutation: Tensor, dim: int = 1) -> Tensor:
    return tensor.index_select(dim, permutation)


# ---------------------------------------------------------------------- one step of each cell
def _gates(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    return gi + F.linear(h, w_hh, b_hh)


def _rnn_tanh_step(gi: Tensor, state: tuple, w: dict) -> tuple:
    return (_tg.tanh(_gates(gi, state[0], w["w_hh"], w["b_hh"])),)


def _rnn_relu_step(gi: Tensor, state: tuple, w: dict) -> tuple:
    return (_tg.relu(_gates(gi, state[0], w["w_hh"], w["b_hh"])),)


def _lstm_step(gi: Tensor, state: tuple, w: dict) -> tuple:
    h, c = state
    i, f, g, o = _gates(gi, h, w["w_hh"], w["b_hh"]).chunk(4, 1)
    c = _tg.sigmoid(f) * c + _tg.sigmoid(i) * _tg.tanh(g)
    h = _tg.sigmoid(o) * _tg.tanh(c)
    if w.get("w_hr") is not None:
        h = F.linear(h, w["w_hr"])
    return h, c


def _gru_step(gi: Tensor, state: tuple, w: dict) -> tuple:
    h = state[0]
    gh = F.linear(h, w["w_hh"], w["b_hh"])
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = gh.chunk(3, 1)
    r = _tg.sigmoid(i_r + h_r)
    z = _tg.sigmoid(i_z + h_z)
    n = _tg.tanh(i_n + r * h_n)
    return ((1 - z) * n + z * h,)


_STEPS = {"RNN_TANH": _rnn_tanh_step, "RNN_RELU": _rnn_relu_step, "LSTM": _lstm_step,
          "GRU": _gru_step}


def _run_direction(step, gis: list[Tensor], sizes: list[int], state: tuple, w: dict,
                   reverse: bool) -> tuple[list[Tensor], tuple]:
    """Run one direction of one layer over per-step input projections `gis` (`sizes[t]` rows
    each, non-increasing). Rows that have finished keep their last state, as torch's packed
    kernels do; the outputs are returned in time order."""
    outs: list[Tensor | None] = [None] * len(gis)
    order = range(len(gis) - 1, -1, -1) if reverse else range(len(gis))
    full = state[0].size(0)
    for t in order:
        bs = sizes[t]
        if bs == full:
            new = step(gis[t], state, w)
            state = new
        else:
            new = step(gis[t], tuple(s[:bs] for s in state), w)
            state = tuple(_tg.cat([n, s[bs:]], 0) for n, s in zip(new, state, strict=True))
        outs[t] = new[0]
    return outs, state


class RNNBase(Module):
    """Base class of `RNN`, `LSTM` and `GRU`. Matches `torch.nn.RNNBase`."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError(_errors.RNN_DROPOUT_RANGE)
        self.dropout = float(dropout)
        if dropout > 0 and num_layers == 1:
            warnings.warn(_errors.RNN_DROPOUT_ONE_LAYER.format(dropout=dropout,
                                                               num_layers=num_layers),
                          stacklevel=user_stacklevel())
        if not isinstance(bias, bool):
            raise TypeError(_errors.RNN_ARG_TYPE.format(name="bias", kind="bool",
                                                        got=type(bias).__name__))
        if not isinstance(batch_first, bool):
            raise TypeError(_errors.RNN_ARG_TYPE.format(name="batch_first", kind="bool",
                                                        got=type(batch_first).__name__))
        if not isinstance(input_size, int):
            raise TypeError(_errors.RNN_ARG_TYPE.format(name="input_size", kind="int",
                                                        got=type(input_size).__name__))
        if input_size <= 0:
            raise ValueError(_errors.RNN_POSITIVE.format(name="input_size"))
        if not isinstance(hidden_size, int):
            raise TypeError(_errors.RNN_ARG_TYPE.format(name="hidden_size", kind="int",
                                                        got=type(hidden_size).__name__))
        if hidden_size <= 0:
            raise ValueError(_errors.RNN_POSITIVE.format(name="hidden_size"))
        if num_layers <= 0:
            raise ValueError(_errors.RNN_POSITIVE.format(name="num_layers"))
        if proj_size < 0:
            raise ValueError(_errors.RNN_PROJ_NEGATIVE)
        if proj_size >= hidden_size:
            raise ValueError(_errors.RNN_PROJ_TOO_BIG)
        gate_size = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}.get(mode)
        if gate_size is None:
            raise ValueError(_errors.RNN_UNKNOWN_MODE.format(mode=mode))
        gate_size *= hidden_size
        num_directions = 2 if bidirectional else 1
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input_size)),
                          ("weight_hh", (gate_size, real_hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                names = []
                for base, shape in shapes:
                    name = f"{base}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(*shape, dtype=dtype, device=device)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self) -> list[Tensor | None]:
        return [getattr(self, n) if hasattr(self, n) else None for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters, one list per layer and direction. Matches `RNNBase.all_weights`."""
        return [[getattr(self, w) for w in ws] for ws in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op, as torch's on CPU (it only matters to cuDNN)."""

    def reset_parameters(self) -> None:
        """torch's init: every parameter U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    # ------------------------------------------------------------------ checks
    def check_input(self, input: Tensor, batch_sizes: Any) -> None:
        """Matches `RNNBase.check_input`."""
        w0 = self._flat_weights[0]
        if input.dtype != w0.dtype:
            raise ValueError(_errors.RNN_INPUT_DTYPE.format(
                got=_torch_dtype_name(input.dtype), want=_torch_dtype_name(w0.dtype)))
        expected_input_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_input_dim:
            raise RuntimeError(_errors.RNN_INPUT_DIMS.format(expected=expected_input_dim,
                                                             got=input.dim()))
        if self.input_size != input.size(-1):
            raise RuntimeError(_errors.RNN_INPUT_SIZE.format(expected=self.input_size,
                                                             got=input.size(-1)))

    def get_expected_hidden_size(self, input: Tensor, batch_sizes: Any) -> tuple[int, int, int]:
        """Matches `RNNBase.get_expected_hidden_size`."""
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * num_directions, mini_batch, size)

    def check_hidden_size(self, hx: Tensor, expected_hidden_size: tuple[int, int, int],
                          msg: str = _errors.RNN_HIDDEN_SIZE.replace("{expected}", "{}")
                          .replace("{got}", "{}")) -> None:
        """Matches `RNNBase.check_hidden_size`."""
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(self, input: Tensor, hidden: Tensor, batch_sizes: Any) -> None:
        """Matches `RNNBase.check_forward_args`."""
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx: Tensor, permutation: Tensor | None) -> Tensor:
        """Matches `RNNBase.permute_hidden`."""
        if permutation is None:
            return hx
        return _apply_permutation(hx, permutation)

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # ------------------------------------------------------------------ the recurrence
    def _run(self, input: Tensor, batch_sizes: list[int] | None,
             hx: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        """The stacked recurrence. `input` is (T, B, I) (time first) or packed data (N, I);
        `hx` holds (L * D, B, .) states. Returns the output and the final states."""
        step = _STEPS[self.mode]
        num_directions = 2 if self.bidirectional else 1
        packed = batch_sizes is not None
        if packed:
            sizes = batch_sizes
            offsets = [0]
            for s in sizes:
                offsets.append(offsets[-1] + s)
        else:
            sizes = [input.size(1)] * input.size(0)
        finals: list[list[Tensor]] = [[] for _ in hx]
        layer_input = input
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(num_directions):
                names = self._all_weights[layer * num_directions + direction]
                params = [getattr(self, n) for n in names]
                w = {"w_ih": params[0], "w_hh": params[1]}
                w["b_ih"], w["b_hh"] = (params[2], params[3]) if self.bias else (None, None)
                w["w_hr"] = params[-1] if self.proj_size > 0 else None
                gi_all = F.linear(layer_input, w["w_ih"], w["b_ih"])
                if packed:
                    gis = [gi_all[offsets[t]:offsets[t + 1]] for t in range(len(sizes))]
                else:
                    gis = list(gi_all.unbind(0))
                idx = layer * num_directions + direction
                state = tuple(h[idx] for h in hx)
                outs, state = _run_direction(step, gis, sizes, state, w, reverse=direction == 1)
                for k, s in enumerate(state):
                    finals[k].append(s)
                outputs.append(_tg.cat(outs, 0) if packed else _tg.stack(outs, 0))
            layer_output = outputs[0] if num_directions == 1 else _tg.cat(outputs, -1)
            if self.dropout != 0 and self.training and layer < self.num_layers - 1:
                layer_output = F.dropout(layer_output, p=self.dropout, training=True)
            layer_input = layer_output
        return layer_input, tuple(_tg.stack(f, 0) for f in finals)

    def _forward_tensors(self, input: Tensor, batch_sizes: list[int] | None,
                         hx: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
        if batch_sizes is None and self.batch_first:
            input = input.transpose(0, 1)
        output, hidden = self._run(input, batch_sizes, hx)
        if batch_sizes is None and self.batch_first:
            output = output.transpose(0, 1)
        return output, hidden


def _packed_parts(input: PackedSequence) -> tuple[Tensor, Tensor, list[int], Any, Any]:
    data, batch_sizes, sorted_indices, unsorted_indices = input
    return data, batch_sizes, [int(b) for b in batch_sizes.tolist()], sorted_indices, \
        unsorted_indices


class RNN(RNNBase):
    """Elman RNN with tanh or ReLU. Matches `torch.nn.RNN`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError(_errors.RNN_PROJ_ONLY_LSTM)
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(_errors.RNN_UNKNOWN_NONLINEARITY.format(nl=self.nonlinearity))
        super().__init__(mode, *args, **kwargs)

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple[Any, Tensor]:
        return _forward_single(self, input, hx, "RNN", _errors.RNN_INPUT_RANK)


class GRU(RNNBase):
    """Gated recurrent unit. Matches `torch.nn.GRU`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError(_errors.RNN_PROJ_ONLY_LSTM)
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple[Any, Tensor]:
        return _forward_single(self, input, hx, "GRU", _errors.RNN_INPUT_RANK_LSTM_GRU)


def _forward_single(self, input: Any, hx: Tensor | None, name: str, rank_msg: str) -> Any:
    num_directions = 2 if self.bidirectional else 1
    orig_input = input
    is_batched = True
    if isinstance(orig_input, PackedSequence):
        input, batch_sizes_t, batch_sizes, sorted_indices, unsorted_indices = \
            _packed_parts(input)
        if hx is None:
            hx = zeros(self.num_layers * num_directions, batch_sizes[0], self.hidden_size,
                       dtype=input.dtype)
        else:
            hx = self.permute_hidden(hx, sorted_indices)
    else:
        batch_sizes = batch_sizes_t = None
        if input.dim() not in (2, 3):
            raise ValueError(rank_msg.format(name=name, got=input.dim()))
        is_batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not is_batched:
            input = input.unsqueeze(batch_dim)
            if hx is not None:
                if hx.dim() != 2:
                    raise RuntimeError(_errors.RNN_HX_UNBATCHED.format(got=hx.dim()))
                hx = hx.unsqueeze(1)
        elif hx is not None and hx.dim() != 3:
            raise RuntimeError(_errors.RNN_HX_BATCHED.format(got=hx.dim()))
        max_batch_size = input.size(0) if self.batch_first else input.size(1)
        sorted_indices = unsorted_indices = None
        if hx is None:
            hx = zeros(self.num_layers * num_directions, max_batch_size, self.hidden_size,
                       dtype=input.dtype)
    self.check_forward_args(input, hx, batch_sizes)
    output, (hidden,) = self._forward_tensors(input, batch_sizes, (hx,))
    if isinstance(orig_input, PackedSequence):
        return (PackedSequence(output, batch_sizes_t, sorted_indices, unsorted_indices),
                self.permute_hidden(hidden, unsorted_indices))
    if not is_batched:
        output = output.squeeze(batch_dim)
        hidden = hidden.squeeze(1)
    return output, self.permute_hidden(hidden, unsorted_indices)


class LSTM(RNNBase):
    """Long short-term memory, optionally with projections. Matches `torch.nn.LSTM`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input: Tensor, batch_sizes: Any) -> tuple[int, int, int]:
        """Matches `LSTM.get_expected_cell_size`."""
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        return (self.num_layers * num_directions, mini_batch, self.hidden_size)

    def check_forward_args(self, input: Tensor, hidden: Any, batch_sizes: Any) -> None:
        """Matches `LSTM.check_forward_args`."""
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx: Any, permutation: Tensor | None) -> Any:
        """Matches `LSTM.permute_hidden`."""
        if permutation is None:
            return hx
        return _apply_permutation(hx[0], permutation), _apply_permutation(hx[1], permutation)

    def forward(self, input: Any, hx: tuple[Tensor, Tensor] | None = None) -> Any:
        num_directions = 2 if self.bidirectional else 1
        real_hidden_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        orig_input = input
        is_batched = True
        if isinstance(orig_input, PackedSequence):
            input, batch_sizes_t, batch_sizes, sorted_indices, unsorted_indices = \
                _packed_parts(input)
            max_batch_size = batch_sizes[0]
            if hx is None:
                hx = (zeros(self.num_layers * num_directions, max_batch_size, real_hidden_size,
                            dtype=input.dtype),
                      zeros(self.num_layers * num_directions, max_batch_size, self.hidden_size,
                            dtype=input.dtype))
            else:
                hx = self.permute_hidden(hx, sorted_indices)
            self.check_forward_args(input, hx, batch_sizes)
        else:
            batch_sizes = batch_sizes_t = None
            if input.dim() not in (2, 3):
                raise ValueError(_errors.RNN_INPUT_RANK_LSTM_GRU.format(name="LSTM",
                                                                        got=input.dim()))
            is_batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if not is_batched:
                input = input.unsqueeze(batch_dim)
            max_batch_size = input.size(0) if self.batch_first else input.size(1)
            sorted_indices = unsorted_indices = None
            if hx is None:
                hx = (zeros(self.num_layers * num_directions, max_batch_size, real_hidden_size,
                            dtype=input.dtype),
                      zeros(self.num_layers * num_directions, max_batch_size, self.hidden_size,
                            dtype=input.dtype))
            else:
                if is_batched:
                    if hx[0].dim() != 3 or hx[1].dim() != 3:
                        raise RuntimeError(_errors.LSTM_HX_BATCHED.format(h=hx[0].dim(),
                                                                          c=hx[1].dim()))
                else:
                    if hx[0].dim() != 2 or hx[1].dim() != 2:
                        raise RuntimeError(_errors.LSTM_HX_UNBATCHED.format(h=hx[0].dim(),
                                                                            c=hx[1].dim()))
                    hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
            self.check_forward_args(input, hx, batch_sizes)
        output, hidden = self._forward_tensors(input, batch_sizes, tuple(hx))
        if isinstance(orig_input, PackedSequence):
            return (PackedSequence(output, batch_sizes_t, sorted_indices, unsorted_indices),
                    self.permute_hidden(hidden, unsorted_indices))
        if not is_batched:
            output = output.squeeze(batch_dim)
            hidden = (hidden[0].squeeze(1), hidden[1].squeeze(1))
        return output, self.permute_hidden(hidden, unsorted_indices)


# ---------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """Base class of the cells. Matches `torch.nn.RNNCellBase`."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size,
                                         dtype=dtype, device=device))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size,
                                         dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype, device=device))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self) -> None:
        """torch's init: every parameter U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _check(self, input: Tensor, hiddens: list[Tensor]) -> None:
        # ATen's check_rnn_cell_forward_input / _hidden.
        if input.size(1) != self.input_size:
            raise RuntimeError(_errors.CELL_INPUT_SIZE.format(got=input.size(1),
                                                              expected=self.input_size))
        for i, h in enumerate(hiddens):
            if input.size(0) != h.size(0):
                raise RuntimeError(_errors.CELL_BATCH.format(got=input.size(0), i=i,
                                                             expected=h.size(0)))
            if h.size(1) != self.hidden_size:
                raise RuntimeError(_errors.CELL_HIDDEN_SIZE.format(i=i, got=h.size(1),
                                                                   expected=self.hidden_size))

    def _weights(self) -> dict:
        return {"w_hh": self.weight_hh, "b_hh": self.bias_hh}


class RNNCell(RNNCellBase):
    """One Elman RNN step. Matches `torch.nn.RNNCell`."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, dtype=dtype, device=device)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if input.dim() not in (1, 2):
            raise ValueError(_errors.CELL_INPUT_RANK.format(name="RNNCell", got=input.dim()))
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(_errors.CELL_HIDDEN_RANK.format(name="RNNCell", got=hx.dim()))
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = zeros(input.size(0), self.hidden_size, dtype=input.dtype)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        if self.nonlinearity == "tanh":
            step = _rnn_tanh_step
        elif self.nonlinearity == "relu":
            step = _rnn_relu_step
        else:
            raise RuntimeError(_errors.CELL_UNKNOWN_NONLINEARITY.format(nl=self.nonlinearity))
        self._check(input, [hx])
        (ret,) = step(F.linear(input, self.weight_ih, self.bias_ih), (hx,), self._weights())
        return ret if is_batched else ret.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step. Matches `torch.nn.LSTMCell`."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, dtype=dtype, device=device)

    def forward(self, input: Tensor,
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        if input.dim() not in (1, 2):
            raise ValueError(_errors.CELL_INPUT_RANK.format(name="LSTMCell", got=input.dim()))
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(_errors.CELL_HX_I_RANK.format(name="LSTMCell", i=idx,
                                                                   got=value.dim()))
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            z = zeros(input.size(0), self.hidden_size, dtype=input.dtype)
            hx = (z, z)
        elif not is_batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        self._check(input, list(hx))
        h, c = _lstm_step(F.linear(input, self.weight_ih, self.bias_ih), tuple(hx),
                          self._weights())
        return (h, c) if is_batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step. Matches `torch.nn.GRUCell`."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, dtype=dtype, device=device)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if input.dim() not in (1, 2):
            raise ValueError(_errors.CELL_INPUT_RANK.format(name="GRUCell", got=input.dim()))
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(_errors.CELL_HIDDEN_RANK.format(name="GRUCell", got=hx.dim()))
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = zeros(input.size(0), self.hidden_size, dtype=input.dtype)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        self._check(input, [hx])
        (ret,) = _gru_step(F.linear(input, self.weight_ih, self.bias_ih), (hx,),
                           self._weights())
        return ret if is_batched else ret.squeeze(0)
