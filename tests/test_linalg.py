"""Checks of ``dlref.linalg`` that do not fit the table: the rounding bound of ``matmul`` against ``torch.mm``
on larger and non-contiguous matrices, and ``slope_through_origin`` at extreme scales."""

from __future__ import annotations

import pytest
import torch

from dlref.linalg import matmul, slope_through_origin

DTYPES = [torch.float32, torch.float64]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize(("m", "n", "p"), [(1, 1, 1), (7, 1, 3), (16, 64, 9), (33, 200, 5)])
@pytest.mark.parametrize("transposed", [False, True], ids=["contiguous", "transposed"])
def test_matmul_within_rounding_bound_of_mm(dtype, m, n, p, transposed, device):
    """|matmul − mm| <= n u Σ_k |A_ik||B_kj| entrywise (each within n u / 2 of the exact sum; see Notes)."""
    g = torch.Generator().manual_seed(m * n * p)
    a = torch.randn(m, n, generator=g, dtype=dtype).to(device)
    b = torch.randn(n, p, generator=g, dtype=dtype).to(device)
    if transposed:  # same values, column-major storage
        a, b = a.t().contiguous().t(), b.t().contiguous().t()
    ours, theirs = matmul(a, b), torch.mm(a, b)
    bound = n * torch.finfo(dtype).eps * (a.double().abs() @ b.double().abs())
    assert ((ours.double() - theirs.double()).abs() <= bound).all()


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("scale", [1e-23, 1.0, 1e4, 1e20])
def test_slope_finite_at_extreme_scales(dtype, scale, device):
    """Dividing x by max|x_n| keeps Σ x_n² finite and nonzero where x_n² would overflow or underflow."""
    x = torch.tensor([1.0, -2.0, 3.0, 0.5], dtype=dtype, device=device) * scale
    y = torch.tensor([2.0, -3.5, 6.5, 1.0], dtype=dtype, device=device)
    a = slope_through_origin(x, y)
    expected = torch.linalg.lstsq(x[:, None], y[:, None]).solution[0, 0]
    assert torch.isfinite(a)
    torch.testing.assert_close(a, expected)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_slope_recovers_an_exact_line(dtype, device):
    x = torch.linspace(-3, 5, 17, dtype=dtype, device=device)
    expected = torch.tensor(-0.75, dtype=dtype, device=device)
    torch.testing.assert_close(slope_through_origin(x, -0.75 * x), expected)
