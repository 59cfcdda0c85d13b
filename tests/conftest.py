"""Global test configuration: the one place for JAX/torch/hypothesis settings."""

from __future__ import annotations

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import hypothesis  # noqa: E402
import torch  # noqa: E402

import tapegrad  # noqa: E402,F401  (turns on JAX x64 before any test builds arrays)

torch.manual_seed(0)
torch.set_num_threads(1)
hypothesis.settings.register_profile(
    "ci", max_examples=25, derandomize=True, deadline=None, print_blob=True)
hypothesis.settings.load_profile("ci")
