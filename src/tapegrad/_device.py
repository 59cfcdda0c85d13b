"""torch's device model over JAX devices: `tg.device`, parsing torch's device strings, the
default device, placing a factory's array, and the device-mismatch check.

NOTE [Devices]
torch names devices `cpu`, `cuda:N`, `xla:N`; JAX names them by platform (`cpu`, `gpu`, `tpu`).
The mapping: `cpu` (any index) is JAX's first CPU device; `cuda:N` is `jax.devices("gpu")[N]`
(`cuda` alone: the current CUDA device, 0); `xla:N` is `jax.devices("tpu")[N]` (torch_xla's
name for a TPU). Other torch device types parse (torch's `device` accepts them) but cannot
hold data here. Without a GPU, asking for `cuda` raises what torch's CPU build raises.

The default device is torch's, `cpu` (`set_default_device` changes it): factories place their
array there, which on a machine with a GPU means an explicit `jax.device_put` (JAX itself
would put it on the GPU). A tensor reports the torch name of the device its array is on; a
tensor holding a tracer (inside `jax.jit`, `tg.compile`, `vmap`) has no device of its own
and reports the default device, and moving it (`.to(device)`) changes only its dtype.

Everything device-related costs nothing in a process with a single JAX device (the usual
CPU-only process): `MULTI` is False there, and the per-op check (`check_same_device`, called
by the dispatcher only when `MULTI`) never runs. With several devices, the check compares
the committed arrays of an op's inputs, exempting 0-d CPU tensors as torch does.
"""

from __future__ import annotations

import re
from typing import Any

import jax
from jax.extend import backend as _jax_backend

from . import _errors

__all__ = ["device", "parse", "jax_device", "of_array", "place", "check_same_device",
           "get_default", "set_default", "MULTI", "CPU", "gpu_devices", "canonical", "move",
           "torch_device", "colocated", "check_arg"]

# torch's DeviceType names, in the order its error message lists them.
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
          "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
          "privateuseone")
_DEVICE_RE = re.compile(r"([a-zA-Z_]+)(?::([1-9]\d*|0))?")


_MISSING = object()


class device:
    """A device, as `torch.device`: `device("cuda", 0)`, `device("cuda:1")`, `device("cpu")`.

    Matches `torch.device` (its parsing, errors, repr and equality: a device never equals a
    string). See NOTE [Devices] for the JAX device each type names.
    """

    __slots__ = ("_type", "_index", "_previous")

    def __init__(self, type: Any = _MISSING, index: Any = None) -> None:
        if type is _MISSING:
            raise TypeError(_errors.DEVICE_NO_ARGS)
        if isinstance(type, device) and index is None:
            self._type, self._index = type._type, type._index
            return
        if isinstance(type, int) and not isinstance(type, bool) and index is None:
            # torch: an int is an index on the current accelerator.
            if type < 0:
                raise RuntimeError(_errors.DEVICE_NEGATIVE_INDEX)
            if not gpu_devices():
                raise RuntimeError(_errors.DEVICE_NO_ACCELERATOR)
            self._type, self._index = "cuda", type
            return
        if not isinstance(type, str):
            if index is None:
                raise TypeError(_errors.DEVICE_BAD_ARGS.format(got=_type_name(type)))
            raise TypeError(_errors.DEVICE_ARG_TYPE.format(
                name="type", position=1, expected="str", got=_type_name(type)))
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
            raise TypeError(_errors.DEVICE_ARG_TYPE.format(
                name="index", position=2, expected="int", got=_type_name(index)))
        kind, parsed = _parse_string(type)
        if index is not None:
            if parsed is not None:
                raise RuntimeError(_errors.DEVICE_INDEX_TWICE.format(string=type))
            if index < 0:
                raise RuntimeError(_errors.DEVICE_NEGATIVE_INDEX)
            parsed = index
        self._type, self._index = kind, parsed

    @property
    def type(self) -> str:
        return self._type

    @property
    def index(self) -> int | None:
        return self._index

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return False  # torch: device('cpu') == 'cpu' is False
        return self._type == other._type and self._index == other._index

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __lt__(self, other: object) -> bool:
        raise TypeError("comparison not implemented")

    __le__ = __gt__ = __ge__ = __lt__

    def __reduce__(self) -> tuple:
        return (device, (self._type,) if self._index is None else (self._type, self._index))

    def __enter__(self) -> device:
        # torch: `with device(...)` makes it the default device inside the block.
        self._previous = get_default()
        set_default(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        set_default(self._previous)


def _type_name(value: Any) -> str:
    if isinstance(value, device):
        return "torch.device"
    return type(value).__name__


def _parse_string(string: str) -> tuple[str, int | None]:
    """(type, index) of a torch device string, with torch's errors."""
    if not string:
        raise RuntimeError(_errors.DEVICE_EMPTY)
    match = _DEVICE_RE.fullmatch(string)
    if match is None:
        raise RuntimeError(_errors.DEVICE_INVALID.format(string=string))
    kind = match.group(1)
    if kind not in _TYPES:
        raise RuntimeError(_errors.DEVICE_UNKNOWN_TYPE.format(types=", ".join(_TYPES),
                                                              string=kind))
    return kind, (int(match.group(2)) if match.group(2) is not None else None)


device.__module__ = "tapegrad"  # prints as tapegrad.device, as torch.device does
CPU = device("cpu")
_CACHE: dict[Any, device] = {}


def parse(dev: Any) -> device:
    """A `device` from what torch accepts as a `device=` argument (device, str or int)."""
    if type(dev) is device:
        return dev
    if isinstance(dev, str):
        cached = _CACHE.get(dev)
        if cached is None:
            cached = _CACHE[dev] = device(dev)
        return cached
    return device(dev)


# ------------------------------------------------------------------ JAX devices


def _platform_devices(platform: str) -> list:
    try:
        return list(jax.devices(platform))
    except RuntimeError:
        return []


_GPUS: list | None = None


def gpu_devices() -> list:
    """JAX's GPU devices (empty without a GPU), looked up once."""
    global _GPUS
    if _GPUS is None:
        _GPUS = _platform_devices("gpu")
    return _GPUS


def _count_devices() -> int:
    try:
        return sum(len(client.devices()) for client in _jax_backend.backends().values())
    except Exception:  # a JAX without the listing: the default backend only
        return len(jax.devices())


# True when this process has more than one JAX device (a GPU machine has its CPU too):
# only then do placement and the mismatch check do anything.
MULTI: bool = _count_devices() > 1


_CPUS = _platform_devices("cpu")
# (JAX_PLATFORMS without cpu leaves no CPU device: then `cpu` names JAX's default device.)
_CPU_DEVICE = _CPUS[0] if _CPUS else jax.devices()[0]


def jax_device(dev: device) -> Any:
    """The JAX device a torch device names (NOTE [Devices]), or torch's error."""
    kind = dev._type
    if kind == "cpu":
        return _CPU_DEVICE
    if kind == "cuda":
        gpus = gpu_devices()
        if not gpus:
            raise AssertionError(_errors.NO_CUDA)
        index = _current_cuda if dev._index is None else dev._index
        if index >= len(gpus):
            raise RuntimeError(_errors.CUDA_INVALID_ORDINAL)
        return gpus[index]
    if kind == "xla":
        tpus = _platform_devices("tpu")
        if not tpus:
            raise RuntimeError(_errors.DEVICE_NO_TPU)
        index = 0 if dev._index is None else dev._index
        if index >= len(tpus):
            raise RuntimeError(_errors.DEVICE_NO_TPU)
        return tpus[index]
    raise RuntimeError(_errors.DEVICE_UNSUPPORTED.format(type=kind))


_current_cuda = 0
_BY_JAX: dict[Any, device] = {}


def torch_device(jdev: Any) -> device:
    """The torch name of a JAX device: `cpu`, `cuda:N`, `xla:N`."""
    found = _BY_JAX.get(jdev)
    if found is None:
        platform = jdev.platform
        if platform == "cpu":
            found = CPU
        else:
            kind = "cuda" if platform in ("gpu", "cuda", "rocm") else "xla"
            same = _platform_devices("gpu" if kind == "cuda" else platform)
            found = device(kind, same.index(jdev) if jdev in same else jdev.id)
        _BY_JAX[jdev] = found
    return found


# The one device of a single-device process (the CPU, unless JAX was told to use only a GPU).
_SOLE = CPU if MULTI or _CPUS else torch_device(jax.devices()[0])


def canonical(dev: device) -> device:
    """The device a tensor placed on `dev` reports (`cpu:0` -> `cpu`, `cuda` -> `cuda:0`),
    or torch's error for a device this process cannot hold data on."""
    if dev._type == "cpu":
        return CPU
    return torch_device(jax_device(dev))


def of_array(array: Any) -> device:
    """The torch device an array is on; a tracer reports the default device."""
    if not MULTI:
        return _SOLE
    if isinstance(array, jax.core.Tracer):
        return get_default()
    return torch_device(next(iter(array.devices())))


# ------------------------------------------------------------------ default device
# None means torch's default, the CPU (no placement needed in a single-device process).
_default: device | None = None


def get_default() -> device:
    """Matches `torch.get_default_device`."""
    return CPU if _default is None else _default


def set_default(dev: Any) -> None:
    """Matches `torch.set_default_device` (checked at once: see the Semantics section)."""
    global _default
    d = CPU if dev is None else parse(dev)
    if d._type != "cpu":
        jax_device(d)  # torch's error now for a device this process cannot hold data on
    _default = None if d._type == "cpu" else d


def check_arg(dev: Any, name: str) -> None:
    """torch's TypeError for a factory's `device=` that is no device, string or index."""
    if not isinstance(dev, (str, device)) and (not isinstance(dev, int) or isinstance(dev, bool)):
        raise TypeError(_errors.FACTORY_DEVICE_TYPE.format(name=name, got=_type_name(dev)))


def place(array: Any, dev: Any = None, name: str = "tensor") -> Any:
    """A factory's fresh array on torch device `dev` (None: the default device); `name` is
    the factory's, for torch's TypeError on a `device=` of the wrong type.

    Free in a single-device process asking for the CPU (the array is already there)."""
    if dev is None:
        if _default is None and not MULTI:
            return array
        d = get_default()
    else:
        check_arg(dev, name)
        d = parse(dev)
        if d._type == "cpu" and not MULTI:
            return array
    jdev = jax_device(d)  # torch's error for cuda without a GPU, even single-device
    if not MULTI or isinstance(array, jax.core.Tracer):
        return array
    if array.committed and next(iter(array.devices())) == jdev:
        return array
    return jax.device_put(array, jdev)


def move(array: Any, dev: device) -> Any:
    """`array` on `dev` (a device change of `.to`); a tracer stays as it is."""
    if isinstance(array, jax.core.Tracer):
        return array
    jdev = jax_device(dev)
    if not MULTI:
        return array
    return jax.device_put(array, jdev)


def colocate(arrays: list) -> list:
    """`arrays` (a flat list; other values pass through) all on one device, the first non-CPU
    one among them (a 0-d CPU tensor, say an optimizer's step count, beside GPU parameters):
    one jitted program takes arrays of one device only. The same list when nothing moves."""
    target = None
    first = None
    for a in arrays:
        if isinstance(a, jax.Array) and not isinstance(a, jax.core.Tracer) and a.committed:
            d = next(iter(a.devices()))
            first = first or d
            if torch_device(d)._type != "cpu":
                target = d
                break
    target = target or first
    if target is None or all(not isinstance(a, jax.Array) or isinstance(a, jax.core.Tracer)
                             or not a.committed or next(iter(a.devices())) == target
                             for a in arrays):
        return arrays
    return [jax.device_put(a, target) if isinstance(a, jax.Array)
            and not isinstance(a, jax.core.Tracer) else a for a in arrays]


def colocated(fn: Any, *trees: Any) -> Any:
    """`fn(*trees)`, a fused backward; if JAX refuses its arrays for being on different
    devices (a 0-d CPU tensor saved beside GPU ones), again with every array on the first
    non-CPU device among them."""
    try:
        return fn(*trees)
    except ValueError as error:
        if "incompatible devices" not in str(error):
            raise
    leaves = [a for a in jax.tree_util.tree_leaves(trees)
              if isinstance(a, jax.Array) and not isinstance(a, jax.core.Tracer)]
    devices = [next(iter(a.devices())) for a in leaves]
    target = next((d for d in devices if torch_device(d)._type != "cpu"),
                  devices[0] if devices else None)
    trees = jax.tree_util.tree_map(
        lambda a: jax.device_put(a, target) if isinstance(a, jax.Array) else a, trees)
    return fn(*trees)


def check_same_device(arrays: list) -> list:
    """torch's error when an op's tensor inputs (`arrays`, numbers allowed) are on different
    devices; 0-d CPU tensors go with any device, as in torch: they come back moved to the
    common device. Only called when `MULTI`."""
    common = None
    common_is_cpu_scalar = False
    scalars = []
    for i, a in enumerate(arrays):
        if not isinstance(a, jax.Array) or isinstance(a, jax.core.Tracer) or not a.committed:
            continue  # numbers, tracers and uncommitted arrays follow the others (JAX's rule)
        d = torch_device(next(iter(a.devices())))
        cpu_scalar = d._type == "cpu" and a.ndim == 0
        if cpu_scalar:
            scalars.append(i)
        if common is None:
            common, common_is_cpu_scalar = d, cpu_scalar
        elif d != common:
            if cpu_scalar:
                continue
            if common_is_cpu_scalar:
                common, common_is_cpu_scalar = d, False
                continue
            raise RuntimeError(_errors.DEVICE_MISMATCH.format(first=common, second=d))
    if common is None or common._type == "cpu" or not scalars:
        return arrays
    jdev = jax_device(common)
    arrays = list(arrays)
    for i in scalars:
        arrays[i] = jax.device_put(arrays[i], jdev)
    return arrays
