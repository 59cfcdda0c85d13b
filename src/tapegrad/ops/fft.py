"""`torch.fft`: declared with `namespace="fft"` (NOTE [Public surface])."""

from __future__ import annotations
