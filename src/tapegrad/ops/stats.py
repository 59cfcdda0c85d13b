"""Reductions, statistics and searches beyond `reduction.py`: nan-reductions, order
statistics, cumulative extrema, counting and binning. Declarations as in `reduction.py`."""

from __future__ import annotations
