"""Checks of ``dlref.cnn`` that do not fit the table: the output-size formula on a whole grid of arguments,
``conv2d`` against an ``nn.Conv2d`` module (with and without bias) and with 16 channels, its two gradients
against autograd through ``conv2d``, and pooling
channel by channel and on inputs where only the padding is large."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlref.cnn import avg_pool2d, conv2d, conv2d_input_grad, conv2d_output_size, conv2d_weight_grad, max_pool2d

DTYPES = [torch.float32, torch.float64]


@pytest.mark.parametrize("dilation", [1, 2, 3])
def test_output_size_on_a_grid(dilation):
    """Every (size, kernel, stride, padding) with size <= 9: the output side of F.conv2d and, for dilation 1
    and padding at most half the kernel, of the pools; ValueError exactly where the kernel does not fit."""
    for size, k, s, p in itertools.product(range(1, 10), range(1, 5), range(1, 4), range(3)):
        if dilation * (k - 1) + 1 > size + 2 * p:
            with pytest.raises(ValueError, match="must not be larger than the padded input"):
                conv2d_output_size(size, k, s, p, dilation)
            continue
        n = conv2d_output_size(size, k, s, p, dilation)
        x, w = torch.zeros(1, 1, size, size), torch.zeros(1, 1, k, k)
        assert F.conv2d(x, w, stride=s, padding=p, dilation=dilation).shape[-2:] == (n, n)
        if dilation == 1 and 2 * p <= k:
            assert F.max_pool2d(x, k, s, p).shape[-2:] == F.avg_pool2d(x, k, s, p).shape[-2:] == (n, n)


CONV_CONFIGS = [  # (kernel_size, stride, padding)
    (3, 1, 0),
    (3, 1, 1),
    ((3, 2), (2, 1), (1, 0)),
    ((1, 4), 2, (0, 2)),
    (5, 3, 2),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize(("kernel_size", "stride", "padding"), CONV_CONFIGS)
def test_conv2d_matches_module(dtype, bias, kernel_size, stride, padding, device):
    """Values and parameter gradients agree with an nn.Conv2d module whose parameters dlref reuses."""
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 4, kernel_size, stride=stride, padding=padding, bias=bias, dtype=dtype, device=device)
    x = torch.randn(2, 3, 9, 8, dtype=dtype, device=device, requires_grad=True)
    ours = conv2d(x, conv.weight, conv.bias, stride=stride, padding=padding)
    theirs = conv(x)
    torch.testing.assert_close(ours, theirs)
    params = [x, conv.weight] + ([conv.bias] if bias else [])
    g = torch.randn_like(theirs)
    for a, b in zip(torch.autograd.grad(ours, params, g), torch.autograd.grad(theirs, params, g)):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize(("kernel_size", "stride", "padding"), CONV_CONFIGS)
def test_conv_grads_equal_autograd_through_conv2d(kernel_size, stride, padding, device):
    """conv2d_input_grad / conv2d_weight_grad give what autograd computes through dlref's own conv2d."""
    torch.manual_seed(0)
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    x = torch.randn(2, 3, 9, 8, dtype=torch.float64, device=device, requires_grad=True)
    weight = torch.randn(4, 3, kh, kw, dtype=torch.float64, device=device, requires_grad=True)
    y = conv2d(x, weight, stride=stride, padding=padding)
    delta = torch.randn_like(y)
    gx, gw = torch.autograd.grad(y, (x, weight), delta)
    torch.testing.assert_close(conv2d_input_grad(x.shape, weight.detach(), delta, stride, padding), gx)
    torch.testing.assert_close(conv2d_weight_grad(x.detach(), weight.shape, delta, stride, padding), gw)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_conv2d_realistic_channels_within_rounding_bound(dtype, device):
    """16 → 16 channels, 3x3 kernels (n = 144 products per output): |dlref − F.conv2d| <= n u Σ|x||w|
    (u = eps; each is within n u / 2 of the exact sum)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 16, 12, 12, generator=g, dtype=dtype).to(device)
    w = torch.randn(16, 16, 3, 3, generator=g, dtype=dtype).to(device)
    ours, theirs = conv2d(x, w, padding=1), F.conv2d(x, w, padding=1)
    bound = 144 * torch.finfo(dtype).eps * F.conv2d(x.double().abs(), w.double().abs(), padding=1)
    assert ((ours.double() - theirs.double()).abs() <= bound).all()


@pytest.mark.parametrize("pool", [max_pool2d, avg_pool2d])
def test_pooling_works_channel_by_channel(pool, device):
    """Pooling each channel on its own gives the same maps: no mixing across channels."""
    x = torch.randn(2, 5, 7, 6, dtype=torch.float64, device=device)
    whole = pool(x, 3, stride=2, padding=1)
    per_channel = torch.cat([pool(x[:, c:c + 1], 3, stride=2, padding=1) for c in range(5)], dim=1)
    torch.testing.assert_close(whole, per_channel, rtol=0.0, atol=0.0)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_max_pool_padding_never_wins(dtype, device):
    """All inputs very negative: the −∞ padding still never shows in the output or its gradient."""
    x = (-1e4 - torch.rand(1, 2, 5, 5, dtype=dtype, device=device)).requires_grad_(True)
    ours = max_pool2d(x, 3, stride=2, padding=1)
    theirs = nn.MaxPool2d(3, stride=2, padding=1)(x)
    assert torch.isfinite(ours).all()
    torch.testing.assert_close(ours, theirs, rtol=0.0, atol=0.0)
    (ga,), (gb,) = torch.autograd.grad(ours.sum(), x), torch.autograd.grad(theirs.sum(), x)
    torch.testing.assert_close(ga, gb, rtol=0.0, atol=0.0)
