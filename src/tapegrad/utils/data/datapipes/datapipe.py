"""DataPipe base classes. Match `torch.utils.data.datapipes.datapipe`.

An `IterDataPipe` is an `IterableDataset` whose `__iter__` is wrapped by its metaclass (as
torch's `hook_iterator` does): creating an iterator calls `reset()` and invalidates the
pipe's previous iterator (a later `next` on it raises torch's RuntimeError), and an exception
raised inside a generator `__iter__` gets torch's "This exception is thrown by __iter__ of
Name(args)" line appended. Functional forms (`dp.map(fn)`) are looked up in the class's
`functions` table, filled by `functional_datapipe`. torch's profiler records and snapshot
(fast-forward) machinery are not reproduced."""

from __future__ import annotations

import functools
import importlib.util
import inspect
import pickle
from abc import ABCMeta
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

from ..dataset import Dataset, IterableDataset

__all__ = ["DataChunk", "DFIterDataPipe", "IterDataPipe", "MapDataPipe"]

_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)

# functional forms that keep a DataFrame pipe untraced (torch's UNTRACABLE_DATAFRAME_PIPES)
_UNTRACABLE = ("batch", "groupby", "_dataframes_as_tuples", "trace_as_dataframe")


class DataChunk(list, Generic[_T]):
    """A batch: a list that also keeps its items in `.items`."""

    def __init__(self, items: Iterable[_T]) -> None:
        items = list(items)
        super().__init__(items)
        self.items = items

    def as_str(self, indent: str = "") -> str:
        return indent + "[" + ", ".join(str(i) for i in iter(self)) + "]"

    def __iter__(self) -> Iterator[_T]:
        yield from super().__iter__()

    def raw_iterator(self) -> Iterator[_T]:
        yield from self.items


# ------------------------------------------------------------------ iterator bookkeeping

def _short(obj) -> str:
    return obj.__name__ if inspect.isfunction(obj) else repr(obj)


def _args_text(dp) -> str:
    """`name=value, ...` for the constructor parameters the pipe keeps as attributes, in
    alphabetical order (torch walks `inspect.getmembers`)."""
    names = set(inspect.signature(dp.__class__).parameters)
    found = [(n, _short(v)) for n, v in inspect.getmembers(dp) if n in names]
    return ", ".join(f"{n}={v}" for n, v in found)


def _pipe_text(dp) -> str:
    return f"{dp.__class__.__name__}({_args_text(dp)})"


_FEEDBACK = ("\nFor feedback regarding this single iterator per IterDataPipe constraint, feel "
             "free to comment on this issue: https://github.com/pytorch/data/issues/45.")


def _invalidated(dp) -> str:
    return ("This iterator has been invalidated because another iterator has been created "
            f"from the same IterDataPipe: {_pipe_text(dp)}\n"
            "This may be caused by multiple references to the same IterDataPipe. We recommend "
            "using `.fork()` if that is necessary.")


def _check_valid(dp, iterator_id, has_next: bool = False) -> None:
    if has_next:
        if dp._valid_iterator_id is not None and dp._valid_iterator_id != 0:
            raise RuntimeError(_invalidated(dp) + "\nNote that this exception is raised inside "
                               "your IterDataPipe's a `__next__` method" + _FEEDBACK)
    elif dp._valid_iterator_id != iterator_id:
        raise RuntimeError(_invalidated(dp) + _FEEDBACK)


def _new_iterator_id(dp) -> int:
    dp._valid_iterator_id = 0 if dp._valid_iterator_id is None else dp._valid_iterator_id + 1
    dp.reset()
    return dp._valid_iterator_id


def _annotate(exc: BaseException, dp) -> None:
    where = "thrown by __iter__ of"
    if not hasattr(exc.args, "__len__"):
        return
    full = f"{where} {dp.__class__.__name__}({_args_text(dp)})"
    if len(exc.args) == 0 or not isinstance(exc.args[0], str):
        exc.args = (f"\nThis exception is {full}",)
    elif where not in exc.args[0] and \
            "single iterator per IterDataPipe constraint" not in exc.args[0]:
        exc.args = (exc.args[0] + f"\nThis exception is {full}",) + exc.args[1:]


class _CheckedIterator:
    """The iterator a non-generator `__iter__` returned, checked on every `next`."""

    def __init__(self, iterator, dp, iterator_id, has_next: bool) -> None:
        self.iterator, self.datapipe, self.iterator_id = iterator, dp, iterator_id
        self._counts = not (iterator is dp and has_next)

    def __iter__(self):
        return self

    def __next__(self):
        _check_valid(self.datapipe, self.iterator_id)
        out = next(self.iterator)
        if self._counts:
            self.datapipe._number_of_samples_yielded += 1
        return out

    def __getattr__(self, name):
        return getattr(self.iterator, name)


def _hook_iter(namespace: dict) -> None:
    fn = namespace["__iter__"]
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator_iter(*args, **kwargs):
            gen = fn(*args, **kwargs)
            dp = args[0]
            iterator_id = _new_iterator_id(dp)
            try:
                response = gen.send(None)
                while True:
                    dp._number_of_samples_yielded += 1
                    request = yield response
                    _check_valid(dp, iterator_id)
                    response = gen.send(request)
            except StopIteration:
                return
            except Exception as e:
                _annotate(e, args[0])
                raise
        namespace["__iter__"] = generator_iter
        return
    has_next = "__next__" in namespace
    if has_next:
        next_fn = namespace["__next__"]

        @functools.wraps(next_fn)
        def counted_next(*args, **kwargs):
            out = next_fn(*args, **kwargs)
            args[0]._number_of_samples_yielded += 1
            return out
        namespace["__next__"] = counted_next

    @functools.wraps(fn)
    def plain_iter(*args, **kwargs):
        out = fn(*args, **kwargs)
        dp = args[0]
        return _CheckedIterator(out, dp, _new_iterator_id(dp), has_next)
    namespace["__iter__"] = plain_iter


class _DataPipeMeta(ABCMeta):
    """Metaclass of the DataPipes (torch's `_DataPipeMeta`: its typing layer is disabled in
    torch, so classes carry no `.type`)."""


class _IterDataPipeMeta(_DataPipeMeta):
    def __new__(mcs, name, bases, namespace, **kwargs):
        if "reset" in namespace:
            reset_fn = namespace["reset"]

            @functools.wraps(reset_fn)
            def reset(*args, **kwargs) -> None:
                args[0]._number_of_samples_yielded = 0
                reset_fn(*args, **kwargs)
            namespace["reset"] = reset
        if "__iter__" in namespace:
            _hook_iter(namespace)
        return super().__new__(mcs, name, bases, namespace, **kwargs)


# ------------------------------------------------------------------ the base classes

class _FunctionalForms:
    """`functions` lookup shared by both DataPipe kinds (each keeps its own table)."""

    functions: dict[str, Callable] = {}
    reduce_ex_hook: Callable | None = None
    getstate_hook: Callable | None = None
    str_hook: Callable | None = None
    repr_hook: Callable | None = None

    @classmethod
    def _table_owner(cls):
        return IterDataPipe if issubclass(cls, IterDataPipe) else MapDataPipe

    def __getattr__(self, attribute_name):
        owner = type(self)._table_owner()
        if attribute_name in owner.functions:
            f = owner.functions[attribute_name]
            bound = functools.partial(f, self)
            functools.update_wrapper(wrapper=bound, wrapped=f, assigned=("__doc__",))
            return bound
        # (torch's message lacks the closing quote)
        raise AttributeError(f"'{self.__class__.__name__}' object has no attribute "
                             f"'{attribute_name}")

    @classmethod
    def register_function(cls, function_name, function) -> None:
        cls.functions[function_name] = function

    def __getstate__(self):
        hook = type(self)._table_owner().getstate_hook
        return hook(self.__dict__) if hook is not None else self.__dict__

    def __reduce_ex__(self, *args, **kwargs):
        hook = type(self)._table_owner().reduce_ex_hook
        if hook is not None:
            try:
                return hook(self)
            except NotImplementedError:
                pass
        return super().__reduce_ex__(*args, **kwargs)

    @classmethod
    def set_getstate_hook(cls, hook_fn) -> None:
        owner = cls._table_owner()
        if owner.getstate_hook is not None and hook_fn is not None:
            raise RuntimeError("Attempt to override existing getstate_hook")
        owner.getstate_hook = hook_fn

    @classmethod
    def set_reduce_ex_hook(cls, hook_fn) -> None:
        owner = cls._table_owner()
        if owner.reduce_ex_hook is not None and hook_fn is not None:
            raise RuntimeError("Attempt to override existing reduce_ex_hook")
        owner.reduce_ex_hook = hook_fn

    def __repr__(self) -> str:
        if self.repr_hook is not None:
            return self.repr_hook(self)
        return str(self.__class__.__qualname__)

    def __str__(self) -> str:
        if self.str_hook is not None:
            return self.str_hook(self)
        return str(self.__class__.__qualname__)

    def __dir__(self):
        return list(super().__dir__()) + list(self.functions.keys())


def _taken(name: str) -> Exception:
    return Exception(f"Unable to add DataPipe function name {name} as it is already taken")


class IterDataPipe(_FunctionalForms, IterableDataset, Generic[_T_co],
                   metaclass=_IterDataPipeMeta):
    """Iterable-style DataPipe: override `__iter__` (and `reset()` for buffered state).

    Only one iterator per pipe is valid at a time: creating a new one invalidates the old."""

    functions: dict[str, Callable] = {}
    reduce_ex_hook = None
    getstate_hook = None
    str_hook = None
    repr_hook = None
    _valid_iterator_id: int | None = None
    _number_of_samples_yielded: int = 0

    def __iter__(self) -> Iterator[_T_co]:
        return self

    @classmethod
    def register_datapipe_as_function(cls, function_name, cls_to_register,
                                      enable_df_api_tracing=False) -> None:
        if function_name in cls.functions:
            raise _taken(function_name)

        def class_function(cls, enable_df_api_tracing, source_dp, *args, **kwargs):
            result = cls(source_dp, *args, **kwargs)
            if isinstance(result, IterDataPipe) and function_name not in _UNTRACABLE and \
                    (enable_df_api_tracing or isinstance(source_dp, DFIterDataPipe)):
                # torch returns a DataFrameTracer (its pandas-backed prototype API).
                raise NotImplementedError(
                    f"DataFrame tracing (the functional form {function_name!r} on a "
                    "DFIterDataPipe) is not provided by tapegrad")
            return result

        function = functools.partial(class_function, cls_to_register, enable_df_api_tracing)
        functools.update_wrapper(wrapper=function, wrapped=cls_to_register,
                                 assigned=("__doc__",))
        cls.functions[function_name] = function

    def reset(self) -> None:
        """Return to the initial state; called whenever a new iterator is created."""


class DFIterDataPipe(IterDataPipe):
    """An IterDataPipe of DataFrames. torch's DataFrame tracing (functional forms other than
    batch/groupby on such a pipe) is not provided: those raise NotImplementedError."""

    def _is_dfpipe(self) -> bool:
        return True


class MapDataPipe(_FunctionalForms, Dataset, Generic[_T_co], metaclass=_DataPipeMeta):
    """Map-style DataPipe: override `__getitem__` (and usually `__len__`)."""

    functions: dict[str, Callable] = {}
    reduce_ex_hook = None
    getstate_hook = None
    str_hook = None
    repr_hook = None

    @classmethod
    def register_datapipe_as_function(cls, function_name, cls_to_register) -> None:
        if function_name in cls.functions:
            raise _taken(function_name)

        def class_function(cls, source_dp, *args, **kwargs):
            return cls(source_dp, *args, **kwargs)

        function = functools.partial(class_function, cls_to_register)
        functools.update_wrapper(wrapper=function, wrapped=cls_to_register,
                                 assigned=("__doc__",))
        cls.functions[function_name] = function


class _DataPipeSerializationWrapper:
    """Pickles the pipe it wraps with pickle (dill where pickle fails and dill is installed)."""

    def __init__(self, datapipe) -> None:
        self._datapipe = datapipe

    def __getstate__(self):
        try:
            return pickle.dumps(self._datapipe), False
        except Exception:
            if importlib.util.find_spec("dill") is None:
                raise
            import dill
            return dill.dumps(self._datapipe), True

    def __setstate__(self, state):
        value, use_dill = state
        if use_dill:
            import dill
            self._datapipe = dill.loads(value)
        else:
            self._datapipe = pickle.loads(value)

    def __len__(self) -> int:
        try:
            return len(self._datapipe)
        except Exception as e:
            raise TypeError(f"{type(self).__name__} instance doesn't have valid length") from e


class _IterDataPipeSerializationWrapper(_DataPipeSerializationWrapper, IterDataPipe):
    """What the DataLoader iterates for an IterDataPipe (torch wraps it the same way)."""

    def __init__(self, datapipe) -> None:
        super().__init__(datapipe)
        self._datapipe_iter = None

    def __iter__(self):
        self._datapipe_iter = iter(self._datapipe)
        return self

    def __next__(self):
        return next(self._datapipe_iter)


class _MapDataPipeSerializationWrapper(_DataPipeSerializationWrapper, MapDataPipe):
    def __getitem__(self, idx):
        return self._datapipe[idx]
