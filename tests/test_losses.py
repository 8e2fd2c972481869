"""Checks of dlref.losses that do not fit the table of cases: the ends of [0, 1] for BCE (where torch clamps
and its gradient is not the derivative), exact boundaries, zero distances and other special points."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from dlref import losses as L

DTYPES = [torch.float32, torch.float64]


def _grad(fn, x, *args, **kwargs):
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(fn(x, *args, **kwargs).sum(), x)
    return g


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_bce_at_the_ends_of_the_unit_interval(dtype, reduction, device):
    """p = 0, 1, subnormal, 1 − ulp: torch clamps each log at −100; so does dlref. Values equal, gradients
    finite (in float32, 1/p overflows for subnormal p: that log is then treated as a constant)."""
    tiny = torch.finfo(dtype).smallest_normal / 4  # subnormal
    ps = [0.0, 1.0, tiny, 1.0 - torch.finfo(dtype).eps / 2, 1e-30, 1e-45, 0.5]
    ps = torch.tensor(ps, dtype=dtype, device=device)
    ys = torch.tensor([0.0, 0.3, 1.0], dtype=dtype, device=device)
    p, y = torch.cartesian_prod(ps, ys).unbind(1)
    ours = L.binary_cross_entropy(p, y, reduction=reduction)
    # default tolerances: torch.log1p (vectorised) and BCELoss's scalar log1p differ by ~1e-45 on subnormals
    torch.testing.assert_close(ours, F.binary_cross_entropy(p, y, reduction=reduction))
    assert torch.isfinite(_grad(L.binary_cross_entropy, p, y, reduction=reduction)).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("p", "y", "expected"),
                         [(0.0, 0.0, 1.0), (1.0, 1.0, -1.0), (0.0, 1.0, 0.0), (1.0, 0.0, 0.0)])
def test_bce_gradient_at_the_ends_is_the_derivative_of_the_clamped_formula(dtype, p, y, expected, device):
    """Documented difference: torch's backward at p ∈ {0, 1} is (p − y)/1e-12; dlref's is the derivative of
    the clamped loss (a clamped log contributes 0)."""
    p_t, y_t = (torch.tensor([v], dtype=dtype, device=device) for v in (p, y))
    assert _grad(L.binary_cross_entropy, p_t, y_t).item() == expected
    torch_grad = _grad(F.binary_cross_entropy, p_t, y_t).item()
    assert torch_grad == pytest.approx((p - y) / 1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x", [-1e4, -100.0, -1.0, 0.0, 1.0, 100.0, 1e4])
def test_bce_with_logits_gradient_is_sigmoid_minus_target(dtype, x, device):
    """Stable form: finite at ±1e4, and at x = 0 the gradient is σ(0) − y (not 1 − y as with abs/max)."""
    xs = torch.full((3,), x, dtype=dtype, device=device)
    y = torch.tensor([0.0, 0.25, 1.0], dtype=dtype, device=device)
    ours = _grad(L.binary_cross_entropy_with_logits, xs, y, reduction="none")
    torch.testing.assert_close(ours, torch.sigmoid(xs) - y)
    torch.testing.assert_close(ours, _grad(F.binary_cross_entropy_with_logits, xs, y, reduction="none"))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("fn", "torch_fn", "key"), [
    (L.huber_loss, F.huber_loss, "delta"),
    (L.smooth_l1_loss, F.smooth_l1_loss, "beta"),
])
@pytest.mark.parametrize("threshold", [0.5, 1.0, 2.0])
def test_huber_and_smooth_l1_at_the_threshold(dtype, fn, torch_fn, key, threshold, device):
    """|ŷ − y| exactly at δ (or β), just below and above it, and 0: values and gradients equal torch's."""
    d = torch.tensor([0.0, threshold, -threshold, threshold * 0.999, threshold * 1.001], dtype=dtype,
                     device=device)
    x, y = d + 3.0, torch.full_like(d, 3.0)  # exact: 3 ± a power-of-two multiple or small value
    kwargs = {key: threshold, "reduction": "none"}
    torch.testing.assert_close(fn(x, y, **kwargs), torch_fn(x, y, **kwargs))
    torch.testing.assert_close(_grad(fn, x, y, **kwargs), _grad(torch_fn, x, y, **kwargs))


@pytest.mark.parametrize("dtype", DTYPES)
def test_smooth_l1_beta_zero_is_l1(dtype, device):
    x = torch.tensor([0.0, 1.0, -2.0, 1e4], dtype=dtype, device=device)
    y = torch.zeros_like(x)
    ours = L.smooth_l1_loss(x, y, beta=0.0, reduction="none")
    torch.testing.assert_close(ours, L.l1_loss(x, y, reduction="none"), rtol=0.0, atol=0.0)
    ours, theirs = _grad(L.smooth_l1_loss, x, y, beta=0.0), _grad(F.smooth_l1_loss, x, y, beta=0.0)
    torch.testing.assert_close(ours, theirs, rtol=0.0, atol=0.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.5, 1.0, 1.5, 2.0, 3.0, math.inf])
@pytest.mark.parametrize("eps", [0.0, 1e-6])
def test_triplet_zero_distance_and_all_norms(dtype, p, eps, device):
    """anchor = positive (a zero difference when eps = 0), a partly equal negative, and the ∞-norm:
    values equal torch's, gradients finite and equal where the ∞-norm has no ties."""
    g = torch.Generator().manual_seed(0)
    a = torch.randn(4, 5, generator=g, dtype=torch.float64).to(dtype=dtype, device=device)
    neg = a.clone()
    neg[:, :2] += 1.5  # shares 3 of 5 components with the anchor
    args, kwargs = (a, a.clone(), neg), {"p": p, "eps": eps, "margin": 2.0, "reduction": "none"}
    torch.testing.assert_close(L.triplet_margin_loss(*args, **kwargs), F.triplet_margin_loss(*args, **kwargs))
    grads = []
    for fn in (L.triplet_margin_loss, F.triplet_margin_loss):
        inputs = [t.detach().clone().requires_grad_(True) for t in args]
        grads.append(torch.autograd.grad(fn(*inputs, **kwargs).sum(), inputs))
    for ours, theirs in zip(*grads, strict=True):
        assert torch.isfinite(ours).all()
        if not math.isinf(p):  # ties of the max-norm: torch and dlref may split the gradient differently
            torch.testing.assert_close(ours, theirs)


@pytest.mark.parametrize("index_dtype", [torch.uint8, torch.int32, torch.int64])
def test_cross_entropy_accepts_any_integer_index_dtype(index_dtype, device):
    z = torch.randn(4, 3, dtype=torch.float64, device=device)
    c = torch.tensor([0, 2, 1, 2], device=device)
    torch.testing.assert_close(L.cross_entropy(z, c.to(index_dtype)), F.cross_entropy(z, c))
