"""Checks of dlref.init beyond the table: statistics of large draws, the global generator, every fan size,
the device of the draws, and the default initialisation of nn.Linear / nn.Conv2d (not He)."""

from __future__ import annotations

import math
from unittest.mock import patch

import pytest
import torch
from torch import nn

from dlref import init as I
from dlref.cases.init import _torch_spread

# draw function, its torch counterpart, its spread function (from the shape), std of the distribution
DRAWS = {
    "kaiming_normal": (I.kaiming_normal, nn.init.kaiming_normal_,
                       lambda s: I.kaiming_normal_std(I.fan_in_and_fan_out(s)[0]), lambda spread: spread),
    "kaiming_uniform": (I.kaiming_uniform, nn.init.kaiming_uniform_,
                        lambda s: I.kaiming_uniform_bound(I.fan_in_and_fan_out(s)[0]),
                        lambda bound: bound / math.sqrt(3)),  # U(-a, a) has std a/√3
    "xavier_normal": (I.xavier_normal, nn.init.xavier_normal_,
                      lambda s: I.xavier_normal_std(*I.fan_in_and_fan_out(s)), lambda spread: spread),
    "xavier_uniform": (I.xavier_uniform, nn.init.xavier_uniform_,
                       lambda s: I.xavier_uniform_bound(*I.fan_in_and_fan_out(s)),
                       lambda bound: bound / math.sqrt(3)),
}
SPREADS = {  # spread function of (fan_in, fan_out), torch init function
    "kaiming_normal_std": (lambda fi, fo: I.kaiming_normal_std(fi), nn.init.kaiming_normal_),
    "kaiming_uniform_bound": (lambda fi, fo: I.kaiming_uniform_bound(fi), nn.init.kaiming_uniform_),
    "xavier_normal_std": (I.xavier_normal_std, nn.init.xavier_normal_),
    "xavier_uniform_bound": (I.xavier_uniform_bound, nn.init.xavier_uniform_),
}


@pytest.mark.parametrize("name", DRAWS)
@pytest.mark.parametrize("shape", [(512, 256), (256, 64, 3, 3)])
def test_draw_statistics(name, shape, device):
    """A large draw has mean ≈ 0 and the formula's std (within 2 %); uniform draws stay inside the bound."""
    draw, _, spread_of, std_of = DRAWS[name]
    g = torch.Generator(device).manual_seed(1)
    w = draw(shape, generator=g, dtype=torch.float64)
    assert w.device.type == torch.device(device).type and w.dtype == torch.float64 and w.shape == shape
    spread = spread_of(shape)
    std = std_of(spread)
    assert abs(w.std().item() / std - 1) < 0.02
    assert abs(w.mean().item()) < 0.02 * std
    if "uniform" in name:
        assert w.abs().max().item() <= spread


@pytest.mark.parametrize("name", DRAWS)
@pytest.mark.parametrize("dtype", [None, torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_draw_from_global_generator(name, dtype):
    """No generator: torch.manual_seed(s) before each side gives the same bits, in every float dtype."""
    draw, torch_init, _, _ = DRAWS[name]
    shape = (33, 17, 3)
    torch.manual_seed(123)
    ours = draw(shape, dtype=dtype)
    torch.manual_seed(123)
    theirs = torch_init(torch.empty(shape, dtype=dtype))
    assert ours.dtype == (dtype or torch.get_default_dtype())
    assert torch.equal(ours, theirs)


@pytest.mark.parametrize("name", SPREADS)
def test_spread_equals_torch_for_every_fan(name):
    """Bit-equal to the float nn.init uses, for every fan_in up to 1000 (Xavier: every fan_in + fan_out up to
    1007). The order of operations matters: for fan_in ≤ 1000 the literal √(2/fan_in) differs from torch's
    √2/√fan_in in the last bit 471 times, √(6/fan_in) from √3·(√2/√fan_in) 331 times."""
    ours, torch_init = SPREADS[name]
    for fan_in in range(1, 1001):
        fan_out = fan_in % 7 + 1
        assert ours(fan_in, fan_out) == _torch_spread(torch_init, fan_out, fan_in), (fan_in, fan_out)


@pytest.mark.parametrize("shape", [(3, 5), (7, 2, 4), (16, 3, 5, 5), (2, 3, 1, 4, 2), torch.Size([8, 4, 3])])
def test_fans_match_torch(shape):
    weight = torch.empty(shape, device="meta")
    assert I.fan_in_and_fan_out(shape) == nn.init._calculate_fan_in_and_fan_out(weight)


@pytest.mark.parametrize("make_layer", [lambda: nn.Linear(48, 7), lambda: nn.Conv2d(3, 8, kernel_size=4)],
                         ids=["Linear", "Conv2d"])
def test_default_layer_init_is_not_he(make_layer):
    """nn.Linear / nn.Conv2d draw weights from U(-1/√fan_in, 1/√fan_in) (kaiming_uniform_ with a=√5),
    a bound √6 times smaller than He's √(6/fan_in)."""
    seen = []
    real_uniform_ = torch.Tensor.uniform_

    def record(self, low, high, *, generator=None):
        seen.append(high)
        return real_uniform_(self, low, high, generator=generator)

    with patch.object(torch.Tensor, "uniform_", record):
        layer = make_layer()
    fan_in, _ = I.fan_in_and_fan_out(layer.weight.shape)
    weight_bound = seen[0]  # reset_parameters initialises the weight first, then the bias
    assert math.isclose(weight_bound, 1 / math.sqrt(fan_in), rel_tol=1e-15)
    assert math.isclose(I.kaiming_uniform_bound(fan_in) / weight_bound, math.sqrt(6), rel_tol=1e-15)
    assert layer.weight.abs().max().item() <= weight_bound
