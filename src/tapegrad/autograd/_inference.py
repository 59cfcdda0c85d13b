"""Inference tensors: what `inference_mode` (grad_mode.py) leaves behind on tensors.

NOTE [Inference tensors]
torch's inference tensors have no version counter. tapegrad marks a tensor made inside
`inference_mode` by giving it an `InferenceVersionCounter`, so `detach()` and views (which
share the counter) are inference tensors too, as in torch. The marker drives:
  - `Tensor.is_inference()`;
  - `SavedTensor` refusing to save one (graph.py), torch's error;
  - `_version`, in-place writes and `requires_grad_()` outside inference mode: torch's errors.
Those last three and the marking itself live in tensor.py, which this module may not edit, so
`install()` wraps the four Tensor members involved the first time inference mode is entered.
Until then no tensor pays anything. A tensor.py owner can replace `install()` by the same
lines in `Tensor._make`, `_version`, `_set_array` and `_set_requires_grad`. The in-place
check sits in `_set_array`, the one write every in-place op makes: after torch's leaf/view
checks and, as in torch, after the value is written (torch raises once its kernel ran).
Known differences: torch gives `detach()`/`.data` of an inference tensor (made outside
inference mode) a version counter (`_version` 0) and `clone()` of one `_version` 1.
`.data` of an inference tensor gets a fresh (plain) counter in tensor.py, so it is not
reported as an inference tensor (torch: it is).
"""

from __future__ import annotations

import functools

from .._storage import VersionCounter

__all__ = ["InferenceVersionCounter", "is_inference", "install", "INFERENCE_SAVE"]

INFERENCE_SAVE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
    "inference mode in computation tracked by autograd. To work around this, you can make a "
    "clone to get a normal tensor and use it in autograd, or use `torch.no_grad()` instead of "
    "`torch.inference_mode()`."
)
INFERENCE_VERSION = "Inference tensors do not track version counter."
INFERENCE_INPLACE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
    "clone to get a normal tensor before doing inplace update.See "
    "https://github.com/pytorch/rfcs/pull/17 for more details."
)
INFERENCE_REQUIRES_GRAD = (
    "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.")


class InferenceVersionCounter(VersionCounter):
    """The counter of an inference tensor: a marker (torch keeps no counter for these)."""

    __slots__ = ()


def is_inference(self) -> bool:
    """True for a tensor made in inference mode (or a view/detach of one).

    Matches `torch.Tensor.is_inference`.
    """
    return type(self._vc) is InferenceVersionCounter


_installed = False


def install() -> None:
    """Wrap Tensor's construction and in-place checks (see NOTE [Inference tensors])."""
    global _installed
    if _installed:
        return
    _installed = True
    from ..tensor import Tensor
    from .grad_mode import is_inference_mode_enabled

    make = Tensor._make
    version = Tensor._version.fget
    set_array = Tensor._set_array
    set_requires_grad = Tensor._set_requires_grad

    def _make(array, grad_fn=None, output_nr=0, vc=None, storage=None):
        if vc is None and is_inference_mode_enabled():
            vc = InferenceVersionCounter()
        return make(array, grad_fn, output_nr, vc, storage)

    def _version(self) -> int:
        if type(self._vc) is InferenceVersionCounter:
            raise RuntimeError(INFERENCE_VERSION)
        return version(self)

    def _set_array(self, array) -> None:
        set_array(self, array)
        # torch checks after its kernel ran: the value is written, then the error raised.
        if type(self._vc) is InferenceVersionCounter and not is_inference_mode_enabled():
            raise RuntimeError(INFERENCE_INPLACE)

    def _set_requires_grad(self, requires_grad: bool, dtype_error: str) -> None:
        if (requires_grad and type(self._vc) is InferenceVersionCounter
                and not is_inference_mode_enabled()):
            raise RuntimeError(INFERENCE_REQUIRES_GRAD)
        set_requires_grad(self, requires_grad, dtype_error)

    # functools.wraps: the wrappers keep the originals' names, docs and signatures.
    Tensor._make = staticmethod(functools.wraps(make)(_make))
    Tensor._version = property(functools.wraps(version)(_version))
    Tensor._set_array = functools.wraps(set_array)(_set_array)
    Tensor._set_requires_grad = functools.wraps(set_requires_grad)(_set_requires_grad)
