"""The graph of a DataPipe pipeline, found as torch finds it (`torch.utils.data.graph.
traverse_dps`): by pickling each pipe with hooks that capture, instead of serializing, every
DataPipe it holds (and keep only DataPipes and collections of its state). The pickling is
real, so what torch cannot pickle (a pipe whose class is local to a function) fails the same
way here."""

from __future__ import annotations

import importlib.util
import io
import pickle
from collections.abc import Collection

from .datapipe import IterDataPipe, MapDataPipe

__all__ = ["traverse_dps", "get_all_graph_pipes"]

_PIPES = (IterDataPipe, MapDataPipe)


def _stub_unpickler() -> str:
    return "STUB"


def _kept(state):
    """The part of a pipe's state that can lead to other pipes."""
    if isinstance(state, dict):
        return {k: v for k, v in state.items() if isinstance(v, (*_PIPES, Collection))}
    if isinstance(state, (tuple, list)):
        return [v for v in state if isinstance(v, (*_PIPES, Collection))]
    return state if isinstance(state, (*_PIPES, Collection)) else None


def _connected(scan_obj, cache: set) -> list:
    found: list = []

    def reduce_hook(obj):
        if obj == scan_obj or id(obj) in cache:
            raise NotImplementedError
        found.append(obj)
        cache.add(id(obj))
        return _stub_unpickler, ()

    try:
        for cls in _PIPES:
            cls.set_reduce_ex_hook(reduce_hook)
            cls.set_getstate_hook(_kept)
        try:
            pickle.Pickler(io.BytesIO()).dump(scan_obj)
        except (pickle.PickleError, AttributeError, TypeError):
            if importlib.util.find_spec("dill") is None:
                raise
            import dill
            dill.Pickler(io.BytesIO()).dump(scan_obj)
    finally:
        for cls in _PIPES:
            cls.set_reduce_ex_hook(None)
            cls.set_getstate_hook(None)
    return found


def traverse_dps(datapipe, cache: set | None = None) -> dict:
    """{id: (pipe, subgraph)} for `datapipe` and the pipes it holds, recursively."""
    if not isinstance(datapipe, _PIPES):
        raise RuntimeError(f"Expected `IterDataPipe` or `MapDataPipe`, but {type(datapipe)} "
                           "is found")
    cache = set() if cache is None else cache
    key = id(datapipe)
    if key in cache:
        return {}
    cache.add(key)
    graph: dict = {key: (datapipe, {})}
    for item in _connected(datapipe, cache.copy()):
        graph[key][1].update(traverse_dps(item, cache.copy()))
    return graph


def get_all_graph_pipes(graph: dict, seen: set | None = None) -> list:
    """Every pipe of a graph once, outermost first."""
    seen = set() if seen is None else seen
    out: list = []
    for key, (pipe, sub) in graph.items():
        if key in seen:
            continue
        seen.add(key)
        out.append(pipe)
        out.extend(get_all_graph_pipes(sub, seen))
    return out
