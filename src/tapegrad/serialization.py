"""`tg.save` / `tg.load` in torch's checkpoint format, without importing torch.

NOTE [torch's checkpoint format]
`torch.save` writes an uncompressed zip whose records sit under one folder (`archive/` for a
file object, the file's stem for a path): `data.pkl` (the object, pickled with protocol 2),
`.format_version`, `.storage_alignment`, `byteorder`, `data/<key>` (the raw bytes of each
storage in that byte order, each aligned to 64 bytes in the file), `version`. In `data.pkl` a
tensor is `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
OrderedDict())` where `storage` is a persistent id `("storage", torch.<Scalar>Storage, key,
location, numel)`; a Parameter is `torch._utils._rebuild_parameter(tensor, requires_grad,
OrderedDict())`; dtypes, `torch.Size` and `torch.device` are globals of module `torch`.
Tensors that share memory name the same storage key, each with its own offset and strides, so
views and tied weights come back sharing.

Saving writes those torch names as bare GLOBAL opcodes (a pickler subclass that never imports
the module it names): tapegrad's tensors become torch tensors for `torch.load`, and tapegrad's
own `load` maps the same names back to tapegrad objects. A tapegrad view is saved against its
root's storage with the strides `Tensor.stride()` reports (NOTE [Strides]), checked element by
element against the view's real positions (a view the strides cannot describe is saved as its
own storage). Loading rebuilds each tensor from its storage's bytes; where several tensors
name one storage they are then re-made as views of one array (NOTE [Views over immutable
arrays]), so a write through one is seen through the others, as in torch.

`weights_only=True` (the default, as torch >= 2.6) admits only an allow-list of globals, the
ones torch's weights-only unpickler allows and tapegrad has, plus what `add_safe_globals`
adds; anything else raises torch's `pickle.UnpicklingError` text. Devices: tapegrad keeps
tensors on the CPU; `map_location` may be None, "cpu", a `tg.device`, a dict or a callable,
and a storage tagged (or mapped) to CUDA raises torch's CPU-only error. torch's format
before 1.6 (plain pickles followed by the storages' bytes) is written and read as well.
"""

from __future__ import annotations

import _compat_pickle
import codecs
import collections
import contextlib
import io
import os
import pickle
import struct
import sys
import threading
import warnings
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import jax.numpy as jnp
import numpy as np

from . import _dtype, _errors, _x64
from . import _grad_mode as grad_mode
from ._storage import VersionCounter, ViewStorage, contiguous_strides, strides_of, view_function
from .nn.parameter import Parameter
from .tensor import Size, Tensor, device
from ._checks import user_stacklevel

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals"]

_ALIGNMENT = 64
_BLOCKED_MODULES = ("sys", "os", "posix", "nt")


# ===================================================================== save


class _Global:
    """A stand-in written as `GLOBAL module name` (a torch name, never imported here)."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args: Any) -> Any:  # pickle's save_reduce wants a callable
        raise TypeError(f"{self.module}.{self.name} is a name for torch.load, not a function")


_GLOBALS: dict[tuple[str, str], _Global] = {}


def _g(module: str, name: str) -> _Global:
    key = (module, name)
    if key not in _GLOBALS:
        _GLOBALS[key] = _Global(module, name)
    return _GLOBALS[key]


class _SavedStorage:
    """One storage of the checkpoint: a flat host copy of a root array."""

    __slots__ = ("key", "dtype", "data")

    def __init__(self, key: str, dtype: _dtype.dtype, data: np.ndarray) -> None:
        self.key, self.dtype, self.data = key, dtype, data


def _positions(storage: ViewStorage) -> np.ndarray:
    root_shape = tuple(storage.root.array.shape)
    n = int(np.prod(root_shape, dtype=np.int64))
    return np.asarray(view_function(storage.chain)(
        jnp.arange(n, dtype=jnp.int64).reshape(root_shape)))


def _strided_positions(offset: int, size: tuple, stride: tuple) -> np.ndarray:
    """The storage index of each element of an (offset, size, stride) tensor."""
    idx = np.full(size, offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        idx = idx + (np.arange(n, dtype=np.int64) * s).reshape(shape)
    return idx


class _Pickler(pickle._Pickler):  # the Python pickler: its dispatch table can be extended
    """torch's `data.pkl`: tensors as `_rebuild_tensor_v2` over persistent storage ids.

    (typeshed describes `pickle._Pickler` as the C pickler: the ignores below are for the
    Python pickler's own members, `write`, `memoize`, `save`, `dispatch`.)"""

    dispatch = dict(pickle._Pickler.dispatch)  # type: ignore[attr-defined]

    def __init__(self, file: io.BytesIO, protocol: int, legacy: bool = False) -> None:
        super().__init__(file, protocol)
        self.legacy = legacy  # the pre-1.6 format's ids carry a sixth field (storage views)
        self.storages: dict[int, _SavedStorage] = {}
        self._keep: list = []  # roots whose id() keys `storages`

    def _save_global_ref(self, obj: _Global) -> None:
        line = pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode()
        self.write(line)  # type: ignore[attr-defined]
        self.memoize(obj)  # type: ignore[attr-defined]

    dispatch[_Global] = _save_global_ref  # type: ignore[assignment]

    def save(self, obj: Any, save_persistent_id: bool = True) -> None:
        if type(obj) is _dtype.dtype:
            obj = _g("torch", obj.name)
        super().save(obj, save_persistent_id)  # type: ignore[misc]

    def persistent_id(self, obj: Any) -> tuple | None:
        if type(obj) is _SavedStorage:
            pid = ("storage", _g("torch", f"{obj.dtype.scalar_name}Storage"), obj.key, "cpu",
                   int(obj.data.size))
            return (*pid, None) if self.legacy else pid
        return None

    def _storage(self, root: Any, array: Any) -> _SavedStorage:
        found = self.storages.get(id(root))
        if found is None:
            data = np.ascontiguousarray(np.asarray(array)).reshape(-1)
            found = _SavedStorage(str(len(self.storages)), _dtype.from_numpy_dtype(data.dtype),
                                  data)
            self.storages[id(root)] = found
            self._keep.append(root)
        return found

    def _tensor_args(self, t: Tensor) -> tuple:
        """(storage, offset, size, stride) for `t`, sharing its root's storage when it can."""
        st = t._storage
        size = tuple(t.shape)
        if not isinstance(st, ViewStorage):
            return (self._storage(st, st.array), 0, size, contiguous_strides(size))
        stride, offset = strides_of(st, size)
        root = st.root
        if root.array.dtype == st.array.dtype and np.array_equal(
                _positions(st), _strided_positions(offset, size, stride)):
            return (self._storage(root, root.array), offset, size, stride)
        own = object()  # a view the strides cannot describe: its values, as its own storage
        return (self._storage(own, st.array), 0, size, contiguous_strides(size))

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Parameter):
            return (_g("torch._utils", "_rebuild_parameter"),
                    (obj.detach(), obj.requires_grad, collections.OrderedDict()))
        if isinstance(obj, Tensor):
            for hooks in (obj._backward_hooks, obj._post_acc_hooks):
                for hook in (hooks or {}).values():
                    warnings.warn(_errors.HOOK_NOT_SERIALIZED.format(hook=hook), UserWarning,
                                  stacklevel=user_stacklevel())
            return (_g("torch._utils", "_rebuild_tensor_v2"),
                    (*self._tensor_args(obj), obj.requires_grad, collections.OrderedDict()))
        if type(obj) is Size:
            return (_g("torch", "Size"), (tuple(obj),))
        if type(obj) is device:
            return (_g("torch", "device"), (str(obj),))
        return NotImplemented


def _archive_name(f: Any) -> str:
    if isinstance(f, (str, os.PathLike)):
        return os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
    return "archive"


def _write_zip(out: io.BytesIO, prefix: str, records: list[tuple[str, bytes]]) -> None:
    """An uncompressed zip whose record payloads start at multiples of 64 bytes (torch's
    layout: the padding is an extra field "FB" of 'Z's, as torch's writer adds)."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, data in records:
            info = zipfile.ZipInfo(f"{prefix}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            header_end = out.tell() + 30 + len(info.filename.encode()) + 4
            if len(data) * 1.05 > zipfile.ZIP64_LIMIT:  # zipfile adds a zip64 extra field
                header_end += 20
            pad = -header_end % _ALIGNMENT
            info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
            z.writestr(info, data)


@_x64.scoped
def save(obj: object, f: Any, pickle_module: Any = None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save `obj` (tensors, Parameters, state dicts, nested containers) to a path or a
    writable file object in torch's checkpoint format: `torch.load` reads it.

    Matches `torch.save` (the zip format; `_use_new_zipfile_serialization=False` writes the
    format before it); `pickle_module` is accepted and not used (the checkpoint needs
    tapegrad's pickler)."""
    out = io.BytesIO()
    if _use_new_zipfile_serialization:
        _save_zip(obj, out, _archive_name(f), pickle_protocol, _disable_byteorder_record)
    else:
        _save_legacy(obj, out, pickle_protocol)
    if isinstance(f, (str, os.PathLike)):
        parent = os.path.dirname(os.fspath(f))
        if parent and not os.path.isdir(parent):
            raise RuntimeError(_errors.SAVE_NO_PARENT.format(parent=parent))
        with open(f, "wb") as fh:
            fh.write(out.getvalue())
    else:
        f.write(out.getvalue())
        if hasattr(f, "flush"):
            f.flush()


def _save_zip(obj: object, out: io.BytesIO, prefix: str, protocol: int,
              no_byteorder: bool) -> None:
    buf = io.BytesIO()
    pickler = _Pickler(buf, protocol)
    pickler.dump(obj)
    records = [("data.pkl", buf.getvalue()), (".format_version", b"1"),
               (".storage_alignment", str(_ALIGNMENT).encode())]
    if not no_byteorder:
        records.append(("byteorder", sys.byteorder.encode()))
    for storage in pickler.storages.values():  # native byte order, as the record says
        records.append((f"data/{storage.key}", storage.data.tobytes()))
    records.append(("version", b"3\n"))
    _write_zip(out, prefix, records)


_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001


def _save_legacy(obj: object, out: io.BytesIO, protocol: int) -> None:
    """torch's pre-1.6 format: magic number, protocol and system-info pickles, the object's
    pickle, the sorted storage keys, then each storage as an int64 element count and its
    bytes (both little-endian whatever the machine)."""
    sys_info = {"protocol_version": _LEGACY_PROTOCOL, "little_endian": sys.byteorder == "little",
                "type_sizes": {"short": struct.calcsize("=h"), "int": struct.calcsize("=i"),
                               "long": struct.calcsize("=l")}}
    for header in (_LEGACY_MAGIC, _LEGACY_PROTOCOL, sys_info):
        pickle.dump(header, out, protocol=protocol)
    pickler = _Pickler(out, protocol, legacy=True)
    pickler.dump(obj)
    storages = {s.key: s for s in pickler.storages.values()}
    keys = sorted(storages)
    pickle.dump(keys, out, protocol=protocol)
    for key in keys:
        data = storages[key].data
        out.write(struct.pack("<q", data.size))
        out.write((data if sys.byteorder == "little" else data.byteswap()).tobytes())


# ===================================================================== safe globals

_user_safe_globals: set = set()


def add_safe_globals(safe_globals: list) -> None:
    """Allow these globals (objects, or `(object, "module.name")` pairs) in
    `load(weights_only=True)`. Matches `torch.serialization.add_safe_globals`."""
    global _user_safe_globals
    _user_safe_globals = _user_safe_globals | set(safe_globals)


def get_safe_globals() -> list:
    """Matches `torch.serialization.get_safe_globals`."""
    return list(_user_safe_globals)


def clear_safe_globals() -> None:
    """Matches `torch.serialization.clear_safe_globals`."""
    global _user_safe_globals
    _user_safe_globals = set()


@contextlib.contextmanager
def safe_globals(globals_: list) -> Iterator[None]:
    """Allow these globals inside the block. Matches `torch.serialization.safe_globals`."""
    global _user_safe_globals
    add_safe_globals(globals_)
    try:
        yield
    finally:
        _user_safe_globals = _user_safe_globals - set(globals_)


def _user_allowed() -> dict[str, Any]:
    allowed = {}
    for entry in _user_safe_globals:
        if isinstance(entry, tuple):
            if len(entry) != 2:
                raise ValueError("Expected tuple of length 2 (global, str of callable full "
                                 f"path), but got tuple of length: {len(entry)}")
            allowed[entry[1]] = entry[0]
        else:
            allowed[f"{entry.__module__}.{entry.__qualname__}"] = entry
    return allowed


# ===================================================================== load


class _StorageType:
    """What `torch.FloatStorage` & co. unpickle to: the element type of a storage record."""

    __slots__ = ("dtype",)

    def __init__(self, dtype: _dtype.dtype) -> None:
        self.dtype = dtype


class _LoadedStorage:
    """One storage of a checkpoint as a flat host array (None until a legacy file's data is
    read), and the tensors rebuilt over it."""

    __slots__ = ("key", "dtype", "data", "location", "users")

    def __init__(self, key: str, dtype: _dtype.dtype, data: np.ndarray | None,
                 location: str) -> None:
        self.key, self.dtype, self.data, self.location = key, dtype, data, location
        self.users: list[tuple[Tensor, int, tuple, tuple]] = []

    def nbytes(self) -> int:
        return 0 if self.data is None else int(self.data.nbytes)

    def cpu(self) -> _LoadedStorage:
        return self


# The load in progress on this thread: storage box id -> the tensors sharing that box (a
# loaded tensor and the Parameters made from it), for the sharing pass.
_state = threading.local()


def _values(storage: _LoadedStorage, offset: int, size: tuple, stride: tuple) -> Any:
    if storage.data is None:  # a legacy file: the data follows the pickle (see _fill)
        return jnp.zeros(size, storage.dtype.np)
    return jnp.asarray(storage.data[_strided_positions(offset, size, stride)])


def _rebuild_tensor(storage: _LoadedStorage, storage_offset: int, size: tuple,
                    stride: tuple) -> Tensor:
    size, stride = tuple(size), tuple(stride)
    t = Tensor._make(_values(storage, storage_offset, size, stride),
                     vc=VersionCounter(1))  # torch rebuilds by set_: version 1
    storage.users.append((t, storage_offset, size, stride))
    _state.aliases[id(t._storage)] = [t]
    return t


def _fill(storage: _LoadedStorage) -> None:
    """Give the tensors of a legacy file's storage their values, once its data is read."""
    for t, offset, size, stride in storage.users:
        t._storage.array = _values(storage, offset, size, stride)


def _rebuild_tensor_v2(storage: _LoadedStorage, storage_offset: int, size: tuple,
                       stride: tuple, requires_grad: bool, backward_hooks: Any,
                       metadata: Any = None) -> Tensor:
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    t.requires_grad_(requires_grad)
    return t


def _rebuild_parameter(data: Tensor, requires_grad: bool, backward_hooks: Any) -> Parameter:
    p = Parameter(data, requires_grad)
    _state.aliases.setdefault(id(data._storage), [data]).append(p)
    return p


def _rebuild_parameter_with_state(data: Tensor, requires_grad: bool, backward_hooks: Any,
                                  state: Any) -> Parameter:
    p = _rebuild_parameter(data, requires_grad, backward_hooks)
    _set_state(p, state)
    return p


def _set_state(obj: Any, state: Any) -> None:
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
        for k, v in (slots or {}).items():
            setattr(obj, k, v)
    for k, v in (state or {}).items():
        setattr(obj, k, v)


def _rebuild_from_type_v2(func: Callable, new_type: type, args: tuple, state: Any) -> Any:
    ret = func(*args)
    if new_type is Parameter and type(ret) is not Parameter:
        ret = _rebuild_parameter(ret, ret.requires_grad, None)
    _set_state(ret, state)
    return ret


def _get_layout(name: str) -> str:
    return name


def _allowed_globals() -> dict[str, Any]:
    """torch's names that tapegrad loads, mapped to tapegrad's objects (the weights-only
    allow-list: torch's list less what tapegrad has no counterpart for)."""
    allowed: dict[str, Any] = {
        "collections.OrderedDict": collections.OrderedDict,
        "collections.Counter": collections.Counter,
        "builtins.set": set, "builtins.complex": complex, "builtins.bytearray": bytearray,
        "_codecs.encode": codecs.encode,
        "torch.nn.parameter.Parameter": Parameter, "torch.Tensor": Tensor,
        "torch.Size": Size, "torch.device": device,
        "torch.serialization._get_layout": _get_layout,
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
    }
    for d in _dtype.ALL:
        allowed[f"torch.{d.name}"] = d
        allowed[f"torch.{d.scalar_name}Storage"] = _StorageType(d)
    return allowed


_ALLOWED = _allowed_globals()


class _WeightsOnlyError(pickle.UnpicklingError):
    """An UnpicklingError raised by the allow-list (wrapped in torch's text by `load`)."""


def _unsupported_global(module: str, name: str) -> _WeightsOnlyError:
    path = f"{module}.{name}"
    if path.startswith("builtins"):  # torch prints builtins.print as print
        rest = path[len("builtins"):]
        path = rest[1:] if rest.startswith(".") else "builtins" + rest
    return _WeightsOnlyError(_errors.LOAD_WO_UNSUPPORTED.format(path=path))


def _restore_location(map_location: Any) -> Callable[[_LoadedStorage, str], _LoadedStorage]:
    def default(storage: _LoadedStorage, location: str) -> _LoadedStorage:
        if location == "cpu":
            return storage
        if location.startswith("cuda"):
            raise RuntimeError(_errors.LOAD_CUDA)
        raise RuntimeError(_errors.LOAD_LOCATION.format(location=location))

    if map_location is None:
        return default
    if isinstance(map_location, dict):
        return lambda s, loc: default(s, str(map_location.get(loc, loc)))
    if isinstance(map_location, (str, bytes)) or not callable(map_location):  # a device
        target = map_location.decode() if isinstance(map_location, bytes) else str(map_location)
        return lambda s, loc: default(s, target)

    def call(storage: _LoadedStorage, location: str) -> _LoadedStorage:
        result = map_location(storage, location)
        if result is None:
            return default(storage, location)
        if isinstance(result, _LoadedStorage):
            return result
        raise TypeError("tapegrad.load: a map_location callable must return the storage it "
                        f"was given or None, got {type(result).__name__}")

    return call


class _Unpickler(pickle.Unpickler):
    """Reads `data.pkl`: torch's names become tapegrad's objects, storages come from the
    zip's records; with `weights_only` only the allow-list is importable."""

    def __init__(self, file: Any, read_record: Callable[[str], bytes] | None,
                 restore: Callable, byteorder: str, weights_only: bool,
                 **kwargs: Any) -> None:
        super().__init__(file, **kwargs)
        self._read_record = read_record
        self._restore = restore
        self._byteorder = byteorder
        self._weights_only = weights_only
        self.storages: dict[str, _LoadedStorage] = {}

    def find_class(self, module: str, name: str) -> Any:
        # Python 2 names of a protocol-2 pickle (`__builtin__`), read as torch reads them
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        path = f"{module}.{name}"
        if self._weights_only:
            if module in _BLOCKED_MODULES:
                raise _WeightsOnlyError(_errors.LOAD_WO_BLOCKED.format(path=path, module=module))
            if path in _ALLOWED:
                return _ALLOWED[path]
            user = _user_allowed()
            if path in user:
                return user[path]
            raise _unsupported_global(module, name)
        if path in _ALLOWED:
            return _ALLOWED[path]
        return super().find_class(module, name)

    def persistent_load(self, pid: Any) -> _LoadedStorage:
        typename = pid[0].decode() if isinstance(pid[0], bytes) else pid[0]
        if typename != "storage":
            raise pickle.UnpicklingError(_errors.LOAD_PERSISTENT_ID.format(typename=typename))
        storage_type, key, location = pid[1], pid[2], pid[3]
        location = location.decode() if isinstance(location, bytes) else str(location)
        if key in self.storages:
            return self.storages[key]
        if not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError(f"unsupported storage type {storage_type!r}")
        if len(pid) > 5 and pid[5] is not None:  # pre-1.0 storage views
            raise pickle.UnpicklingError("tapegrad.load does not read storage views of "
                                         "checkpoints older than torch 1.0")
        data = None
        if self._read_record is not None:
            data = _decode(self._read_record(f"data/{key}"), storage_type.dtype,
                           self._byteorder)
        storage = self._restore(_LoadedStorage(key, storage_type.dtype, data, location),
                                location)
        self.storages[key] = storage
        return storage


def _decode(raw: bytes, dt: _dtype.dtype, byteorder: str) -> np.ndarray:
    data = np.frombuffer(raw, dtype=dt.np if byteorder == sys.byteorder
                         else dt.np.newbyteorder())
    return data.astype(dt.np, copy=False)


def _strided_view(flat: Tensor, offset: int, size: tuple, stride: tuple) -> Tensor:
    """A view of a 1-d tensor with torch's (offset, size, stride), made of view ops: a
    narrow, one `unfold` per dim (largest stride first), then the dims put back in order."""
    keep = [d for d in range(len(size)) if size[d] != 1 and stride[d] != 0]
    order = sorted(keep, key=lambda d: -stride[d])
    span = 1 + sum((size[d] - 1) * stride[d] for d in keep)
    x = flat.narrow(0, offset, span)
    for i, d in enumerate(order):
        rest = 1 + sum((size[e] - 1) * stride[e] for e in order[i + 1:])
        x = x.unfold(x.ndim - 1, rest, stride[d])
    x = x.squeeze(-1)
    if order:
        x = x.permute([order.index(d) for d in keep])
    for d in range(len(size)):
        if d not in keep:
            x = x.unsqueeze(d)
    return x.expand(size) if tuple(x.shape) != tuple(size) else x


def _full(offset: int, size: tuple, stride: tuple, numel: int) -> bool:
    n = int(np.prod(size, dtype=np.int64))
    return offset == 0 and n == numel and tuple(stride) == contiguous_strides(tuple(size))


def _share(storages: list[_LoadedStorage]) -> None:
    """Make the tensors rebuilt over one storage views of one array (torch's sharing)."""
    for storage in storages:
        users = storage.users
        if len(users) < 2:
            continue
        numel = int(storage.data.size)  # type: ignore[union-attr]
        root_user = next((u for u in users if _full(u[1], u[2], u[3], numel)), None)
        with grad_mode.no_grad():
            if root_user is not None:
                flat = root_user[0].detach().reshape(-1)
            else:
                flat = Tensor._make(jnp.asarray(storage.data))
            for t, offset, size, stride in users:
                if root_user is not None and t is root_user[0] or 0 in size:
                    continue  # the root itself; an empty tensor has nothing to share
                box = _strided_view(flat, offset, size, stride)._storage
                for alias in _state.aliases.get(id(t._storage), [t]):
                    alias._storage = box


def _load_zip(f: Any, restore: Callable, weights_only: bool, **pickle_load_args: Any) -> Any:
    with zipfile.ZipFile(f) as z:
        names = z.namelist()
        pkl = next((n for n in names if n.endswith("data.pkl") and n.count("/") == 1), None)
        if pkl is None:
            raise RuntimeError("PytorchStreamReader failed locating file data.pkl: file not "
                               "found")
        prefix = pkl[:-len("data.pkl")]
        byteorder = (z.read(prefix + "byteorder").decode() if prefix + "byteorder" in names
                     else "little")
        unpickler = _Unpickler(io.BytesIO(z.read(pkl)), lambda name: z.read(prefix + name),
                               restore, byteorder, weights_only, **pickle_load_args)
        result = unpickler.load()
    _share(list(unpickler.storages.values()))
    return result


def _load_legacy(f: Any, restore: Callable, weights_only: bool,
                 **pickle_load_args: Any) -> Any:
    """torch's pre-1.6 format (`_use_new_zipfile_serialization=False`, see `_save_legacy`)."""
    def header() -> Any:
        return _Unpickler(f, None, restore, "little", weights_only, **pickle_load_args).load()

    if header() != _LEGACY_MAGIC:
        raise RuntimeError("Invalid magic number; corrupt file?")
    protocol = header()
    if protocol != _LEGACY_PROTOCOL:
        raise RuntimeError(f"Invalid protocol version: {protocol}")
    header()  # system information: the data below is little-endian on every machine
    unpickler = _Unpickler(f, None, restore, "little", weights_only, **pickle_load_args)
    result = unpickler.load()
    for key in header():
        storage = unpickler.storages[key]
        (numel,) = struct.unpack("<q", f.read(8))
        storage.data = _decode(f.read(numel * storage.dtype.itemsize), storage.dtype, "little")
        _fill(storage)
    _share(list(unpickler.storages.values()))
    return result


def _wo_message(message: str, blocked: bool) -> str:
    if "was not an allowed global by default." in message:
        text = _errors.LOAD_WO_GLOBAL.format(unsafe=_errors.LOAD_UNSAFE, message=message)
    elif blocked:
        text = _errors.LOAD_WO_BLOCKED_WRAP.format(unsafe=_errors.LOAD_UNSAFE, message=message)
    else:
        text = _errors.LOAD_WO_OTHER.format(unsafe=_errors.LOAD_UNSAFE, message=message)
    return text + _errors.LOAD_WO_DOCS


@_x64.scoped
def load(f: Any, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, mmap: bool | None = None,
         **pickle_load_args: Any) -> Any:
    """Load what `torch.save` or `tg.save` wrote (a path or a readable, seekable file
    object): torch's tensors and Parameters come back as tapegrad's. Matches `torch.load`.

    `weights_only` defaults to True as in torch >= 2.6: only the allow-list of globals
    (tensors, Parameters, containers, dtypes, `add_safe_globals` additions) unpickles.
    `map_location` may be None, "cpu", a `tg.device`, a dict or a callable `(storage,
    location) -> storage or None`; tapegrad keeps tensors on the CPU, and a storage that ends
    up on CUDA raises torch's CPU-only error. `mmap` is accepted and ignored (the records are
    read into memory). Reads torch's zip format (its default since 1.6) and the format before
    it (not the pre-0.4 tar format). With `weights_only=False` other globals import as
    pickle imports them (a whole pickled torch module would need torch and hold tapegrad
    tensors: load its `state_dict` into the tapegrad module instead)."""
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only and pickle_module is not None:
        raise RuntimeError(_errors.LOAD_WO_PICKLE_MODULE)
    if pickle_load_args and weights_only:
        warnings.warn(_errors.LOAD_WO_ARGS, stacklevel=user_stacklevel())
        pickle_load_args = {}
    pickle_load_args.setdefault("encoding", "utf-8")
    restore = _restore_location(map_location)
    opened = open(f, "rb") if isinstance(f, (str, os.PathLike)) else None
    _state.aliases = {}
    try:
        fh = opened if opened is not None else f
        start = fh.tell()
        magic = fh.read(4)
        fh.seek(start)
        reader = _load_zip if magic == b"PK\x03\x04" else _load_legacy
        try:
            return reader(fh, restore, weights_only, **pickle_load_args)
        except pickle.UnpicklingError as e:
            if not weights_only:
                raise
            blocked = isinstance(e, _WeightsOnlyError) and "is blocked" in str(e)
            raise pickle.UnpicklingError(_wo_message(str(e), blocked)) from None
    finally:
        _state.aliases = {}
        if opened is not None:
            opened.close()
