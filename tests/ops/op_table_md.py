"""The README's op table, generated from the declarations (`tapegrad.ops.REGISTRY`) and op_db:
`python tests/ops/op_table_md.py --write` rewrites it in README.md; a test checks it is
current."""

from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from tapegrad.ops import REGISTRY  # noqa: E402

from op_db import OPS  # noqa: E402

README = pathlib.Path(__file__).parents[2] / "README.md"
START, END = "<!-- op-table:start -->", "<!-- op-table:end -->"


def _forms(e) -> str:
    where = "tg.linalg" if e.namespace == "linalg" else "tg"
    forms = []
    if e.function:
        forms.append(f"`{where}.{e.name}`")
    if e.functional:
        forms.append(f"`F.{e.name}`")
    if e.method:
        forms.append("property" if e.prop else "method")
    if e.inplace:
        forms.append("in-place")
    forms += [f"`{d}`" for d in (*e.dunders, *e.inplace_dunders)]
    return ", ".join(forms)


def table() -> str:
    rows = ["| name | forms | aliases | checked dims | op_db samples | error inputs | "
            "gradcheck, gradgradcheck | note |", "|---|---|---|---|---|---|---|---|"]
    for key, e in REGISTRY.items():
        infos = [i for i in OPS if i.op == key]
        samples = sum(len(i.samples) for i in infos)
        errors = sum(len(i.errors) for i in infos)
        grad = "yes" if any(i.gradcheck for i in infos) else "no"
        if any(i.gradcheck and not i.gradgradcheck for i in infos):
            grad = "first order"
        notes = "; ".join(sorted({i.note for i in infos if i.note}))
        rows.append(f"| `{key}` | {_forms(e)} | {', '.join(f'`{a}`' for a in e.aliases)} | "
                    f"{', '.join(f'`{d}`' for d in e.dims)} | {samples} | "
                    f"{errors}{' + dims' if e.dims else ''} | {grad} | {notes} |")
    scenarios = [i for i in OPS if i.op is None]
    rows += ["", f"Scenarios beyond a plain call ({len(scenarios)}): "
             + ", ".join(f"`{i.name}`" for i in scenarios) + "."]
    return "\n".join(rows)


def current_readme_table() -> str:
    text = README.read_text()
    return text[text.index(START) + len(START):text.index(END)].strip()


def write() -> None:
    text = README.read_text()
    new = text[:text.index(START) + len(START)] + "\n" + table() + "\n" + text[text.index(END):]
    README.write_text(new)


if __name__ == "__main__":
    if "--write" in sys.argv:
        write()
    else:
        print(table())
