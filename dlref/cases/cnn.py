"""Cases for :mod:`dlref.cnn`."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dlref import cnn as C
from dlref.cases._core import Bad, Case, Draw, Sample


# --------------------------------------------------------------------------------------------- makers
def _output_size(d: Draw) -> Sample:
    size, padding, dilation = d.int(1, 12), d.int(0, 3), d.int(1, 3)
    max_kernel = (size + 2 * padding - 1) // dilation + 1  # largest kernel whose dilated span fits
    kernel = d.int(1, min(max_kernel, 7))
    return Sample(size, kernel, stride=d.int(1, 4), padding=padding, dilation=dilation)


def _pair_or_int(d: Draw, low: int, high: int) -> int | tuple[int, int]:
    """An int or a pair of ints in [low, high] (both spellings of stride/padding/kernel_size)."""
    return d.int(low, high) if d.bool() else (d.int(low, high), d.int(low, high))


def _pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else v


def _side(d: Draw, kernel: int, padding: int, high: int = 7) -> int:
    """An input side on which the kernel fits once padded."""
    return d.int(max(1, kernel - 2 * padding), max(high, kernel))


def _conv(d: Draw) -> Sample:
    # small enough for a quick gradcheck (finite differences cost two convolutions per input entry)
    n, c_in, c_out = d.int(1, 2), d.int(1, 2), d.int(1, 2)
    kernel = _pair_or_int(d, 1, 3)
    (kh, kw), stride, padding = _pair(kernel), _pair_or_int(d, 1, 3), _pair_or_int(d, 0, 2)
    ph, pw = _pair(padding)
    h, w = _side(d, kh, ph, high=5), _side(d, kw, pw, high=5)
    return Sample(
        d.real((n, c_in, h, w), requires_grad=True),
        d.real((c_out, c_in, kh, kw), scale=1.0, extreme=None, requires_grad=True),
        d.real((c_out,), scale=1.0, extreme=None, requires_grad=True),
        stride=stride,
        padding=padding,
    )


def _conv_grad_args(d: Draw, *, delta_extreme: float | None) -> tuple:
    """x, weight, δ (of the output's shape), stride, padding of a small convolution."""
    x, weight, _ = (s := _conv(d)).args
    stride, padding = s.kwargs["stride"], s.kwargs["padding"]
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    out = (x.shape[0], weight.shape[0], C.conv2d_output_size(x.shape[2], weight.shape[2], sh, ph),
           C.conv2d_output_size(x.shape[3], weight.shape[3], sw, pw))
    delta = d.real(out, extreme=delta_extreme, requires_grad=True)
    return x, weight, delta, stride, padding


def _conv_input_grad(d: Draw) -> Sample:
    x, weight, delta, stride, padding = _conv_grad_args(d, delta_extreme=1e4)  # extremes in δ (K is ≤ 1)
    return Sample(tuple(x.shape), weight, delta, stride=stride, padding=padding)


def _conv_weight_grad(d: Draw) -> Sample:
    x, weight, delta, stride, padding = _conv_grad_args(d, delta_extreme=None)  # extremes in x only
    return Sample(x, tuple(weight.shape), delta, stride=stride, padding=padding)


def _pool(d: Draw) -> Sample:
    n, c = d.int(1, 3), d.int(1, 3)
    kernel = _pair_or_int(d, 1, 4)
    kh, kw = _pair(kernel)
    padding = d.int(0, min(kh, kw) // 2) if d.bool() else (d.int(0, kh // 2), d.int(0, kw // 2))
    ph, pw = _pair(padding)
    stride = None if d.bool() else _pair_or_int(d, 1, 3)
    # continuous random values: no ties inside a window, so the max's gradient is unambiguous
    x = d.real((n, c, _side(d, kh, ph), _side(d, kw, pw)), requires_grad=True)
    return Sample(x, kernel, stride=stride, padding=padding)


# --------------------------------------------------------------------------------------------- torch side
def _torch_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    conv = nn.Conv2d(1, 1, kernel_size, stride=stride, padding=padding, dilation=dilation, bias=False)
    with torch.no_grad():
        return conv(torch.zeros(1, 1, size, size)).shape[-1]


def _torch_max_pool(x, kernel_size, stride=None, padding=0):
    return nn.MaxPool2d(kernel_size, stride=stride, padding=padding)(x)


def _torch_avg_pool(x, kernel_size, stride=None, padding=0):
    return nn.AvgPool2d(kernel_size, stride=stride, padding=padding)(x)


def _torch_input_grad(input_shape, weight, grad_output, stride=1, padding=0):
    return torch.nn.grad.conv2d_input(input_shape, weight, grad_output, stride=stride, padding=padding)


def _torch_weight_grad(x, weight_shape, grad_output, stride=1, padding=0):
    return torch.nn.grad.conv2d_weight(x, weight_shape, grad_output, stride=stride, padding=padding)


# --------------------------------------------------------------------------------------------- bad inputs
def _bad_output_size():
    return [
        Bad(Sample(3, 5), ValueError, "kernel_size (dilated: 5) must not be larger", "kernel larger than input"),
        Bad(Sample(5, 3, dilation=3), ValueError, "kernel_size (dilated: 7)", "dilated kernel too large"),
        Bad(Sample(0, 1), ValueError, "size must be a positive integer", "size 0"),
        Bad(Sample(5, 0), ValueError, "kernel_size must be a positive integer", "kernel 0"),
        Bad(Sample(5, 3, stride=0), ValueError, "stride must be a positive integer", "stride 0"),
        Bad(Sample(5, 3, padding=-1), ValueError, "padding must be a non-negative integer", "negative padding"),
        Bad(Sample(5, 3, dilation=0), ValueError, "dilation must be a positive integer", "dilation 0"),
        Bad(Sample(5.0, 3), TypeError, "size must be an int", "float size"),
    ]


def _bad_conv():
    x, w, b = torch.zeros(1, 2, 4, 4), torch.zeros(3, 2, 3, 3), torch.zeros(3)
    return [
        Bad(Sample(x, torch.zeros(3, 2, 5, 5)), ValueError, "must not be larger than the padded input",
            "kernel larger than input"),
        Bad(Sample(x, torch.zeros(3, 2, 7, 3), padding=1), ValueError, "must not be larger than the padded input",
            "kernel larger than padded input"),
        Bad(Sample(torch.zeros(2, 4, 4), w), ValueError, "x must be 4-D", "3-D input"),
        Bad(Sample(x, torch.zeros(3, 2, 3)), ValueError, "weight must be 4-D", "3-D weight"),
        Bad(Sample(x, torch.zeros(3, 5, 3, 3)), ValueError, "weight must have C_in = 2", "channel mismatch"),
        Bad(Sample(x, w, torch.zeros(4)), ValueError, "bias must have shape (3,)", "bias of wrong length"),
        Bad(Sample(x, w, b, stride=0), ValueError, "stride must be >= 1", "stride 0"),
        Bad(Sample(x, w, b, stride=(1, 2, 3)), TypeError, "stride must be an int or a pair", "stride triple"),
        Bad(Sample(x, w, b, padding=-1), ValueError, "padding must be >= 0", "negative padding"),
        Bad(Sample(x, w.double(), b), TypeError, "weight must have the same dtype as x", "dtype mismatch"),
        Bad(Sample(x.long(), w.long()), TypeError, "x must have a floating-point dtype", "integer input"),
        Bad(Sample([[1.0]], w), TypeError, "x must be a torch.Tensor", "a list instead of a tensor"),
    ]


def _bad_conv_grads():
    """Bad inputs shared by both gradients, as (input or its shape, weight or its shape, δ, kwargs)."""
    x, w, delta = torch.zeros(1, 2, 4, 4), torch.zeros(3, 2, 3, 3), torch.zeros(1, 3, 2, 2)
    return [
        ((x, w, torch.zeros(1, 3, 3, 3), {}), ValueError, "grad_output must have the shape of the conv2d output",
         "delta of the wrong shape"),
        ((x, w, torch.zeros(1, 3, 2, 2), {"stride": 2}), ValueError, "(N, C_out, H_out, W_out) = (1, 3, 1, 1)",
         "delta for another stride"),
        ((x, torch.zeros(3, 2, 5, 5), delta, {}), ValueError, "must not be larger than the padded input",
         "kernel larger than input"),
        ((x, torch.zeros(3, 4, 3, 3), delta, {}), ValueError, "weight must have C_in = 2", "channel mismatch"),
        ((x, w, delta, {"stride": 0}), ValueError, "stride must be >= 1", "stride 0"),
        ((x, w, delta, {"padding": -1}), ValueError, "padding must be >= 0", "negative padding"),
        ((x, w, delta.double(), {}), TypeError, "grad_output must have the same dtype", "dtype mismatch"),
        ((x, w, delta[0], {}), ValueError, "grad_output must be 4-D", "3-D delta"),
    ]


def _bad_input_grad():
    rows = [Bad(Sample(tuple(x.shape), w, delta, **kw), exc, match, why)
            for (x, w, delta, kw), exc, match, why in _bad_conv_grads()]
    w, delta = torch.zeros(3, 2, 3, 3), torch.zeros(1, 3, 2, 2)
    return rows + [
        Bad(Sample((1, 2, 4), w, delta), TypeError, "input_shape must be a sequence of 4 non-negative ints",
            "3 sizes"),
        Bad(Sample(torch.zeros(1, 2, 4, 4), w, delta), TypeError, "input_shape must be a sequence", "a tensor"),
        Bad(Sample((1, 2, 4, 4), w.long(), delta.long()), TypeError, "weight must have a floating-point dtype",
            "integer weight"),
    ]


def _bad_weight_grad():
    rows = [Bad(Sample(x, tuple(w.shape), delta, **kw), exc, match, why)
            for (x, w, delta, kw), exc, match, why in _bad_conv_grads()]
    x, delta = torch.zeros(1, 2, 4, 4), torch.zeros(1, 3, 2, 2)
    return rows + [
        Bad(Sample(x, (3, 2, 3.0, 3), delta), TypeError, "weight_shape must be a sequence of 4 non-negative ints",
            "a float size"),
        Bad(Sample(x[0], (3, 2, 3, 3), delta), ValueError, "x must be 4-D", "3-D input"),
    ]


def _bad_pool():
    x = torch.zeros(1, 2, 4, 4)
    return [
        Bad(Sample(x, 3, padding=2), ValueError, "padding must be at most half of kernel_size",
            "padding above half the kernel"),
        Bad(Sample(x, (2, 3), padding=(1, 2)), ValueError, "padding must be at most half", "pair padding too large"),
        Bad(Sample(x, 5), ValueError, "must not be larger than the padded input", "kernel larger than input"),
        Bad(Sample(x, 0), ValueError, "kernel_size must be >= 1", "kernel 0"),
        Bad(Sample(x, 2, stride=0), ValueError, "stride must be >= 1", "stride 0"),
        Bad(Sample(x, 2, padding=-1), ValueError, "padding must be >= 0", "negative padding"),
        Bad(Sample(x, 2.0), TypeError, "kernel_size must be an int or a pair", "float kernel"),
        Bad(Sample(torch.zeros(2, 4, 4), 2), ValueError, "x must be 4-D", "3-D input"),
        Bad(Sample(x.long(), 2), TypeError, "x must have a floating-point dtype", "integer input"),
    ]


# conv2d and its two gradients are sums of products: over C_in·kH·kW offsets and channels for conv2d and
# conv2d_input_grad, over N·H_out·W_out (up to 162 here) positions for conv2d_weight_grad. dlref adds them in
# another order than torch (per kernel offset, then over offsets), so the roundings differ; each result stays
# within about 1–3 eps·Σ|a||b| of the exact sum (measured in float32: 1.6 eps for dlref's conv2d, 3.3 eps
# for torch's). The edge battery puts ±1e4 and ±1e3 into one factor (x or δ; kernels stay within ±1, δ
# within ±3), so Σ|a||b| reaches ~7e4 for the weight gradient and ~2e4 otherwise: up to ~1e-2 in float32
# and ~2e-11 in float64, even where the sum itself is small (measured: 3.9e-3 and 3.6e-12).
_CONV_TOL = {torch.float32: (1.3e-6, 2e-2), torch.float64: (1e-10, 1e-10)}

CASES = [
    Case("cnn.conv2d_output_size", C.conv2d_output_size, _torch_output_size,
         "nn.Conv2d(1, 1, kernel_size, stride, padding, dilation)(x).shape[-1]", _output_size, exact=True,
         dtypes=(None,), bad=_bad_output_size),
    Case("cnn.conv2d", C.conv2d, F.conv2d, "F.conv2d(x, weight, bias, stride, padding)", _conv, grad=(0, 1, 2),
         tol=_CONV_TOL, bad=_bad_conv),
    Case("cnn.conv2d_input_grad", C.conv2d_input_grad, _torch_input_grad,
         "torch.nn.grad.conv2d_input(input_shape, weight, grad_output, stride, padding)", _conv_input_grad,
         grad=(1, 2), tol=_CONV_TOL, bad=_bad_input_grad),
    Case("cnn.conv2d_weight_grad", C.conv2d_weight_grad, _torch_weight_grad,
         "torch.nn.grad.conv2d_weight(x, weight_shape, grad_output, stride, padding)", _conv_weight_grad,
         grad=(0, 2), tol=_CONV_TOL, bad=_bad_weight_grad),
    Case("cnn.max_pool2d", C.max_pool2d, _torch_max_pool, "nn.MaxPool2d(kernel_size, stride, padding)", _pool,
         grad=(0,), exact=True, bad=_bad_pool),
    Case("cnn.avg_pool2d", C.avg_pool2d, _torch_avg_pool,
         "nn.AvgPool2d(kernel_size, stride, padding)  # count_include_pad=True", _pool, grad=(0,), bad=_bad_pool),
]
