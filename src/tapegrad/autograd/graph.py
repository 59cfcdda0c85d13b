"""The autograd graph's types. Matches `torch.autograd.graph` (the implementation is
`tapegrad._graph`, below the ops that build graphs)."""

from .._graph import AccumulateGrad as AccumulateGrad
from .._graph import GradientEdge as GradientEdge
from .._graph import Node as Node
from .._graph import SavedTensor as SavedTensor
from .._graph import get_gradient_edge as get_gradient_edge
from ..utils.hooks import RemovableHandle as RemovableHandle

__all__ = ["Node", "AccumulateGrad", "SavedTensor", "GradientEdge", "get_gradient_edge",
           "RemovableHandle"]
