"""Cases for :mod:`dlref.init`.

The spreads are compared with the float that ``nn.init`` actually passes to ``Tensor.normal_`` /
``Tensor.uniform_`` (recorded by a stand-in for the sampler, on a meta tensor, so nothing is drawn); the
draws with ``nn.init.*_`` on ``torch.empty(shape)`` from a copy of the same generator (bit-exact).
"""

from __future__ import annotations

import math
from unittest.mock import patch

import torch
from torch import nn

from dlref import init as I
from dlref.cases._core import Bad, Case, Draw, Sample


def _torch_spread(init_, out_features: int, in_features: int) -> float:
    """The std / upper bound that ``init_`` (default arguments) passes to ``Tensor.normal_`` / ``uniform_``.

    Both samplers are replaced for the call by a recorder (no draw happens; the tensor is on the meta device).
    A ``TorchFunctionMode`` cannot do it: ``kaiming_uniform_`` dispatches itself to the mode, which then runs
    its body with the mode switched off.
    """
    seen = []

    def record(self, center, spread, *, generator=None):  # normal_(mean, std) / uniform_(-a, a)
        seen.append(spread)
        return self

    with patch.object(torch.Tensor, "normal_", record), patch.object(torch.Tensor, "uniform_", record):
        init_(torch.empty(out_features, in_features, device="meta"))
    (spread,) = seen
    return spread


def _torch_fans(shape):
    return nn.init._calculate_fan_in_and_fan_out(torch.empty(tuple(shape), device="meta"))


def _torch_draw(init_):
    def draw(shape, *, generator=None, dtype=None):
        return init_(torch.empty(shape, dtype=dtype), generator=generator)

    return draw


# ------------------------------------------------------------------------------------------ samples
def _shape(d: Draw) -> Sample:
    return Sample(d.shape(min_dims=2, max_dims=5, max_side=6))


def _fan_in(d: Draw) -> Sample:
    return Sample(d.choice([d.int(1, 10), d.int(1, 100_000)]))


def _fans(d: Draw) -> Sample:
    return Sample(d.int(1, 5000), d.int(1, 5000))


def _draw(d: Draw) -> Sample:
    shape = d.shape(min_dims=2, max_dims=4, max_side=8)
    return Sample(shape, generator=d.generator(), dtype=d.dtype)


# ------------------------------------------------------------------------------------------ bad inputs
def _bad_shape():
    return [
        Bad(Sample((5,)), ValueError, "shape must have at least 2 dimensions", "1-D shape"),
        Bad(Sample(()), ValueError, "shape must have at least 2 dimensions", "0-D shape"),
        Bad(Sample((3, 0)), ValueError, "shape must hold positive sizes", "size 0"),
        Bad(Sample((3, -2, 2)), ValueError, "shape must hold positive sizes", "negative size"),
        Bad(Sample((3, 2.0)), TypeError, "shape must hold ints", "float size"),
        Bad(Sample(6), TypeError, "shape must be a tuple or list of ints", "an int instead of a shape"),
        Bad(Sample(torch.zeros(3, 4)), TypeError, "shape must be a tuple or list of ints", "a tensor"),
    ]


def _bad_fan_in():
    return [
        Bad(Sample(0), ValueError, "fan_in must be a positive integer", "fan_in = 0"),
        Bad(Sample(-3), ValueError, "fan_in must be a positive integer", "negative fan_in"),
        Bad(Sample(2.5), TypeError, "fan_in must be an int", "float fan_in"),
        Bad(Sample(True), TypeError, "fan_in must be an int", "bool fan_in"),
    ]


def _bad_fans():
    return [
        Bad(Sample(0, 3), ValueError, "fan_in must be a positive integer", "fan_in = 0"),
        Bad(Sample(3, 0), ValueError, "fan_out must be a positive integer", "fan_out = 0"),
        Bad(Sample(3, 2.0), TypeError, "fan_out must be an int", "float fan_out"),
    ]


def _bad_draw():
    return _bad_shape() + [
        Bad(Sample((3, 4), dtype=torch.int64), TypeError, "dtype must be a floating-point torch.dtype",
            "integer dtype"),
        Bad(Sample((3, 4), generator=0), TypeError, "generator must be a torch.Generator",
            "seed as generator"),
    ]


_DRAW_KW = dict(make=_draw, exact=True, edge=False, bad=_bad_draw)

CASES = [
    Case("init.fan_in_and_fan_out", I.fan_in_and_fan_out, _torch_fans,
         "torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))", _shape, exact=True,
         dtypes=(None,), edge=False, bad=_bad_shape),
    Case("init.kaiming_normal_std", I.kaiming_normal_std,
         lambda fan_in: _torch_spread(nn.init.kaiming_normal_, 1, fan_in),
         "the std torch.nn.init.kaiming_normal_ passes to Tensor.normal_ (defaults: a=0, mode='fan_in', "
         "nonlinearity='leaky_relu')", _fan_in, exact=True, dtypes=(None,), edge=False, bad=_bad_fan_in),
    Case("init.kaiming_uniform_bound", I.kaiming_uniform_bound,
         lambda fan_in: _torch_spread(nn.init.kaiming_uniform_, 1, fan_in),
         "the bound torch.nn.init.kaiming_uniform_ passes to Tensor.uniform_ (defaults: a=0, mode='fan_in', "
         "nonlinearity='leaky_relu')", _fan_in, exact=True, dtypes=(None,), edge=False, bad=_bad_fan_in),
    Case("init.xavier_normal_std", I.xavier_normal_std,
         lambda fan_in, fan_out: _torch_spread(nn.init.xavier_normal_, fan_out, fan_in),
         "the std torch.nn.init.xavier_normal_ passes to Tensor.normal_ (default gain=1.0)", _fans,
         exact=True, dtypes=(None,), edge=False, bad=_bad_fans),
    Case("init.xavier_uniform_bound", I.xavier_uniform_bound,
         lambda fan_in, fan_out: _torch_spread(nn.init.xavier_uniform_, fan_out, fan_in),
         "the bound torch.nn.init.xavier_uniform_ passes to Tensor.uniform_ (default gain=1.0)", _fans,
         exact=True, dtypes=(None,), edge=False, bad=_bad_fans),
    Case("init.default_uniform_bound", I.default_uniform_bound,
         lambda fan_in: _torch_spread(lambda w: nn.init.kaiming_uniform_(w, a=math.sqrt(5)), 1, fan_in),
         "the bound torch.nn.init.kaiming_uniform_(weight, a=math.sqrt(5)) passes to Tensor.uniform_ "
         "(the default initialisation of nn.Linear / nn.Conv*d weights)", _fan_in, exact=True, dtypes=(None,),
         edge=False, bad=_bad_fan_in),
    Case("init.kaiming_normal", I.kaiming_normal, _torch_draw(nn.init.kaiming_normal_),
         "torch.nn.init.kaiming_normal_(torch.empty(shape, dtype=dtype), generator=generator)", **_DRAW_KW),
    Case("init.kaiming_uniform", I.kaiming_uniform, _torch_draw(nn.init.kaiming_uniform_),
         "torch.nn.init.kaiming_uniform_(torch.empty(shape, dtype=dtype), generator=generator)", **_DRAW_KW),
    Case("init.xavier_normal", I.xavier_normal, _torch_draw(nn.init.xavier_normal_),
         "torch.nn.init.xavier_normal_(torch.empty(shape, dtype=dtype), generator=generator)", **_DRAW_KW),
    Case("init.xavier_uniform", I.xavier_uniform, _torch_draw(nn.init.xavier_uniform_),
         "torch.nn.init.xavier_uniform_(torch.empty(shape, dtype=dtype), generator=generator)", **_DRAW_KW),
]
