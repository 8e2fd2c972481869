"""Checks of ``dlref.rnn`` that do not fit the table: ``rnn`` and ``rnn_cell`` against modules whose weights
dlref reuses (with and without bias, and with the notes' single bias), and the accumulated gradient of
``embedding`` for repeated ids against ``nn.Embedding``."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlref.rnn import embedding, rnn, rnn_cell

DTYPES = [torch.float32, torch.float64]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize(("steps", "batch"), [(1, 1), (7, 3)])
def test_rnn_matches_module(dtype, bias, steps, batch, device):
    """Outputs, last state and parameter gradients agree with nn.RNN (one layer, tanh), h0 as (1, N, H)."""
    torch.manual_seed(0)
    net = nn.RNN(3, 5, num_layers=1, nonlinearity="tanh", bias=bias, dtype=dtype, device=device)
    xs = torch.randn(steps, batch, 3, dtype=dtype, device=device)
    h0 = torch.randn(batch, 5, dtype=dtype, device=device, requires_grad=True)
    outputs, h_last = rnn(xs, h0, net.weight_ih_l0, net.weight_hh_l0,
                          net.bias_ih_l0 if bias else None, net.bias_hh_l0 if bias else None)
    expected, expected_last = net(xs, h0[None])
    torch.testing.assert_close(outputs, expected)
    torch.testing.assert_close(h_last, expected_last[0])
    params = [h0, *net.parameters()]
    g = torch.randn_like(expected)
    for a, b in zip(torch.autograd.grad(outputs, params, g), torch.autograd.grad(expected, params, g)):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("split", ["both", "b_h_as_bias_ih", "b_h_as_bias_hh", "none"])
def test_rnn_cell_bias_forms(dtype, split, device):
    """torch's two biases enter only as their sum b_h = b_ih + b_hh: any split of b_h agrees with RNNCell."""
    torch.manual_seed(0)
    cell = nn.RNNCell(4, 3, bias=split != "none", dtype=dtype, device=device)
    x = torch.randn(6, 4, dtype=dtype, device=device)
    h = torch.randn(6, 3, dtype=dtype, device=device)
    w = (x, h, cell.weight_ih, cell.weight_hh)
    if split == "none":
        ours = rnn_cell(*w)
    else:
        b_h = cell.bias_ih + cell.bias_hh
        biases = {"both": (cell.bias_ih, cell.bias_hh), "b_h_as_bias_ih": (b_h, None), "b_h_as_bias_hh": (None, b_h)}
        ours = rnn_cell(*w, *biases[split])
    torch.testing.assert_close(ours, cell(x, h))


IDS = {
    "one_id_repeated": [[2, 2, 2, 2, 2]],
    "each_id_once": [[0, 1, 2, 3, 4, 5]],
    "repeats_2d": [[1, 4, 1], [4, 4, 0]],
    "single": [[5]],
}


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("id_dtype", [torch.int64, torch.int32], ids=str)
@pytest.mark.parametrize("ids", IDS.values(), ids=IDS.keys())
def test_embedding_gradient_accumulates(dtype, id_dtype, ids, device):
    """The gradient wrt the matrix adds up the output gradients of every position holding the same id."""
    torch.manual_seed(0)
    emb = nn.Embedding(6, 3, dtype=dtype, device=device)
    ids = torch.tensor(ids, dtype=id_dtype, device=device)
    ours, theirs = embedding(ids, emb.weight), emb(ids)
    torch.testing.assert_close(ours, theirs, rtol=0.0, atol=0.0)
    g = torch.randn_like(theirs)
    (ga,), (gb,) = torch.autograd.grad(ours, emb.weight, g), torch.autograd.grad(theirs, emb.weight, g)
    torch.testing.assert_close(ga, gb)
    for i in range(6):  # row i of the gradient: Σ of g over the positions holding id i (0 where i is absent)
        torch.testing.assert_close(ga[i], g[ids == i].sum(0))


def test_embedding_of_no_ids(device):
    weight = torch.randn(4, 3, dtype=torch.float64, device=device)
    ids = torch.zeros(0, dtype=torch.int64, device=device)
    assert embedding(ids, weight).shape == nn.Embedding(4, 3)(ids.cpu()).shape == (0, 3)
