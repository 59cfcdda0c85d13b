"""Anomaly mode. Matches `torch.autograd.anomaly_mode` (the implementation is
`tapegrad._anomaly`, in the state layer, read by nodes and the engine)."""

from .._anomaly import detect_anomaly as detect_anomaly
from .._anomaly import is_anomaly_check_nan_enabled as is_anomaly_check_nan_enabled
from .._anomaly import is_anomaly_enabled as is_anomaly_enabled
from .._anomaly import set_anomaly_enabled as set_anomaly_enabled
from .._anomaly import set_detect_anomaly as set_detect_anomaly

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "set_anomaly_enabled"]
