"""nn.functional ops beyond `nn_ops.py`: more activations, losses, transposed convolutions,
interpolation, recurrent cells. Declarations as in `nn_ops.py`; samples in tests/nn/nn_db.py
or tests/ops/op_db_nn.py."""

from __future__ import annotations
