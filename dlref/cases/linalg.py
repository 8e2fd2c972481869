"""Cases for :mod:`dlref.linalg`."""

from __future__ import annotations

import torch

from dlref import linalg as L
from dlref.cases._core import Bad, Case, Draw, Sample


def _matrices(d: Draw) -> Sample:
    m, n, p = d.int(1, 5), d.int(1, 5), d.int(1, 5)
    return Sample(d.real((m, n), requires_grad=True), d.real((n, p), requires_grad=True))


def _broadcastable(d: Draw) -> Sample:
    """Two shapes that broadcast: b drops some leading dimensions of a's shape and sets some sizes to 1."""
    shape = d.shape(min_dims=1, max_dims=3)
    b_shape = tuple(1 if d.bool() else s for s in shape[d.int(0, len(shape) - 1):])
    a, b = d.real(shape, requires_grad=True), d.real(b_shape, requires_grad=True)
    return Sample(b, a) if d.bool() else Sample(a, b)


def _points(d: Draw) -> Sample:
    n = d.int(1, 8)
    x = d.real((n,))
    if not bool(x.any()):  # all-zero x has no slope (ValueError); the edge battery starts with x_0 = 0
        x = torch.ones_like(x)
    return Sample(x.requires_grad_(True), d.real((n,), requires_grad=True))


def _vector(d: Draw) -> Sample:
    return Sample(d.real((d.int(1, 6),), requires_grad=True))


def _lstsq_slope(x, y):
    return torch.linalg.lstsq(x[:, None], y[:, None]).solution[0, 0]


def _autograd_matvec(a):
    x = torch.linspace(-1.0, 1.0, a.shape[0], dtype=a.dtype, device=a.device, requires_grad=True)
    (g,) = torch.autograd.grad(torch.dot(a, x), x, create_graph=True)  # differentiable in a
    return g


def _bad_matmul():
    z = torch.zeros(2, 3)
    return [
        Bad(Sample([[1.0]], z), TypeError, "a must be a torch.Tensor", "a list instead of a tensor"),
        Bad(Sample(z, torch.zeros(3, 2, dtype=torch.int64)), TypeError, "b must have a floating-point dtype",
            "integer tensor"),
        Bad(Sample(torch.zeros(3), z), ValueError, "a must be 2-D", "1-D a"),
        Bad(Sample(z, torch.zeros(1, 3, 2)), ValueError, "b must be 2-D", "3-D b"),
        Bad(Sample(z, torch.zeros(2, 3)), ValueError,
            "inner dimensions must agree: a has shape (2, 3) and b has shape (2, 3)",
            "inner dimensions differ"),
        Bad(Sample(z, torch.zeros(3, 2, dtype=torch.float64)), TypeError, "b must have the same dtype as a",
            "mixed dtypes"),
    ]


def _bad_hadamard():
    return [
        Bad(Sample(torch.zeros(2), 3.0), TypeError, "b must be a torch.Tensor",
            "a number instead of a tensor"),
        Bad(Sample(torch.zeros(2, dtype=torch.int64), torch.zeros(2)), TypeError,
            "a must have a floating-point dtype", "integer tensor"),
        Bad(Sample(torch.zeros(2, 3), torch.zeros(2)), ValueError,
            "a and b must have broadcastable shapes, got (2, 3) and (2,)", "shapes that do not broadcast"),
    ]


def _bad_slope():
    x = torch.tensor([1.0, 2.0, 3.0])
    return [
        Bad(Sample([1.0, 2.0], x[:2]), TypeError, "x must be a torch.Tensor", "a list instead of a tensor"),
        Bad(Sample(x, torch.tensor([1, 2, 3])), TypeError, "y must have a floating-point dtype", "integer y"),
        Bad(Sample(x[None], x[None]), ValueError, "x must be 1-D", "2-D x"),
        Bad(Sample(x, x[:, None]), ValueError, "y must be 1-D", "2-D y"),
        Bad(Sample(x, x[:2]), ValueError, "y must have the same length as x: got 2 and 3", "lengths differ"),
        Bad(Sample(torch.zeros(3), x), ValueError, "slope undefined", "all x zero"),
        Bad(Sample(torch.zeros(0), torch.zeros(0)), ValueError, "x must have at least one element",
            "empty x"),
        Bad(Sample(x, x.double()), TypeError, "y must have the same dtype as x", "mixed dtypes"),
    ]


def _bad_vector():
    return [
        Bad(Sample((1.0, 2.0)), TypeError, "a must be a torch.Tensor", "a tuple instead of a tensor"),
        Bad(Sample(torch.zeros(2, 1)), ValueError, "a must be 1-D", "a column matrix"),
        Bad(Sample(torch.tensor([1, 2])), TypeError, "a must have a floating-point dtype", "integer tensor"),
    ]


CASES = [
    # Default tolerances: torch.mm sums in another order (BLAS), so the two differ by rounding, within
    # (n u / 2) Σ_k |A_ik||B_kj| (n <= 5 here); measured well inside the defaults (not bit-exact).
    Case("linalg.matmul", L.matmul, torch.mm, "torch.mm(a, b)", _matrices, grad=(0, 1), bad=_bad_matmul),
    Case("linalg.hadamard", L.hadamard, torch.mul, "torch.mul(a, b)", _broadcastable, grad=(0, 1), exact=True,
         bad=_bad_hadamard),
    # lstsq solves by QR, another order of operations than the ratio of sums: rounding-level differences.
    Case("linalg.slope_through_origin", L.slope_through_origin, _lstsq_slope,
         "torch.linalg.lstsq(x[:, None], y[:, None]).solution[0, 0]", _points, grad=(0, 1), bad=_bad_slope),
    Case("linalg.matvec_derivative", L.matvec_derivative, _autograd_matvec,
         "autograd of torch.dot(a, x) with respect to x", _vector, grad=(0,), exact=True, bad=_bad_vector),
]
