"""`tapegrad.nn`: torch.nn's modules, functional forms, initialisers and utilities.

Built only on tapegrad's public API (tensors, ops, the nn op table in `ops/nn_ops.py`).
"""

from . import functional as functional
from . import init as init
from . import utils as utils
from .modules import *  # noqa: F403
from .modules import __all__ as _modules_all  # noqa: F401
from .equinox_interop import EquinoxModule as EquinoxModule
from .equinox_interop import from_equinox as from_equinox
from .equinox_interop import to_equinox as to_equinox
from .parameter import Parameter as Parameter
from .parameter import UninitializedBuffer as UninitializedBuffer
from .parameter import UninitializedParameter as UninitializedParameter
