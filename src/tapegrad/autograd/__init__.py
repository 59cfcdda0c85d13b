"""torch.autograd's API on the tapegrad engine: backward, grad, grad modes, graph types,
custom Functions, the functional API and gradcheck.

The engine layer: `engine.py` runs a backward, `_buffers.py` holds what it does to gradients,
`_fusion.py` compiles fused backwards, `_backward.py` is the entry point. See `README.md`
beside them.
"""

from __future__ import annotations

from . import anomaly_mode, function, grad_mode, graph  # noqa: F401 - torch's submodules
from ._backward import backward, grad
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .function import Function, FunctionCtx, NestedIOFunction, once_differentiable
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                        no_grad, set_grad_enabled)
from . import functional  # noqa: E402, I001 - after grad, which it uses
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402
from .variable import Variable, set_multithreading_enabled, variable  # noqa: E402

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "inference_mode", "is_inference_mode_enabled", "graph", "function", "functional",
           "anomaly_mode", "Function", "FunctionCtx", "NestedIOFunction", "once_differentiable", "detect_anomaly",
           "set_detect_anomaly", "gradcheck", "gradgradcheck", "Variable", "variable",
           "set_multithreading_enabled"]
