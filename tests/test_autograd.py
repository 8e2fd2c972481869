"""Checks of ``dlref.autograd.numerical_grad`` that do not fit the table: the two error regimes of the Notes,
large ``|x|``, and how ``f`` is called."""

from __future__ import annotations

import pytest
import torch

from dlref.autograd import numerical_grad

U64 = torch.finfo(torch.float64).eps


def sum_of_sin(x):
    return torch.sin(x).sum()


@pytest.mark.parametrize("eps", [1e-1, 1e-2, 1e-3])
def test_truncation_error_is_eps_squared_over_six(eps, device):
    """Large steps: the error is the Taylor term ε²/6 · f''' (f = Σ sin x, f''' = −cos x) to 1%."""
    x = torch.tensor([-2.0, -0.5, 0.3, 1.0, 2.5], dtype=torch.float64, device=device)
    error = numerical_grad(sum_of_sin, x, eps=eps) - torch.cos(x)
    torch.testing.assert_close(error, -torch.cos(x) * eps**2 / 6, rtol=1e-2, atol=0.0)


@pytest.mark.parametrize("eps", [1e-9, 1e-10, 1e-11])
def test_rounding_error_is_below_u_f_over_eps(eps, device):
    """Tiny steps: the error exceeds the truncation term but stays below the rounding term u|f|/ε (|f|<=5)."""
    x = torch.tensor([-2.0, -0.5, 0.3, 1.0, 2.5], dtype=torch.float64, device=device)
    error = (numerical_grad(sum_of_sin, x, eps=eps) - torch.cos(x)).abs().max().item()
    assert eps**2 / 6 < error < 5 * U64 / eps


@pytest.mark.parametrize(("f", "bound"), [
    (sum_of_sin, 4 * U64 / 1e-6),  # |f| <= 4: u |f| / ε ≈ 1e-9
    (lambda x: (x**2).sum() / 2, 2e8 * U64 / 1e-6),  # ∇ = x, |f| < 2e8: u |f| / ε ≈ 4e-2 (4e-6 relative)
], ids=["sum of sin", "half squared norm"])
def test_large_x_float64(f, bound, device):
    """|x_i| up to 1e4: dividing by the step really taken keeps the error at the rounding term u|f|/ε."""
    x = torch.tensor([1e4, -1e4, 1e3, 12345.678], dtype=torch.float64, device=device, requires_grad=True)
    (expected,) = torch.autograd.grad(f(x), x)
    got = numerical_grad(f, x)
    assert torch.isfinite(got).all()
    assert (got - expected).abs().max().item() < bound


def test_step_taken_beats_two_eps(device):
    """At |x| = 1e4 the textbook divisor 2ε is off by up to ulp(x)/ε ≈ 2e-6; the realised step is not."""
    x = torch.tensor([1e4, -1e4, 12345.678], dtype=torch.float64, device=device)
    eps = 1e-6
    eye = torch.eye(3, dtype=x.dtype, device=device) * eps
    textbook = torch.stack([(sum_of_sin(x + e) - sum_of_sin(x - e)) / (2 * eps) for e in eye])
    ours = numerical_grad(sum_of_sin, x, eps=eps)
    assert (ours - torch.cos(x)).abs().max() < (textbook - torch.cos(x)).abs().max() / 100


@pytest.mark.parametrize("shape", [(0,), (1,), (2, 3), (3, 2, 2)])
def test_calls_f_twice_per_element_on_x_shaped_inputs(shape, device):
    x = torch.randn(shape, dtype=torch.float64, device=device, requires_grad=True)
    before = x.detach().clone()
    seen = []

    def f(t):
        seen.append(t.shape)
        return (t**3).sum()

    g = numerical_grad(f, x)
    assert len(seen) == 2 * x.numel() and all(s == x.shape for s in seen)
    assert g.shape == x.shape and g.dtype == x.dtype and g.device == x.device and not g.requires_grad
    assert torch.equal(x.detach(), before)


@pytest.mark.parametrize("value", [1.5, torch.tensor([1.5], dtype=torch.float64)])
def test_f_may_return_a_number_or_a_one_element_tensor(value, device):
    x = torch.zeros(2, dtype=torch.float64, device=device)
    assert torch.equal(numerical_grad(lambda t: value, x), torch.zeros_like(x))


def test_non_contiguous_x(device):
    x = torch.randn(3, 4, dtype=torch.float64, device=device).t()
    torch.testing.assert_close(numerical_grad(sum_of_sin, x), torch.cos(x), rtol=1e-8, atol=1e-9)
