"""Input validation shared by every dlref module.

Each helper raises ``TypeError`` (wrong kind of object or dtype) or ``ValueError`` (right kind, bad value)
with a message that names the argument and says what was expected.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = [
    "check_tensor",
    "check_same_shape",
    "check_positive_int",
    "check_nonnegative_int",
    "check_number",
    "check_probability",
    "check_pair",
    "check_reduction",
]

_REDUCTIONS = ("mean", "sum", "none")


def check_tensor(x: object, name: str, *, floating: bool = True, ndim: int | Sequence[int] | None = None) -> Tensor:
    """Return ``x`` if it is a tensor of the expected kind; raise otherwise."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if floating and not x.is_floating_point():
        raise TypeError(f"{name} must have a floating-point dtype, got {x.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.dim() not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got shape {tuple(x.shape)}")
    return x


def check_same_shape(a: Tensor, b: Tensor, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_b} must have the same shape as {name_a}: got {tuple(b.shape)} and {tuple(a.shape)}"
        )


def _is_int(v: object) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def check_positive_int(v: object, name: str) -> int:
    """Return ``v`` as an int if it is an integer >= 1."""
    if not _is_int(v):
        raise TypeError(f"{name} must be an int, got {type(v).__name__}")
    if v < 1:
        raise ValueError(f"{name} must be a positive integer, got {v}")
    return int(v)


def check_nonnegative_int(v: object, name: str) -> int:
    """Return ``v`` as an int if it is an integer >= 0."""
    if not _is_int(v):
        raise TypeError(f"{name} must be an int, got {type(v).__name__}")
    if v < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {v}")
    return int(v)


def check_number(v: object, name: str, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False) -> float:
    """Return ``v`` as a float if it is a real number inside the given interval."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(v).__name__}")
    v = float(v)
    if v != v:
        raise ValueError(f"{name} must not be NaN")
    too_low = low is not None and (v <= low if low_open else v < low)
    too_high = high is not None and (v >= high if high_open else v > high)
    if too_low or too_high:
        lo = "(-inf" if low is None else ("(" if low_open else "[") + f"{low:g}"
        hi = "inf)" if high is None else f"{high:g}" + (")" if high_open else "]")
        raise ValueError(f"{name} must be in {lo}, {hi}, got {v:g}")
    return v


def check_probability(v: object, name: str) -> float:
    """Return ``v`` as a float if it lies in [0, 1]."""
    return check_number(v, name, low=0.0, high=1.0)


def check_pair(v: object, name: str, *, minimum: int = 1) -> tuple[int, int]:
    """Return an int or a pair of ints as a pair, each at least ``minimum``."""
    pair = (v, v) if _is_int(v) else v
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(_is_int(p) for p in pair)):
        raise TypeError(f"{name} must be an int or a pair of ints, got {v!r}")
    if any(p < minimum for p in pair):
        raise ValueError(f"{name} must be >= {minimum}, got {v!r}")
    return int(pair[0]), int(pair[1])


def check_reduction(reduction: object) -> str:
    """Return ``reduction`` if it is one of torch's reductions."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    return reduction  # type: ignore[return-value]


def as_tensor_like(value: float, like: Tensor) -> Tensor:
    """A 0-d tensor holding ``value`` with ``like``'s dtype and device."""
    return torch.as_tensor(value, dtype=like.dtype, device=like.device)
