"""tapegrad: PyTorch's autograd semantics as a thin eager tape over JAX.

>>> import tapegrad as tg
>>> x = tg.tensor([2., 3.], requires_grad=True)
>>> (x ** 2).sum().backward()
>>> x.grad
tensor([4., 6.])
"""

from __future__ import annotations


# NOTE [x64] (_x64.py): importing tapegrad changes no JAX configuration.

from . import autograd as autograd  # noqa: E402
from . import ops as _ops  # noqa: E402
from ._dtype import bfloat16 as bfloat16  # noqa: E402
from ._dtype import bool as bool  # noqa: E402, A004
from ._dtype import complex64 as complex64  # noqa: E402
from ._dtype import complex128 as complex128  # noqa: E402
from ._dtype import double as double  # noqa: E402
from ._dtype import dtype as dtype  # noqa: E402
from ._dtype import float16 as float16  # noqa: E402
from ._dtype import float32 as float32  # noqa: E402
from ._dtype import float64 as float64  # noqa: E402
from ._dtype import get_default_dtype as get_default_dtype  # noqa: E402
from ._dtype import half as half  # noqa: E402
from ._dtype import int8 as int8  # noqa: E402
from ._dtype import int16 as int16  # noqa: E402
from ._dtype import int32 as int32  # noqa: E402
from ._dtype import int64 as int64  # noqa: E402
from ._dtype import long as long  # noqa: E402
from ._dtype import promote_types as promote_types  # noqa: E402
from ._dtype import result_type as _result_type  # noqa: E402
from ._dtype import uint8 as uint8  # noqa: E402
from ._grad_mode import enable_grad as enable_grad  # noqa: E402
from ._grad_mode import is_grad_enabled as is_grad_enabled  # noqa: E402
from ._grad_mode import no_grad as no_grad  # noqa: E402
from ._grad_mode import set_grad_enabled as set_grad_enabled  # noqa: E402
from .tensor import Size as Size  # noqa: E402
from .tensor import Tensor as Tensor  # noqa: E402
from .tensor import arange as arange  # noqa: E402
from .tensor import device as device  # noqa: E402
from .tensor import empty as empty  # noqa: E402
from .tensor import eye as eye  # noqa: E402
from .tensor import from_dlpack as from_dlpack  # noqa: E402
from .tensor import from_jax as from_jax  # noqa: E402
from .tensor import full as full  # noqa: E402
from .tensor import full_like as full_like  # noqa: E402
from .tensor import ones as ones  # noqa: E402
from .tensor import ones_like as ones_like  # noqa: E402
from .tensor import tensor as tensor  # noqa: E402
from .tensor import zeros as zeros  # noqa: E402
from .tensor import zeros_like as zeros_like  # noqa: E402

from . import fft as fft  # noqa: E402
from . import linalg as linalg  # noqa: E402
from . import nn as nn  # noqa: E402
from . import return_types as return_types  # noqa: E402
from . import special as special  # noqa: E402

# Every public op of the table (generated from the declarations: NOTE [Public surface]).
globals().update({_name: getattr(_ops, _name) for _name in _ops.__all__})

__version__ = "0.1.0"


def is_tensor(obj: object) -> bool:
    """Matches `torch.is_tensor`."""
    return isinstance(obj, Tensor)


def result_type(*operands):
    """Matches `torch.result_type`."""
    return _result_type(*operands)

# Random numbers (issue 5): a seedable generator over JAX PRNG keys.
from . import random as random  # noqa: E402
from .random import Generator as Generator  # noqa: E402
from .random import bernoulli as bernoulli  # noqa: E402
from .random import default_generator as default_generator  # noqa: E402
from .random import get_rng_state as get_rng_state  # noqa: E402
from .random import initial_seed as initial_seed  # noqa: E402
from .random import manual_seed as manual_seed  # noqa: E402
from .random import normal as normal  # noqa: E402
from .random import rand as rand  # noqa: E402
from .random import rand_like as rand_like  # noqa: E402
from .random import randint as randint  # noqa: E402
from .random import randn as randn  # noqa: E402
from .random import randn_like as randn_like  # noqa: E402
from .random import randperm as randperm  # noqa: E402
from .random import seed as seed  # noqa: E402
from .random import set_rng_state as set_rng_state  # noqa: E402

# torch's dtype aliases that shadow Python builtins: below this point, and in every function
# of this module, `float`/`int` are dtypes (use `builtins.float` there).
from ._dtype import cdouble as cdouble  # noqa: E402
from ._dtype import cfloat as cfloat  # noqa: E402
from ._dtype import float as float  # noqa: E402, A004
from ._dtype import int as int  # noqa: E402, A004
from ._dtype import short as short  # noqa: E402
from . import optim as optim  # noqa: E402

# Compilation (issue 6): a PyTorch-style step or forward as one jax.jit program.
from ._compile import ConcreteValueError as ConcreteValueError  # noqa: E402
from ._compile import compile as compile  # noqa: E402, A004
from . import viz as viz  # noqa: E402
from . import func as func  # noqa: E402
from .func import vmap as vmap  # noqa: E402

# The generic path (SPEC §4): any JAX function as a differentiable op, backward by jax.vjp.
from .ops.from_jax import jax_function as _jax_function  # noqa: E402

autograd.jax_function = _jax_function

# Inference mode and anomaly mode (issue 4), at top level as torch has them.
from ._anomaly import is_anomaly_check_nan_enabled as is_anomaly_check_nan_enabled  # noqa: E402
from ._anomaly import is_anomaly_enabled as is_anomaly_enabled  # noqa: E402
from ._anomaly import set_anomaly_enabled as set_anomaly_enabled  # noqa: E402
from ._grad_mode import inference_mode as inference_mode  # noqa: E402
from ._grad_mode import is_inference_mode_enabled as is_inference_mode_enabled  # noqa: E402

# torch.* names outside the op table: defaults, dtype information, legacy constructors,
# windows, settings (issue 11: torch's legacy names).
from . import _compat as _compat  # noqa: E402
from ._compat import *  # noqa: E402, F401, F403
from ._dtype import get_default_dtype as get_default_dtype  # noqa: E402, F811

globals().update(_compat.LEGACY_TENSOR_TYPES)
# torch.utils.data and torch.utils.checkpoint, reachable as tg.utils.data / tg.utils.checkpoint.
from . import distributions as distributions  # noqa: E402
from .utils import checkpoint as _utils_checkpoint  # noqa: E402, F401
from .utils import data as _utils_data  # noqa: E402, F401
# Checkpoints in torch's format (issue 14): tg.save writes what torch.load reads and back.
from . import serialization as serialization  # noqa: E402
from .serialization import load as load  # noqa: E402
from .serialization import save as save  # noqa: E402
# Devices (issue 14): torch's device names over JAX's devices, and the tg.cuda queries.
from . import cuda as cuda  # noqa: E402
# Numerics (issue 14): float32 matmul/conv precision switches (tg.backends).
from . import backends as backends  # noqa: E402
# Mixed precision (issue 14): tg.autocast, tg.amp.GradScaler and torch's autocast state.
from . import amp as amp  # noqa: E402
from .amp import autocast_mode as _autocast_mode  # noqa: E402

globals().update({_name: getattr(_autocast_mode, _name) for _name in _autocast_mode.__all__})
from . import cpu as cpu  # noqa: E402
