"""A small DOT reader for the tests: checks that text is the DOT subset torchviz writes (every
node id a DOT ID, attribute lists well formed) and returns its statements in order."""

from __future__ import annotations

import re

# DOT's ID: a C identifier, a numeral, or a double-quoted string (the Graphviz grammar).
ID = re.compile(r'[A-Za-z_\x80-\xff][A-Za-z_0-9\x80-\xff]*|-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)'
                r'|"(?:[^"\\]|\\.)*"', re.DOTALL)
_TOKEN = re.compile(r'\s*(->|[{}\[\]=;,]|' + ID.pattern + r')', re.DOTALL)


class DotError(ValueError):
    pass


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None:
            raise DotError(f"not DOT at {text[pos:pos + 40]!r}")
        tok, pos = m.group(1), m.end()
        if tok[0] in "-.0123456789" and tok != "->" and pos < len(text) and (
                text[pos].isalnum() or text[pos] in "_."):
            # Graphviz splits `123.self` into two ids ("badly delimited number"): two nodes
            raise DotError(f"badly delimited number {text[m.start(1):pos + 8]!r}")
        out.append(tok)
    return out


def _unquote(tok: str) -> str:
    if tok.startswith('"'):
        body = tok[1:-1]
        return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), body)
    return tok


def parse(text: str) -> list[tuple]:
    """[("node", id, attrs) | ("edge", tail, head, attrs)] of a `digraph { ... }`; raises
    DotError for anything outside the subset (a bad id such as `123.self` included)."""
    toks = _tokens(text)
    if toks[:2] != ["digraph", "{"] or toks[-1] != "}":
        raise DotError("not a digraph { ... }")
    toks, i, out = toks[2:-1], 0, []

    def is_id(t: str) -> bool:
        return ID.fullmatch(t) is not None and t not in ("->",)

    def attrs(i: int) -> tuple[dict[str, str], int]:
        found: dict[str, str] = {}
        if i < len(toks) and toks[i] == "[":
            i += 1
            while toks[i] != "]":
                k, eq, v = toks[i:i + 3]
                if not (is_id(k) and eq == "=" and is_id(v)):
                    raise DotError(f"bad attribute near {toks[i:i + 3]}")
                found[_unquote(k)] = _unquote(v)
                i += 3
                if toks[i] in (",", ";"):
                    i += 1
            i += 1
        return found, i

    while i < len(toks):
        t = toks[i]
        if not is_id(t):
            raise DotError(f"expected an id, got {t!r}")
        if t in ("graph", "node", "edge"):
            _, i = attrs(i + 1)
        elif i + 1 < len(toks) and toks[i + 1] == "->":
            head = toks[i + 2]
            if not is_id(head):
                raise DotError(f"bad edge head {head!r}")
            a, i = attrs(i + 3)
            out.append(("edge", _unquote(t), _unquote(head), a))
        else:
            a, i = attrs(i + 1)
            out.append(("node", _unquote(t), a))
        if i < len(toks) and toks[i] == ";":
            i += 1
    return out


def renumber(body: list[tuple]) -> list[tuple]:
    """The statements with node ids replaced by their order of first appearance (two graphs
    made the same way from two runs compare equal)."""
    seen: dict[str, int] = {}

    def n(k: str) -> int:
        return seen.setdefault(k, len(seen))

    return [("node", n(s[1]), s[2]) if s[0] == "node" else ("edge", n(s[1]), n(s[2]), s[3])
            for s in body]
