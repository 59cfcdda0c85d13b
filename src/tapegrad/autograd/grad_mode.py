"""Grad modes. Matches `torch.autograd.grad_mode` (the implementation is `tapegrad._grad_mode`,
in the state layer, so that tensors and ops can read it)."""

from .._grad_mode import enable_grad as enable_grad
from .._grad_mode import inference_mode as inference_mode
from .._grad_mode import is_grad_enabled as is_grad_enabled
from .._grad_mode import is_inference_mode_enabled as is_inference_mode_enabled
from .._grad_mode import no_grad as no_grad
from .._grad_mode import set_grad_enabled as set_grad_enabled

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled"]
