"""Anomaly mode: nodes remember the forward traceback that created them, and the engine names
the failing node, shows that traceback, and refuses NaN gradients. Matches
`torch.autograd.anomaly_mode`.

As in torch the switch is process-wide (not thread-local). The cost when it is off is one
module-global read in `Node.__init__` and one per node run in the engine.
"""

from __future__ import annotations

import os
import threading
import traceback
import warnings
from typing import Any
from ._checks import user_stacklevel

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "set_anomaly_enabled"]

# Read directly (`anomaly_mode._enabled`) by graph.py and engine.py on their hot paths.
_enabled = False
_check_nan = True

ENABLED_WARNING = ("Anomaly Detection has been enabled. This mode will increase the runtime "
                   "and should only be enabled for debugging.")
ERROR_DETECTED = "Error detected in {name}. Traceback of forward call that caused the error:\n"
NO_FORWARD_INFO = ("Error detected in {name}. No forward pass information available. Enable "
                   "detect anomaly during forward pass for more information.")
PREVIOUS = ("\n\nPrevious calculation was induced by {name}. Traceback of forward call that "
            "induced the previous calculation:\n")
PREVIOUS_NO_INFO = ("\n\nPrevious calculation was induced by {name}. No forward pass "
                    "information available. Enable detect anomaly during forward pass for "
                    "more information.")
NAN_OUTPUT = "Function '{name}' returned nan values in its {index}th output."

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def is_anomaly_enabled() -> bool:
    """Matches `torch.is_anomaly_enabled`."""
    return _enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Matches `torch.is_anomaly_check_nan_enabled`."""
    return _check_nan


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Matches `torch.set_anomaly_enabled`."""
    global _enabled, _check_nan
    _enabled = bool(enabled)
    _check_nan = bool(check_nan)


class detect_anomaly:
    """Enable anomaly detection inside the block (warns that it is on when constructed).

    Matches `torch.autograd.detect_anomaly` (like torch's, it is not a decorator).
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = is_anomaly_enabled()
        self.check_nan = check_nan
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        warnings.warn(ENABLED_WARNING, UserWarning, stacklevel=user_stacklevel())

    def __enter__(self) -> None:
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *args: object) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)


class set_detect_anomaly:
    """Turn anomaly detection on or off now; as a context manager, restore it on exit.

    Matches `torch.autograd.set_detect_anomaly`.
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = is_anomaly_enabled()
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *args: object) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)


# ------------------------------------------------------------------ used by graph and engine
class _Current(threading.local):
    node: Any = None


_current = _Current()


def record(node: Any) -> None:
    """Called by `Node.__init__` when anomaly mode is on: keep the forward traceback, and the
    node whose backward is running (torch's `assign_parent`), if any."""
    node._anomaly_stack = _format_stack()
    node._anomaly_parent = _current.node


def _format_stack() -> list[str]:
    # torch stores `traceback.format_stack()` from C++, so its innermost frame is the user's
    # line; drop tapegrad's own innermost frames to show the same.
    frames = traceback.extract_stack()[:-2]
    # (Generated op functions have file names "<tapegrad: ...>".)
    while frames and frames[-1].filename.startswith((_PACKAGE_DIR, "<tapegrad")):
        frames.pop()
    return traceback.format_list(frames)


def set_current_node(node: Any) -> Any:
    prev = _current.node
    _current.node = node
    return prev


def warn_stack(node: Any) -> None:
    """torch's `print_stack`: one warning naming the failing node, one per parent."""
    stack = node.__dict__.get("_anomaly_stack")
    if stack is None:
        warnings.warn(NO_FORWARD_INFO.format(name=node.name()), UserWarning, stacklevel=user_stacklevel())
        return
    warnings.warn(ERROR_DETECTED.format(name=node.name()) + "".join(stack), UserWarning,
                  stacklevel=user_stacklevel())
    parent = node.__dict__.get("_anomaly_parent")
    while parent is not None:
        stack = parent.__dict__.get("_anomaly_stack")
        if stack is None:
            warnings.warn(PREVIOUS_NO_INFO.format(name=parent.name()), UserWarning, stacklevel=user_stacklevel())
            break
        warnings.warn(PREVIOUS.format(name=parent.name()) + "".join(stack), UserWarning,
                      stacklevel=user_stacklevel())
        parent = parent.__dict__.get("_anomaly_parent")
