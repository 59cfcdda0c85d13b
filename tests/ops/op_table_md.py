"""Print the README's op table from op_db: `python tests/ops/op_table_md.py`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from op_db import OPS  # noqa: E402


def main() -> None:
    print("| op_db entry | samples | parity vs torch (f32, f64) | gradcheck | gradgradcheck | note |")
    print("|---|---|---|---|---|---|")
    for op in OPS:
        parity = "values, grads" if "generic_node" in op.tags else (
            "values, dtypes, grads, grad_fn graph, versions")
        print(f"| `{op.name}` | {len(op.samples)} | {parity} | "
              f"{'yes' if op.gradcheck else 'no'} | "
              f"{'yes' if op.gradcheck and op.gradgradcheck else 'no'} | {op.note} |")


if __name__ == "__main__":
    main()
