"""DataPipes: composable iterable / map-style datasets with functional forms. Match
`torch.utils.data.datapipes` (core classes, decorators and the common built-in pipes)."""

from . import iter, map  # noqa: F401  (registers the built-in functional forms)
from ._decorator import (argument_validation, functional_datapipe,
                         guaranteed_datapipes_determinism, non_deterministic, runtime_validation,
                         runtime_validation_disabled)
from .datapipe import DataChunk, DFIterDataPipe, IterDataPipe, MapDataPipe

__all__ = ["DFIterDataPipe", "DataChunk", "IterDataPipe", "MapDataPipe", "argument_validation",
           "functional_datapipe", "guaranteed_datapipes_determinism", "iter", "map",
           "non_deterministic", "runtime_validation", "runtime_validation_disabled"]
