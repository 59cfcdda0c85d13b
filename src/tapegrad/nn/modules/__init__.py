"""The layer classes of `tapegrad.nn`, one file per family as in torch.nn.modules."""

from .activation import ELU as ELU
from .activation import GELU as GELU
from .activation import LeakyReLU as LeakyReLU
from .activation import LogSoftmax as LogSoftmax
from .activation import MultiheadAttention as MultiheadAttention
from .activation import ReLU as ReLU
from .activation import Sigmoid as Sigmoid
from .activation import SiLU as SiLU
from .activation import Softmax as Softmax
from .activation import Softplus as Softplus
from .activation import Tanh as Tanh
from .batchnorm import BatchNorm1d as BatchNorm1d
from .batchnorm import BatchNorm2d as BatchNorm2d
from .container import ModuleDict as ModuleDict
from .container import ModuleList as ModuleList
from .container import Sequential as Sequential
from .container import ParameterDict as ParameterDict
from .container import ParameterList as ParameterList
from .conv import Conv1d as Conv1d
from .conv import Conv2d as Conv2d
from .dropout import Dropout as Dropout
from .flatten import Flatten as Flatten
from .flatten import Unflatten as Unflatten
from .linear import Bilinear as Bilinear
from .linear import Identity as Identity
from .linear import Linear as Linear
from .loss import BCELoss as BCELoss
from .loss import BCEWithLogitsLoss as BCEWithLogitsLoss
from .loss import CrossEntropyLoss as CrossEntropyLoss
from .loss import HuberLoss as HuberLoss
from .loss import KLDivLoss as KLDivLoss
from .loss import L1Loss as L1Loss
from .loss import MSELoss as MSELoss
from .loss import NLLLoss as NLLLoss
from .loss import SmoothL1Loss as SmoothL1Loss
from .module import Module as Module
from .normalization import GroupNorm as GroupNorm
from .normalization import LayerNorm as LayerNorm
from .pooling import AdaptiveAvgPool2d as AdaptiveAvgPool2d
from .pooling import AvgPool2d as AvgPool2d
from .pooling import MaxPool2d as MaxPool2d
from .sparse import Embedding as Embedding
from .sparse import EmbeddingBag as EmbeddingBag
from .transformer import Transformer as Transformer
from .transformer import TransformerEncoder as TransformerEncoder
from .transformer import TransformerDecoder as TransformerDecoder
from .transformer import TransformerEncoderLayer as TransformerEncoderLayer
from .transformer import TransformerDecoderLayer as TransformerDecoderLayer
from .rnn import RNNBase as RNNBase
from .rnn import RNN as RNN
from .rnn import LSTM as LSTM
from .rnn import GRU as GRU
from .rnn import RNNCellBase as RNNCellBase
from .rnn import RNNCell as RNNCell
from .rnn import LSTMCell as LSTMCell
from .rnn import GRUCell as GRUCell
from . import activation_extra as _activation_extra
from . import layers_extra as _layers_extra
from . import norm_loss_extra as _norm_loss_extra
from . import lazy as _lazy
from . import legacy as _legacy
from . import fractional as _fractional
from .activation_extra import *  # noqa: F403
from .layers_extra import *  # noqa: F403
from .norm_loss_extra import *  # noqa: F403
from .lazy import *  # noqa: F403
from .legacy import *  # noqa: F403
from .fractional import *  # noqa: F403

__all__ = [
    "ELU",
    "GELU",
    "LeakyReLU",
    "LogSoftmax",
    "MultiheadAttention",
    "ReLU",
    "Sigmoid",
    "SiLU",
    "Softmax",
    "Softplus",
    "Tanh",
    "BatchNorm1d",
    "BatchNorm2d",
    "ModuleDict",
    "ModuleList",
    "Sequential",
    "ParameterList",
    "ParameterDict",
    "Conv1d",
    "Conv2d",
    "Dropout",
    "Flatten",
    "Unflatten",
    "Bilinear",
    "Identity",
    "Linear",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "SmoothL1Loss",
    "Module",
    "GroupNorm",
    "LayerNorm",
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "MaxPool2d",
    "Embedding",
    "EmbeddingBag",
    "RNNBase",
    "RNN",
    "LSTM",
    "GRU",
    "RNNCellBase",
    "RNNCell",
    "LSTMCell",
    "GRUCell",
    "Transformer",
    "TransformerEncoder",
    "TransformerDecoder",
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
] + (_activation_extra.__all__ + _layers_extra.__all__
           + _norm_loss_extra.__all__ + [n for n in _lazy.__all__ if n != "LazyModuleMixin"]
           + _legacy.__all__ + _fractional.__all__)
