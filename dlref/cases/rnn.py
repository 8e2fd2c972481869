"""Cases for :mod:`dlref.rnn`."""

from __future__ import annotations

import warnings

import torch
from torch import nn
from torch.func import functional_call

from dlref import rnn as R
from dlref.cases._core import Bad, Case, Draw, Sample


# --------------------------------------------------------------------------------------------- makers
def _weights(d: Draw, input_size: int, hidden: int) -> tuple:
    """weight_ih, weight_hh, bias_ih, bias_hh at the scale of torch's init (|w| <= 1/sqrt(hidden))."""
    s = hidden ** -0.5
    return (
        d.real((hidden, input_size), scale=s, requires_grad=True),
        d.real((hidden, hidden), scale=s, requires_grad=True),
        d.real((hidden,), scale=s, requires_grad=True),
        d.real((hidden,), scale=s, requires_grad=True),
    )


def _cell(d: Draw) -> Sample:
    n, input_size, hidden = d.int(1, 4), d.int(1, 4), d.int(1, 4)
    return Sample(d.real((n, input_size), requires_grad=True), d.real((n, hidden), scale=1.0, requires_grad=True),
                  *_weights(d, input_size, hidden))


def _sequence(d: Draw) -> Sample:
    t, n, input_size, hidden = d.int(1, 5), d.int(1, 3), d.int(1, 4), d.int(1, 4)
    return Sample(d.real((t, n, input_size), requires_grad=True),
                  d.real((n, hidden), scale=1.0, requires_grad=True), *_weights(d, input_size, hidden))


def _ids_weight(d: Draw) -> Sample:
    num, dim = d.int(1, 6), d.int(1, 4)
    ids = d.integers(d.shape(min_dims=1, max_dims=2, max_side=6), 0, num)  # often more ids than rows: repeats
    return Sample(ids, d.real((num, dim), requires_grad=True))


def _output(d: Draw) -> Sample:
    hidden, out = d.int(1, 5), d.int(1, 4)
    h = d.real((*d.shape(min_dims=0, max_dims=2), hidden), scale=1.0, requires_grad=True)  # (*, hidden_size)
    weight = d.real((out, hidden), scale=hidden ** -0.5, extreme=None, requires_grad=True)
    bias = d.real((out,), scale=hidden ** -0.5, extreme=None, requires_grad=True)
    return Sample(h, weight, bias, activation=d.choice([None, "softmax", "sigmoid"]))


# --------------------------------------------------------------------------------------------- torch side
def _module_params(weight_ih, weight_hh, bias_ih, bias_hh, suffix=""):
    params = {f"weight_ih{suffix}": weight_ih, f"weight_hh{suffix}": weight_hh}
    if bias_ih is not None or bias_hh is not None:
        zeros = torch.zeros(weight_hh.shape[0], dtype=weight_hh.dtype, device=weight_hh.device)
        params[f"bias_ih{suffix}"] = zeros if bias_ih is None else bias_ih
        params[f"bias_hh{suffix}"] = zeros if bias_hh is None else bias_hh
    return params


def _torch_cell(x, h, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    params = _module_params(weight_ih, weight_hh, bias_ih, bias_hh)
    cell = nn.RNNCell(x.shape[1], h.shape[1], bias=len(params) == 4, nonlinearity="tanh")
    return functional_call(cell, params, (x, h))  # nn.RNNCell with the given tensors as its parameters


def _torch_rnn(xs, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    params = _module_params(weight_ih, weight_hh, bias_ih, bias_hh, suffix="_l0")
    net = nn.RNN(xs.shape[2], h0.shape[1], num_layers=1, nonlinearity="tanh", bias=len(params) == 4)
    with warnings.catch_warnings():  # cuDNN warns that swapped-in weights are not one contiguous chunk
        warnings.filterwarnings("ignore", message="RNN module weights are not part of single contiguous")
        outputs, h_n = functional_call(net, params, (xs, h0[None]))  # h0 as (num_layers=1, N, hidden)
    return outputs, h_n[0]


def _torch_embedding(ids, weight):
    return functional_call(nn.Embedding(*weight.shape), {"weight": weight}, (ids,))


_TORCH_ACTIVATIONS = {None: nn.Identity(), "softmax": nn.Softmax(dim=-1), "sigmoid": nn.Sigmoid()}


def _torch_output(h, weight, bias=None, activation=None):
    params = {"weight": weight} if bias is None else {"weight": weight, "bias": bias}
    linear = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    return _TORCH_ACTIVATIONS[activation](functional_call(linear, params, (h,)))


# --------------------------------------------------------------------------------------------- bad inputs
def _bad_cell():
    x, h = torch.zeros(2, 3), torch.zeros(2, 4)
    w_ih, w_hh, b = torch.zeros(4, 3), torch.zeros(4, 4), torch.zeros(4)
    return [
        Bad(Sample(torch.zeros(3), h, w_ih, w_hh), ValueError, "x must be 2-D", "1-D x"),
        Bad(Sample(x, torch.zeros(3, 4), w_ih, w_hh), ValueError, "h must have shape (N, hidden_size) = (2, 4)",
            "batch mismatch"),
        Bad(Sample(x, torch.zeros(2, 5), w_ih, w_hh), ValueError, "h must have shape", "hidden size mismatch"),
        Bad(Sample(x, h, torch.zeros(4, 2), w_hh), ValueError, "weight_ih must have shape (hidden_size, input_size)",
            "weight_ih of wrong input size"),
        Bad(Sample(x, h, w_ih, torch.zeros(4, 3)), ValueError, "weight_hh must be square", "non-square weight_hh"),
        Bad(Sample(x, h, w_ih, w_hh, torch.zeros(5), b), ValueError, "bias_ih must have shape (hidden_size,)",
            "bias_ih of wrong length"),
        Bad(Sample(x, h, w_ih, w_hh, b, torch.zeros(4, 1)), ValueError, "bias_hh must be 1-D", "2-D bias_hh"),
        Bad(Sample(x, h, w_ih.double(), w_hh), TypeError, "weight_ih must have the same dtype as x",
            "dtype mismatch"),
        Bad(Sample(x, h.long(), w_ih, w_hh), TypeError, "h must have a floating-point dtype", "integer h"),
        Bad(Sample(x.tolist(), h, w_ih, w_hh), TypeError, "x must be a torch.Tensor", "a list instead of a tensor"),
    ]


def _bad_sequence():
    xs, h0 = torch.zeros(5, 2, 3), torch.zeros(2, 4)
    w_ih, w_hh = torch.zeros(4, 3), torch.zeros(4, 4)
    return [
        Bad(Sample(torch.zeros(2, 3), h0, w_ih, w_hh), ValueError, "xs must be 3-D", "2-D xs"),
        Bad(Sample(torch.zeros(0, 2, 3), h0, w_ih, w_hh), ValueError, "xs must hold at least one time step",
            "empty sequence"),
        Bad(Sample(xs, torch.zeros(1, 2, 4), w_ih, w_hh), ValueError, "h0 must be 2-D", "h0 as (1, N, hidden)"),
        Bad(Sample(xs, torch.zeros(3, 4), w_ih, w_hh), ValueError, "h0 must have shape (N, hidden_size) = (2, 4)",
            "batch mismatch"),
        Bad(Sample(xs, h0, torch.zeros(4, 5), w_hh), ValueError, "weight_ih must have shape", "input size mismatch"),
        Bad(Sample(xs.long(), h0, w_ih, w_hh), TypeError, "xs must have a floating-point dtype", "integer xs"),
    ]


def _bad_embedding():
    w = torch.zeros(5, 3)
    return [
        Bad(Sample(torch.tensor([0, 5]), w), ValueError, "ids must be in [0, num_embeddings) = [0, 5)", "id 5 of 5"),
        Bad(Sample(torch.tensor([[-1, 2]]), w), ValueError, "ids must be in [0, num_embeddings)", "negative id"),
        Bad(Sample(torch.tensor([0.0, 1.0]), w), TypeError, "ids must have an integer dtype", "float ids"),
        Bad(Sample(torch.tensor([True, False]), w), TypeError, "ids must have an integer dtype", "bool ids"),
        Bad(Sample([0, 1], w), TypeError, "ids must be a torch.Tensor", "a list of ids"),
        Bad(Sample(torch.tensor([0, 1]), torch.zeros(5)), ValueError, "weight must be 2-D", "1-D weight"),
        Bad(Sample(torch.tensor([0, 1]), torch.zeros(5, 3, dtype=torch.long)), TypeError,
            "weight must have a floating-point dtype", "integer weight"),
    ]


def _bad_output():
    h, w, b = torch.zeros(2, 4), torch.zeros(3, 4), torch.zeros(3)
    return [
        Bad(Sample(torch.zeros(2, 5), w, b), ValueError, "h must have hidden_size = 4", "hidden size mismatch"),
        Bad(Sample(torch.tensor(1.0), w, b), ValueError, "h must have hidden_size = 4", "0-d h"),
        Bad(Sample(h, torch.zeros(3, 4, 1), b), ValueError, "weight must be 2-D", "3-D weight"),
        Bad(Sample(h, w, torch.zeros(4)), ValueError, "bias must have shape (output_size,) = (3,)", "bias too long"),
        Bad(Sample(h, w.double(), b), TypeError, "weight must have the same dtype as h", "dtype mismatch"),
        Bad(Sample(h, w, b, activation="relu"), ValueError, "activation must be one of", "unknown activation"),
        Bad(Sample(h.long(), w, b), TypeError, "h must have a floating-point dtype", "integer h"),
    ]


# rnn_cell/rnn: bit-identical to torch on CPU (same operations in the same order as torch's CPU cell), but
# other devices run other kernels (cuBLAS, cuDNN) that round differently. In float32 the result is within
# 3.6e-5 of the exact value on the seeded battery (pre-activations of up to 1e4 on the edge battery; their
# rounding survives where tanh is not saturated and is carried on by h W_hhᵀ), so two correct float32
# implementations may differ by about twice that. float64 stays within the default tolerances.
_RNN_TOL = {torch.float32: (1.3e-6, 1e-4)}

CASES = [
    Case("rnn.rnn_cell", R.rnn_cell, _torch_cell,
         'nn.RNNCell(input_size, hidden_size, nonlinearity="tanh") with weight_ih, weight_hh, bias_ih, bias_hh',
         _cell, grad=(0, 1, 2, 3, 4, 5), tol=_RNN_TOL, bad=_bad_cell),
    Case("rnn.rnn", R.rnn, _torch_rnn,
         'nn.RNN(input_size, hidden_size, num_layers=1, nonlinearity="tanh") with weight_ih_l0, ..., h0[None]',
         _sequence, grad=(0, 1, 2, 3, 4, 5), tol=_RNN_TOL, bad=_bad_sequence),
    Case("rnn.embedding", R.embedding, _torch_embedding, "nn.Embedding(num_embeddings, embedding_dim)(ids)",
         _ids_weight, grad=(1,), exact=True, bad=_bad_embedding),
    Case("rnn.rnn_output", R.rnn_output, _torch_output,
         'nn.Linear(hidden_size, output_size)(h), then nn.Softmax(dim=-1) / nn.Sigmoid() for activation="softmax" '
         '/ "sigmoid"', _output, grad=(0, 1, 2), bad=_bad_output),
]
