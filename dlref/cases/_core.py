"""The machinery of the table of cases: inputs, samples, cases and the comparison with torch.

A :class:`Case` pairs a dlref function with its torch counterpart and a *sample maker*: a function that
receives a :class:`Draw` and returns a :class:`Sample` (the arguments for both functions). A ``Draw``
is an input source with a small vocabulary (``shape``, ``real``, ``uniform``, ``integers``, ...). Two
sources implement it: :class:`TorchDraw` (seeded torch generator; the fixed battery of ``python -m dlref
verify``) and ``HypothesisDraw`` in the test suite (property-based inputs). So the same sample maker
feeds both the verification report and the tests: one source of truth.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

__all__ = ["BATTERY_SEEDS", "EDGE_SEED", "Bad", "Case", "Draw", "Sample", "TorchDraw", "battery", "compare",
           "gradient_check", "gradients_vs_torch", "run_both", "tolerances"]

BATTERY_SEEDS = (0, 1, 2, 3)  # the fixed battery: these seeds, plus one edge sample (extremes) ...
EDGE_SEED = 100  # ... drawn with this seed


# --------------------------------------------------------------------------------------------- inputs
class Draw:
    """What a sample maker may ask for. Subclasses decide where the numbers come from.

    ``edge`` is true for the extreme battery: ``real`` then mixes in 0 and values of magnitude up to
    ``1e4`` (or the case's own ``extreme``), ``uniform`` hits its end points.
    """

    dtype: torch.dtype
    device: torch.device
    edge: bool = False

    # -- primitives that subclasses implement
    def int(self, low: int, high: int) -> int:  # inclusive bounds
        raise NotImplementedError

    def float(self, low: float, high: float) -> float:
        raise NotImplementedError

    def _values(self, n: int, low: float, high: float) -> list[float]:
        raise NotImplementedError

    # -- vocabulary built on them
    def choice(self, options: Sequence[Any]) -> Any:
        return options[self.int(0, len(options) - 1)]

    def bool(self) -> bool:
        return self.int(0, 1) == 1

    def shape(self, min_dims: int = 1, max_dims: int = 3, min_side: int = 1, max_side: int = 5) -> tuple[int, ...]:
        return tuple(self.int(min_side, max_side) for _ in range(self.int(min_dims, max_dims)))

    def uniform(self, shape: Sequence[int], low: float = -1.0, high: float = 1.0, *,
                requires_grad: bool = False) -> Tensor:
        n = math.prod(shape)
        t = torch.tensor(self._values(n, low, high), dtype=torch.float64).reshape(tuple(shape))
        if self.edge and n:
            t.view(-1)[0] = low
            t.view(-1)[-1] = high
        return self._finish(t, requires_grad)

    def real(self, shape: Sequence[int], scale: float = 3.0, *, extreme: float | None = 1e4,
             requires_grad: bool = False) -> Tensor:
        """Reals in ``[-scale, scale]``; on the edge battery also 0, ±1 and ±``extreme``."""
        n = math.prod(shape)
        values = self._values(n, -scale, scale)
        if self.edge and n:
            specials = [0.0, 1.0, -1.0] + ([extreme, -extreme, extreme / 10, -extreme / 10] if extreme else [])
            k = min(n, len(specials))
            values[:k] = specials[:k]
        t = torch.tensor(values, dtype=torch.float64).reshape(tuple(shape))
        return self._finish(t, requires_grad)

    def integers(self, shape: Sequence[int], low: int, high: int) -> Tensor:
        """int64 tensor with entries in ``[low, high)``."""
        n = math.prod(shape)
        vals = [self.int(low, high - 1) for _ in range(n)]
        return torch.tensor(vals, dtype=torch.int64, device=self.device).reshape(tuple(shape))

    def generator(self) -> torch.Generator:
        g = torch.Generator(device="cpu")
        g.manual_seed(self.int(0, 2**31 - 1))
        return g

    def _finish(self, t: Tensor, requires_grad: bool) -> Tensor:
        t = t.to(dtype=self.dtype, device=self.device)
        return t.requires_grad_(requires_grad)


class TorchDraw(Draw):
    """A seeded, reproducible source: the fixed battery."""

    def __init__(self, seed: int, dtype: torch.dtype = torch.float64, device: str | torch.device = "cpu",
                 edge: bool = False) -> None:
        self._g = torch.Generator().manual_seed(seed)
        self.dtype, self.device, self.edge = dtype, torch.device(device), edge

    def int(self, low: int, high: int) -> int:
        return int(torch.randint(low, high + 1, (1,), generator=self._g))

    def float(self, low: float, high: float) -> float:
        return low + (high - low) * float(torch.rand((), generator=self._g, dtype=torch.float64))

    def _values(self, n: int, low: float, high: float) -> list[float]:
        return (low + (high - low) * torch.rand(n, generator=self._g, dtype=torch.float64)).tolist()


# --------------------------------------------------------------------------------------------- samples
class Sample:
    """Arguments for one call of both functions. ``fresh()`` hands out independent copies."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs = args, kwargs

    def __repr__(self) -> str:
        return f"Sample(args={self.args!r}, kwargs={self.kwargs!r})"

    def fresh(self) -> tuple[tuple, dict]:
        return _copy(self.args), _copy(self.kwargs)

    def tensors(self) -> list[Tensor]:
        return [t for t in _leaves((self.args, self.kwargs)) if isinstance(t, Tensor)]


def _copy(obj: Any) -> Any:
    if isinstance(obj, Tensor):
        c = obj.detach().clone()
        return c.requires_grad_(obj.requires_grad)
    if isinstance(obj, torch.Generator):
        g = torch.Generator(device=obj.device)
        g.set_state(obj.get_state())
        return g
    if isinstance(obj, (list, tuple)):
        return type(obj)(_copy(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _copy(v) for k, v in obj.items()}
    return copy.copy(obj)


def _leaves(obj: Any) -> list[Any]:
    if isinstance(obj, (list, tuple)):
        return [leaf for o in obj for leaf in _leaves(o)]
    if isinstance(obj, dict):
        return [leaf for o in obj.values() for leaf in _leaves(o)]
    return [obj]


@dataclass(frozen=True)
class Bad:
    """A bad input and the error it must raise: ``exc`` whose message contains ``match``."""

    sample: Sample
    exc: type[Exception]
    match: str
    why: str


# --------------------------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class Case:
    """One row of the table.

    name:      ``module.function``, e.g. ``activations.sigmoid``.
    fn:        the dlref function.
    torch_fn:  a callable with the same signature that computes the same thing with torch's API.
    torch_api: the torch API, written with the arguments that make the two agree.
    make:      sample maker, ``Draw -> Sample``.
    grad:      positions (ints) or names (strs) of the arguments gradients are checked for; empty: none.
    exact:     the torch counterpart gives bit-identical results (checked with ``torch.equal``).
    dtypes:    float dtypes the case runs in; ``(None,)`` for functions of plain numbers.
    rtol/atol: per-dtype overrides of the tolerances, ``{torch.float32: (rtol, atol)}``.
    bad:       bad inputs, ``() -> list[Bad]``.
    """

    name: str
    fn: Callable[..., Any]
    torch_fn: Callable[..., Any]
    torch_api: str
    make: Callable[[Draw], Sample]
    grad: tuple = ()
    exact: bool = False
    dtypes: tuple = (torch.float32, torch.float64)
    tol: dict = field(default_factory=dict)
    bad: Callable[[], list[Bad]] | None = None
    edge: bool = True

    @property
    def module(self) -> str:
        return self.name.split(".")[0]

    @property
    def qualname(self) -> str:
        return f"dlref.{self.name}"


_DEFAULT_TOL = {
    torch.float32: (1.3e-6, 1e-5),  # torch.testing.assert_close defaults
    torch.float64: (1e-10, 1e-12),  # tight
    None: (1e-12, 1e-12),
}


def tolerances(case: Case, dtype: torch.dtype | None) -> tuple[float, float]:
    return case.tol.get(dtype, _DEFAULT_TOL[dtype])


def run_both(case: Case, sample: Sample) -> tuple[Any, Any]:
    """Call the dlref function and its torch counterpart on independent copies of the sample."""
    args, kwargs = sample.fresh()
    ours = case.fn(*args, **kwargs)
    args, kwargs = sample.fresh()
    theirs = case.torch_fn(*args, **kwargs)
    return ours, theirs


@dataclass
class Comparison:
    max_abs: float
    max_rel: float
    bit_exact: bool
    ok: bool
    message: str = ""


def compare(ours: Any, theirs: Any, rtol: float, atol: float) -> Comparison:
    """Compare nested results; report the largest absolute and relative error."""
    lo, lt = _leaves(ours), _leaves(theirs)
    if len(lo) != len(lt):
        return Comparison(math.inf, math.inf, False, False, f"structure differs: {len(lo)} vs {len(lt)} leaves")
    max_abs = max_rel = 0.0
    exact = True
    for a, b in zip(lo, lt):
        if isinstance(a, Tensor) or isinstance(b, Tensor):
            if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
                return Comparison(math.inf, math.inf, False, False, f"type differs: {type(a)} vs {type(b)}")
            if a.shape != b.shape or a.dtype != b.dtype or a.device != b.device:
                return Comparison(math.inf, math.inf, False, False,
                                  f"meta differs: {a.shape}/{a.dtype}/{a.device} vs {b.shape}/{b.dtype}/{b.device}")
            a64, b64 = a.detach().double().cpu(), b.detach().double().cpu()
            exact &= bool(torch.equal(a64, b64) or (a64.isnan() == b64.isnan()).all() and torch.equal(
                a64.nan_to_num(0.0), b64.nan_to_num(0.0)))
        else:
            if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
                return Comparison(math.inf, math.inf, False, False, f"type differs: {type(a)} vs {type(b)}")
            a64 = torch.tensor(float(a), dtype=torch.float64)
            b64 = torch.tensor(float(b), dtype=torch.float64)
            exact &= a == b
        finite = torch.isfinite(a64) & torch.isfinite(b64)
        same_special = (a64 == b64) | (a64.isnan() & b64.isnan())
        if not bool((finite | same_special).all()):
            return Comparison(math.inf, math.inf, False, False, "non-finite values differ")
        diff = (a64 - b64).abs().where(finite, 0.0)
        if diff.numel():
            max_abs = max(max_abs, float(diff.max()))
            rel = diff / b64.abs().where(finite, 1.0).clamp(min=torch.finfo(torch.float64).tiny)
            max_rel = max(max_rel, float(rel.where(diff > 0, 0.0).max()))
        if not bool((diff <= atol + rtol * b64.abs().where(finite, 0.0)).all()):
            return Comparison(max_abs, max_rel, False, False, f"values differ beyond rtol={rtol:g}, atol={atol:g}")
    return Comparison(max_abs, max_rel, bool(exact), True)


def battery(case: Case, dtype: torch.dtype | None, device: str | torch.device) -> list[Sample]:
    """The fixed inputs of a case: ``BATTERY_SEEDS`` plus, unless ``case.edge`` is false, one edge sample."""
    dt = dtype or torch.float64
    samples = [case.make(TorchDraw(seed, dt, device)) for seed in BATTERY_SEEDS]
    if case.edge:
        samples.append(case.make(TorchDraw(EDGE_SEED, dt, device, edge=True)))
    return samples


def _grad_inputs(case: Case, sample: Sample) -> tuple[list[Tensor], Callable]:
    """Fresh differentiable copies of the ``case.grad`` arguments and a function that rebuilds the call."""
    args, kwargs = sample.fresh()
    idx = [i for i in case.grad if isinstance(i, int)]
    names = [n for n in case.grad if isinstance(n, str)]
    inputs = [args[i] for i in idx] + [kwargs[n] for n in names]

    def call(*tensors: Tensor) -> tuple[list, dict]:
        a, k = list(args), dict(kwargs)
        for i, t in zip(idx, tensors):
            a[i] = t
        for n, t in zip(names, tensors[len(idx):]):
            k[n] = t
        return a, k

    return [t.detach().requires_grad_(True) for t in inputs], call


def gradient_check(case: Case, sample: Sample) -> bool:
    """``torch.autograd.gradcheck`` of the dlref function (float64 samples)."""
    inputs, call = _grad_inputs(case, sample)

    def f(*tensors: Tensor) -> Any:
        a, k = call(*tensors)
        return case.fn(*a, **k)

    return bool(torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-4))


def gradients_vs_torch(case: Case, sample: Sample) -> tuple[list[Tensor], list[Tensor]]:
    """Gradients of a fixed weighted sum of the (first) output, through dlref and through torch."""
    grads = []
    for fn in (case.fn, case.torch_fn):
        inputs, call = _grad_inputs(case, sample)
        a, k = call(*inputs)
        out = fn(*a, **k)
        out = out[0] if isinstance(out, (tuple, list)) else out
        weights = torch.linspace(0.5, 1.5, out.numel(), dtype=out.dtype, device=out.device).reshape(out.shape)
        grads.append(list(torch.autograd.grad((out * weights).sum(), inputs, allow_unused=True)))
    return grads[0], grads[1]
