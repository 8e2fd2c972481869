"""Cases for :mod:`dlref.autograd`.

``chain_rule`` multiplies given local derivatives; torch has no such function, so its counterpart is
autograd itself: ``torch.autograd.grad`` of a chain of elementwise steps ``h = g_k * h`` whose local
derivatives are the factors, with the first factor (the upstream gradient) passed as ``grad_outputs``.

``numerical_grad`` takes a function: the sample maker picks one of a few fixed smooth scalar functions with
``draw.choice`` (the quadratic form draws its own matrix), and the torch counterpart differentiates the same
function with ``torch.autograd.grad``.
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor

from dlref import autograd as G
from dlref.cases._core import Bad, Case, Draw, Sample


def _factors(d: Draw) -> Sample:
    """2 to 5 factors whose shapes broadcast: each is the full shape, a reduced one (leading dimensions dropped,
    some sizes 1) or a 0-d scalar."""
    shape = d.shape(min_dims=1, max_dims=3, max_side=4)
    factors = []
    for _ in range(d.int(2, 5)):
        kind = d.int(0, 2)
        if kind == 0:
            sub = shape
        elif kind == 1:
            sub = tuple(1 if d.bool() else s for s in shape[d.int(0, len(shape) - 1):])
        else:
            sub = ()
        factors.append(d.real(sub, requires_grad=True))
    return Sample(*factors)


def _autograd_of_chain(*local_grads: Tensor) -> Tensor:
    """d/dx of the chain x -> g_n x -> ... -> g_2 (...), backpropagated from the upstream gradient g_1."""
    dtype = functools.reduce(torch.promote_types, (g.dtype for g in local_grads))
    shape = torch.broadcast_shapes(*(g.shape for g in local_grads))
    x = torch.zeros(shape, dtype=dtype, device=local_grads[0].device, requires_grad=True)
    h = x
    for g in reversed(local_grads[1:]):  # innermost step first: its local derivative is the last factor
        h = g * h
    upstream = local_grads[0].to(dtype).expand(shape)
    (grad,) = torch.autograd.grad(h, x, grad_outputs=upstream, create_graph=True)  # differentiable in g
    return grad


def _bad_chain():
    z = torch.zeros(2, 3)
    return [
        Bad(Sample(), ValueError, "chain_rule needs at least one local gradient", "no factor"),
        Bad(Sample(z, [1.0, 2.0, 3.0]), TypeError, "local_grads[1] must be a torch.Tensor",
            "a list instead of a tensor"),
        Bad(Sample(z, 2.0), TypeError, "local_grads[1] must be a torch.Tensor", "a Python number"),
        Bad(Sample(torch.zeros(2, 3, dtype=torch.int64), z), TypeError,
            "local_grads[0] must have a floating-point dtype", "integer tensor"),
        Bad(Sample(z, torch.zeros(3), torch.zeros(2)), ValueError,
            "local_grads must have shapes that broadcast together, got (2, 3), (3,), (2,)",
            "shapes that do not broadcast"),
    ]


def sum_of_sin(x: Tensor) -> Tensor:
    """f(x) = Σ sin x_i; |∂³f/∂x_i³| = |cos x_i| <= 1."""
    return torch.sin(x).sum()


def log_sum_exp(x: Tensor) -> Tensor:
    """f(x) = log Σ exp x_i; |∂³f/∂x_i³| = |p_i (1 − p_i)(1 − 2 p_i)| <= 0.1 (p = softmax)."""
    m = x.max().detach()
    return m + torch.log(torch.exp(x - m).sum())


class QuadraticForm:
    """f(x) = xᵀ A x on the flattened x; ∂³f = 0, so only rounding parts the quotient from the gradient."""

    def __init__(self, a: Tensor) -> None:
        self.a = a

    def __call__(self, x: Tensor) -> Tensor:
        v = x.reshape(-1)
        return v @ (self.a.to(x.dtype) @ v)

    def __repr__(self) -> str:
        return f"QuadraticForm({self.a!r})"


# Step per dtype, near the best (3 u |f| / |f'''|)^(1/3) of the Notes: the default 1e-6 in float64; in
# float32 (u = 1.2e-7) 1e-6 would leave ~100% rounding error, so the case uses 1e-2.
_EPS = {torch.float64: 1e-6, torch.float32: 1e-2}


def _f_and_x(d: Draw) -> Sample:
    shape = d.shape(min_dims=1, max_dims=2, max_side=4)  # at most 16 elements: 32 calls of f
    n = 1
    for s in shape:
        n *= s
    f = d.choice([sum_of_sin, log_sum_exp, QuadraticForm(d.real((n, n), scale=1.0, extreme=None))])
    # |x_i| <= 2 and no 1e4 extremes: with an absolute step, the rounding error grows with |f|, which for the
    # quadratic form is |x|^2 (tests/test_autograd.py checks large |x| against the error bound instead).
    x = d.real(shape, scale=2.0, extreme=None)
    if d.dtype == torch.float64:
        return Sample(f, x)  # the default eps
    return Sample(f, x, eps=_EPS[d.dtype])


def _autograd(f, x, eps=None):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x)
    return g


def _bad():
    x = torch.zeros(3, dtype=torch.float64)
    return [
        Bad(Sample("sin", x), TypeError, "f must be callable", "f not callable"),
        Bad(Sample(torch.sin, x), ValueError,
            "f must return a scalar (a tensor with one element), got shape (3,)", "f returns a vector"),
        Bad(Sample(lambda x: "1", x), TypeError, "f must return a scalar tensor or a real number",
            "f returns a string"),
        Bad(Sample(sum_of_sin, [0.0, 1.0]), TypeError, "x must be a torch.Tensor",
            "a list instead of a tensor"),
        Bad(Sample(sum_of_sin, torch.tensor([1, 2])), TypeError, "x must have a floating-point dtype",
            "integer x"),
        Bad(Sample(sum_of_sin, x, eps=0.0), ValueError, "eps must be in (0, inf)", "eps = 0"),
        Bad(Sample(sum_of_sin, x, eps=-1e-6), ValueError, "eps must be in (0, inf)", "negative eps"),
        Bad(Sample(sum_of_sin, x, eps=float("inf")), ValueError, "eps must be a finite positive number",
            "infinite eps"),
        Bad(Sample(sum_of_sin, x, eps="1e-6"), TypeError, "eps must be a real number", "eps as a string"),
        Bad(Sample(sum_of_sin, torch.full((2,), 100.0)), ValueError,
            "eps=1e-06 is too small for x in torch.float32", "step lost to rounding (float32, |x| = 100)"),
    ]


CASES = [
    # The same products in the same order (IEEE multiplication is commutative): bit-identical.
    Case("autograd.chain_rule", G.chain_rule, _autograd_of_chain,
         "torch.autograd.grad(h, x, grad_outputs=dL_dy) for the chain h = g_2 * (... (g_n * x))", _factors,
         grad=(0, 1), exact=True, bad=_bad_chain),
    # Tolerances from the error bound of the Notes, |error| <= eps²/6 |f'''| + c u |f| / eps, for these
    # functions: |f'''| <= 1; |f| and the partial sums inside f stay below ~50 (<= 16 elements of size <= 2).
    # float64, eps = 1e-6: 1.7e-13 + 50 · 2.2e-16 / 1e-6 ≈ 1e-8 -> atol 1e-7 (measured max 5.5e-9, 600 draws);
    # float32, eps = 1e-2: 1.7e-5 + 50 · 1.2e-7 / 1e-2 ≈ 6e-4  -> atol 2e-3 (measured max 1.5e-4, 600 draws).
    Case("autograd.numerical_grad", G.numerical_grad, _autograd, "torch.autograd.grad(f(x), x)", _f_and_x,
         tol={torch.float64: (1e-7, 1e-7), torch.float32: (1e-3, 2e-3)}, bad=_bad),
]
