"""Checks of dlref.regularization beyond the table.

dropout: the CPU mask bit-exact with nn.Dropout in every float dtype (also through the global generator),
its gradient, its properties on the device under test, and the special values of p. batch_norm: without
weight/bias, a training trajectory that feeds the running statistics back, and the momentum convention.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlref.cases.regularization import torch_batch_norm
from dlref.regularization import batch_norm, dropout

FLOATS = [torch.float16, torch.bfloat16, torch.float32, torch.float64]


# ------------------------------------------------------------------------------------------ dropout
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("p", [0.1, 0.15, 0.5, 1 / 3, 0.9])  # 0.15: ×(1/(1−p)) would be 1 ulp off
def test_dropout_bit_exact_on_cpu(dtype, p):
    """Same seed, same mask and output as nn.Dropout on the CPU, via an explicit or the global generator."""
    x = torch.randn(37, 129, dtype=torch.float64).to(dtype)
    torch.manual_seed(11)
    ref = nn.Dropout(p)(x)
    assert torch.equal(dropout(x, p, generator=torch.Generator().manual_seed(11)), ref)
    torch.manual_seed(11)
    assert torch.equal(dropout(x, p), ref)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_gradient(p):
    """The gradient is the scaled mask m/(1 − p), and equals torch's from the same seed."""
    x = torch.randn(50, 40, dtype=torch.float64)
    grads = []
    for run in (lambda t: dropout(t, p, generator=torch.Generator().manual_seed(3)),
                lambda t: (torch.manual_seed(3), nn.Dropout(p)(t))[1]):
        t = x.clone().requires_grad_(True)
        y = run(t)
        (g,) = torch.autograd.grad(y.sum(), t)
        grads.append(g)
        torch.testing.assert_close(g, (y.detach() != 0).double() / (1 - p), rtol=0, atol=0)
    assert torch.equal(*grads)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.75])
def test_dropout_properties_on_device(p, device):
    """On any device: about a fraction p is dropped, the rest is x/(1 − p), and the mean is kept."""
    x = torch.rand(200_000, dtype=torch.float64, device=device) + 1.0  # never 0, so a 0 output means dropped
    y = dropout(x, p, generator=torch.Generator(device).manual_seed(5))
    dropped = y == 0
    assert abs(dropped.double().mean().item() - p) < 0.01
    torch.testing.assert_close(y[~dropped], x[~dropped] / (1 - p))
    assert abs(y.mean().item() / x.mean().item() - 1) < 0.01
    ref = nn.Dropout(p).to(device)(x)  # torch's own draw on this device has the same structure
    assert abs((ref == 0).double().mean().item() - p) < 0.01


@pytest.mark.parametrize("dtype", FLOATS)
def test_dropout_special_cases(dtype, device):
    """Evaluation and p = 0 return x itself (as torch); p = 1 gives zeros, with nan/inf → nan as torch."""
    x = torch.tensor([1.0, -2.0, float("inf"), float("nan")], dtype=dtype, device=device)
    assert dropout(x, 0.5, training=False) is x and nn.Dropout(0.5).eval()(x) is x
    assert dropout(x, 0.0) is x and nn.Dropout(0.0)(x) is x
    torch.testing.assert_close(dropout(x, 1.0), nn.Dropout(1.0)(x), rtol=0, atol=0, equal_nan=True)
    state = torch.get_rng_state()
    dropout(x, 1.0)
    assert torch.equal(torch.get_rng_state(), state), "p = 1 draws nothing (as torch)"
    empty = torch.empty(0, 3, dtype=dtype, device=device)
    assert dropout(empty, 0.5).shape == (0, 3)


@pytest.mark.gpu
def test_dropout_cuda_masks_are_device_dependent():
    """The limit of the bit-exactness: nn.Dropout on CUDA uses another random stream than on the CPU."""
    x = torch.ones(4096, dtype=torch.float64)
    torch.manual_seed(0)
    cpu = nn.Dropout(0.5)(x)
    torch.manual_seed(0)
    cuda = nn.Dropout(0.5)(x.cuda()).cpu()
    assert not torch.equal(cpu, cuda)
    with pytest.raises(ValueError, match="generator must be on x's device"):
        dropout(x.cuda(), 0.5, generator=torch.Generator().manual_seed(0))


# ------------------------------------------------------------------------------------------ batch_norm
def _bn_inputs(shape, dtype, device, affine):
    g = torch.Generator().manual_seed(0)
    c = shape[1]

    def rand(*s):
        return torch.randn(*s, generator=g, dtype=dtype).to(device)

    x = rand(*shape) * 3 + 1
    weight, bias = (rand(c), rand(c)) if affine else (None, None)
    return x, weight, bias, rand(c), torch.rand(c, generator=g, dtype=dtype).to(device) + 0.5


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 4)], ids=["NC", "NCL", "NCHW"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_batch_norm_without_affine(shape, training, dtype, device):
    """weight = bias = None is nn.BatchNorm*(affine=False)."""
    x, _, _, rm, rv = _bn_inputs(shape, dtype, device, affine=True)
    ours = batch_norm(x, None, None, rm, rv, training=training)
    theirs = torch_batch_norm(x, None, None, rm, rv, training=training)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize(("shape", "momentum"), [((16, 4), 0.1), ((8, 4, 6, 6), 0.5)], ids=["NC", "NCHW"])
def test_batch_norm_trajectory(shape, momentum, device):
    """20 training steps feeding the returned running statistics back equal a module updated in place;
    evaluation afterwards agrees too."""
    dtype = torch.float64
    x, weight, bias, rm, rv = _bn_inputs(shape, dtype, device, affine=True)
    module = (nn.BatchNorm2d if len(shape) == 4 else nn.BatchNorm1d)(
        shape[1], momentum=momentum, dtype=dtype, device=device)
    with torch.no_grad():
        module.weight.copy_(weight)
        module.bias.copy_(bias)
        module.running_mean.copy_(rm)
        module.running_var.copy_(rv)
    g = torch.Generator().manual_seed(1)
    for _ in range(20):
        batch = (torch.randn(shape, generator=g, dtype=dtype) * 2 + 0.5).to(device)
        y, rm, rv = batch_norm(batch, weight, bias, rm, rv, momentum=momentum)
        torch.testing.assert_close(y, module(batch))
    torch.testing.assert_close(rm, module.running_mean)
    torch.testing.assert_close(rv, module.running_var)
    y_eval, _, _ = batch_norm(x, weight, bias, rm, rv, training=False)
    torch.testing.assert_close(y_eval, module.eval()(x))


def test_batch_norm_momentum_convention():
    """torch's momentum is the weight of the new statistic (EMA β = 1 − momentum): 0 keeps, 1 replaces."""
    x, w, b, rm, rv = _bn_inputs((10, 2), torch.float64, "cpu", affine=True)
    _, keep_m, keep_v = batch_norm(x, w, b, rm, rv, momentum=0.0)
    assert torch.equal(keep_m, rm) and torch.equal(keep_v, rv)
    _, new_m, new_v = batch_norm(x, w, b, rm, rv, momentum=1.0)
    torch.testing.assert_close(new_m, x.mean(0))
    torch.testing.assert_close(new_v, x.var(0, correction=1))  # unbiased, while y uses the biased variance
    y, _, _ = batch_norm(x, None, None, rm, rv)
    torch.testing.assert_close(y, (x - x.mean(0)) / torch.sqrt(x.var(0, correction=0) + 1e-5))
