"""nn.functional ops beyond `nn_ops.py`: more activations, losses, transposed convolutions,
interpolation, pooling, shuffles, normalizations. Samples in tests/ops/op_db_nn.py.

Where torch shows a node of its own (`HardtanhBackward0`, `GluBackward0`, ...), the op is an
`Op` with the formula of derivatives.yaml written in tapegrad ops. Where torch composes ops
(`softsign`, `tanhshrink`, `softmin`, `margin_ranking_loss`, ...), the public function
composes tapegrad ops in torch's order, so the graph is torch's. Layers whose backward is a
fixed linear map or a window search (transposed convolution, interpolation, 3-d pooling,
pixel shuffle, fold/unfold) are `JaxFunction`s under torch's node names: their backward is the
vjp of the forward (itself differentiable, with generic double-backward nodes).

The declarations live in the modules of this package (each under 900 lines): `activation`,
`spatial` (convolution, interpolation, pooling), `loss_norm` (losses, distances, norms) and
`layers` (shuffles, fold/unfold, unpooling, grids, random layers), and `toplevel` (the
`torch.<name>` forms whose nn.functional form lives in `tapegrad.nn`). Importing them registers
their public names; their `Op`s are re-exported here so the op table's checks (unique node
names, every node exercised) see them.
"""

from __future__ import annotations

from . import (activation, ctc, embedding_bag, fractional, layers, loss_norm,  # noqa: F401
               spatial, toplevel)
from ._op_exports import *
