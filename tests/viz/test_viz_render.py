"""tg.viz's pictures: inputs on top and arrows down to their users as `dot` draws torchviz's
graphs, arrowheads visible and ending on box borders, the PNG the same picture as the SVG, and
`draw()` an object a notebook shows inline, without touching matplotlib's backend."""

from __future__ import annotations

import io
import sys
import xml.etree.ElementTree as ET

import pytest

import tapegrad as tg

SVG = "{http://www.w3.org/2000/svg}"


def _program():
    w = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = tg.tensor([0.5, -0.5], requires_grad=True)
    x = tg.tensor([[1.0, -1.0], [2.0, 0.0]])
    h = (x @ w + b).tanh()
    loss = (h * h).sum() + b.exp().mean()
    return loss, {"w": w, "b": b}


def _picture(svg: str):
    root = ET.fromstring(svg)
    rects = {r.get("id"): tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))
             for r in root.iter(SVG + "rect") if r.get("id")}
    paths = [p for p in root.iter(SVG + "path") if p.get("class") == "edge"]
    heads = [p for p in root.iter(SVG + "polygon") if p.get("class") == "arrowhead"]
    return root, rects, paths, heads


def _points(poly) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in poly.get("points").split()]


def _ends(path) -> tuple[tuple[float, float], tuple[float, float]]:
    nums = [float(v) for v in path.get("d").replace("M", " ").replace("C", " ")
            .replace(",", " ").split()]
    return (nums[0], nums[1]), (nums[-2], nums[-1])


@pytest.mark.parametrize("show_saved", [False, True])
def test_svg_inputs_above_users_arrowheads_on_borders(show_saved):
    loss, params = _program()
    g = tg.viz.build(loss, params, show_attrs=show_saved, show_saved=show_saved)
    _, rects, paths, heads = _picture(tg.viz.draw(loss, params=params, show_attrs=show_saved,
                                                  show_saved=show_saved)._repr_svg_())
    assert set(rects) == {f"n{k}" for k in g.nodes}
    arrowed = [(a, b) for a, b, attrs in g.edges if attrs.get("dir") != "none"]
    assert len(paths) == len(g.edges) and len(heads) == len(arrowed)
    assert sorted((h.get("data-tail"), h.get("data-head")) for h in heads) == sorted(
        (f"n{a}", f"n{b}") for a, b in arrowed)
    for path in paths:
        (x0, y0), (x1, y1) = _ends(path)
        tx, ty, tw, th = rects[path.get("data-tail")]
        hx, hy, hw, _ = rects[path.get("data-head")]
        # The tail is above its head (the input above its user; a saved tensor below the
        # node that saved it, as `dot` ranks make_dot's undirected edge node -> tensor).
        assert ty + th < hy
        assert y0 == pytest.approx(ty + th, abs=0.1) and tx <= x0 <= tx + tw
        pair = (path.get("data-tail")[1:], path.get("data-head")[1:])
        # The line stops at the arrowhead's base, or at the border when it has none.
        assert y1 == pytest.approx(hy - 9.0 if pair in arrowed else hy, abs=0.1)
        assert hx <= x1 <= hx + hw
    for head in heads:
        (tipx, tipy), *base = _points(head)
        hx, hy, hw, _ = rects[head.get("data-head")]
        assert tipy == pytest.approx(hy, abs=0.1) and hx <= tipx <= hx + hw  # on the border
        assert all(y < hy - 5 for _, y in base)  # the head itself outside its box
        for rx, ry, rw, rh in rects.values():  # and under no box
            assert not any(rx < x < rx + rw and ry < y < ry + rh for x, y in base)
    # Each arrowhead sits where a line of its edge ends.
    ends = [_ends(p)[1] for p in paths]
    for head in heads:
        (tipx, _), (_, ay), (_, by) = _points(head)
        assert any(abs(x - tipx) < 0.2 and abs(y - (ay + by) / 2) < 0.2 for x, y in ends)


def test_png_is_the_svg_picture():
    pytest.importorskip("matplotlib")
    from matplotlib import image

    loss, params = _program()
    d = tg.viz.draw(loss, params=params, show_saved=True)
    root, rects, _, _ = _picture(d.svg())
    png = d._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (round(float(root.get("height"))), round(float(root.get("width"))))
    fills = {r.get("id"): r.get("fill") for r in root.iter(SVG + "rect") if r.get("id")}
    for fill in ("#caff70", "#add8e6", "#ffa500"):  # (antialiased black lines make greys)
        want = [rects[k] for k, f in fills.items() if f == fill]
        rgb = [int(fill[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        mask = (abs(pixels[:, :, :3] - rgb) < 0.02).all(axis=2)
        ys, xs = mask.nonzero()
        assert len(ys), fill
        # The colour's pixels span the same region as the SVG's boxes of that colour
        # (same place, same way up).
        assert xs.min() == pytest.approx(min(x for x, _, _, _ in want), abs=3)
        assert xs.max() == pytest.approx(max(x + w for x, _, w, _ in want), abs=3)
        assert ys.min() == pytest.approx(min(y for _, y, _, _ in want), abs=3)
        assert ys.max() == pytest.approx(max(y + h for _, y, _, h in want), abs=3)


def test_draw_returns_a_displayable_object_and_saves(tmp_path):
    loss, params = _program()
    d = tg.viz.draw(loss, params=params)
    assert isinstance(d, tg.viz.Drawing) and len(repr(d)) < 120 and "13 nodes" in repr(d)
    assert d._repr_svg_().startswith("<svg") and d._repr_svg_() == d.svg()
    assert d.source == tg.viz.to_dot(loss, params)
    assert d.save(tmp_path / "g.svg").read_text() == d.svg()
    assert d.save(tmp_path / "g.dot").read_text() == d.source
    assert d.save(tmp_path / "g.txt", format="dot").read_text() == d.source
    tg.viz.draw(loss, tmp_path / "h.svg", params=params)  # path given: written as well
    assert (tmp_path / "h.svg").read_text() == d.svg()
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        tg.viz.draw(loss, format="pdf")
    with pytest.raises(ValueError, match="unknown format 'jpg'"):
        d.save(tmp_path / "g.jpg")
    if "matplotlib" in sys.modules or _has_matplotlib():
        assert d.save(tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def test_png_leaves_matplotlib_backend_and_pyplot_alone(monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    had_pyplot = "matplotlib.pyplot" in sys.modules
    backend = dict.__getitem__(matplotlib.rcParams, "backend")

    def no(*args, **kwargs):
        raise AssertionError("tg.viz called matplotlib.use")

    monkeypatch.setattr(matplotlib, "use", no)
    loss, params = _program()
    assert tg.viz.draw(loss, params=params)._repr_png_()[:4] == b"\x89PNG"
    assert dict.__getitem__(matplotlib.rcParams, "backend") == backend
    assert ("matplotlib.pyplot" in sys.modules) == had_pyplot


def test_repr_png_without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    loss, _ = _program()
    d = tg.viz.draw(loss)
    assert d._repr_png_() is None and d._repr_svg_().startswith("<svg")
