"""`tapegrad.nn.functional`: matches `torch.nn.functional` for the functions listed here."""

from __future__ import annotations

from ..ops import elu as _elu
from ..ops import gelu as gelu  # noqa: F401
from ..ops import leaky_relu as leaky_relu  # noqa: F401
from ..ops import log_softmax as _log_softmax
from ..ops import logsigmoid as logsigmoid  # noqa: F401
from ..ops import one_hot as one_hot  # noqa: F401
from ..ops import pad as pad  # noqa: F401
from ..ops import relu as _relu
from ..ops import silu as silu  # noqa: F401
from ..ops import softmax as _softmax
from ..ops import softplus as softplus  # noqa: F401
from ..ops import sigmoid as sigmoid  # noqa: F401
from ..ops import tanh as tanh  # noqa: F401


def relu(input, inplace: bool = False):
    return input.relu_() if inplace else _relu(input)


def elu(input, alpha: float = 1.0, inplace: bool = False):
    return _elu(input, alpha)


def softmax(input, dim=None, dtype=None):
    return _softmax(input, dim, dtype)


def log_softmax(input, dim=None, dtype=None):
    return _log_softmax(input, dim, dtype)
