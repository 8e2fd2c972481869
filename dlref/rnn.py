r"""Recurrent networks: the Elman RNN cell, its loop over time, word embeddings and the output layer.

Chapter: [RNN](../rnn.md). Every function is built from matrix products, `tanh` and indexing, and verified
against `nn.RNNCell`, `nn.RNN`, `nn.Embedding` and `nn.Linear`.
"""

from __future__ import annotations

import torch
from torch import Tensor

from dlref._checks import check_tensor
from dlref.activations import sigmoid, softmax

__all__ = [
    "rnn_cell",
    "rnn",
    "embedding",
    "rnn_output",
]

_OUTPUT_ACTIVATIONS = (None, "softmax", "sigmoid")


def _check_weights(weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None, bias_hh: Tensor | None,
                   input_size: int, dtype: torch.dtype) -> int:
    """Validate the RNN parameters against `input_size`; return `hidden_size`."""
    weight_ih = check_tensor(weight_ih, "weight_ih", ndim=2)
    weight_hh = check_tensor(weight_hh, "weight_hh", ndim=2)
    hidden = weight_hh.shape[0]
    if weight_hh.shape != (hidden, hidden):
        raise ValueError(f"weight_hh must be square (hidden_size, hidden_size), got {tuple(weight_hh.shape)}")
    if weight_ih.shape != (hidden, input_size):
        raise ValueError(
            f"weight_ih must have shape (hidden_size, input_size) = ({hidden}, {input_size}), "
            f"got {tuple(weight_ih.shape)}"
        )
    for name, t in (("weight_ih", weight_ih), ("weight_hh", weight_hh)):
        if t.dtype != dtype:
            raise TypeError(f"{name} must have the same dtype as x ({dtype}), got {t.dtype}")
    for name, b in (("bias_ih", bias_ih), ("bias_hh", bias_hh)):
        if b is not None:
            check_tensor(b, name, ndim=1)
            if b.shape[0] != hidden:
                raise ValueError(f"{name} must have shape (hidden_size,) = ({hidden},), got {tuple(b.shape)}")
            if b.dtype != dtype:
                raise TypeError(f"{name} must have the same dtype as x ({dtype}), got {b.dtype}")
    return hidden


def _check_hidden(h: Tensor, name: str, batch: int, hidden: int, dtype: torch.dtype) -> None:
    h = check_tensor(h, name, ndim=2)
    if h.shape != (batch, hidden):
        raise ValueError(f"{name} must have shape (N, hidden_size) = ({batch}, {hidden}), got {tuple(h.shape)}")
    if h.dtype != dtype:
        raise TypeError(f"{name} must have the same dtype as x ({dtype}), got {h.dtype}")


def _step(x: Tensor, h: Tensor, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None,
          bias_hh: Tensor | None) -> Tensor:
    """One step of the recurrence, on validated inputs."""
    a = x @ weight_ih.T  # x W_ihᵀ (a batch of row vectors)
    if bias_ih is not None:
        a = a + bias_ih  # + b_ih
    b = h @ weight_hh.T  # h W_hhᵀ
    if bias_hh is not None:
        b = b + bias_hh  # + b_hh
    return torch.tanh(a + b)  # h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)


def rnn_cell(x: Tensor, h: Tensor, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None = None,
             bias_hh: Tensor | None = None) -> Tensor:
    r"""One step of an Elman RNN: the next hidden state from the input and the previous hidden state.

    The notes' recurrence, with an activation $\phi$ and one bias $b_h$:

    $$
    h_t = \phi(W_{xh} x_t + W_{hh} h_{t-1} + b_h)
    $$

    torch's `nn.RNNCell`, and this function, use $\phi = \tanh$ and two biases:

    $$
    h' = \tanh\left(W_{ih}\, x + b_{ih} + W_{hh}\, h + b_{hh}\right)
    $$

    for one sample with column vectors $x$ and $h$; for a batch of row vectors (the rows of `x` and `h`)
    this is $\tanh(X W_{ih}^{\top} + b_{ih} + H W_{hh}^{\top} + b_{hh})$.

    Parameters
    ----------
    x : Tensor
        Inputs `(N, input_size)`, floating point.
    h : Tensor
        Previous hidden states `(N, hidden_size)`, same dtype.
    weight_ih : Tensor
        $W_{ih}$ of shape `(hidden_size, input_size)`.
    weight_hh : Tensor
        $W_{hh}$ of shape `(hidden_size, hidden_size)`.
    bias_ih, bias_hh : Tensor or None, default None
        $b_{ih}$ and $b_{hh}$ of shape `(hidden_size,)`; `None` leaves that bias out.

    Returns
    -------
    Tensor
        The next hidden states $h'$, `(N, hidden_size)`, each entry in $[-1, 1]$.

    Notes
    -----
    The notes write the weights $\omega_{xh}$, $\omega_{hh}$ (here $W_{xh}$, $W_{hh}$), one bias $b_h$ and a
    generic activation $\phi$. torch's `nn.RNNCell` has two biases, `bias_ih` and `bias_hh`, which only ever
    appear as their sum: the two agree with $b_h = b_{ih} + b_{hh}$ (for instance `bias_ih` $= b_h$ and
    `bias_hh` $= 0$, i.e. `None` here), $W_{xh} = W_{ih}$ (`weight_ih`), $W_{hh}$ = `weight_hh` and
    $\phi = \tanh$ (torch's default `nonlinearity="tanh"`; `"relu"` is the other choice).
    `nn.RNNCell(bias=False)` matches `bias_ih=bias_hh=None`.

    Examples
    --------
    >>> cell = nn.RNNCell(3, 4).double().to(device)
    >>> x = torch.randn(5, 3, dtype=torch.float64, device=device)
    >>> h = torch.randn(5, 4, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(
    ...     rnn_cell(x, h, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh), cell(x, h))

    The notes' single bias $b_h$ is the sum of torch's two:

    >>> b_h = cell.bias_ih + cell.bias_hh
    >>> torch.testing.assert_close(rnn_cell(x, h, cell.weight_ih, cell.weight_hh, b_h), cell(x, h))

    See Also
    --------
    rnn : the cell applied along a whole sequence.
    """
    x = check_tensor(x, "x", ndim=2)
    hidden = _check_weights(weight_ih, weight_hh, bias_ih, bias_hh, x.shape[1], x.dtype)
    _check_hidden(h, "h", x.shape[0], hidden, x.dtype)
    return _step(x, h, weight_ih, weight_hh, bias_ih, bias_hh)


def rnn(xs: Tensor, h0: Tensor, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None = None,
        bias_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    r"""An Elman RNN over a whole sequence: the same cell, with the same weights, at every time step.

    $$
    h_t = \tanh\left(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}\right), \quad t = 1, \dots, T
    $$

    starting from the given $h_0$.

    Parameters
    ----------
    xs : Tensor
        The input sequence `(T, N, input_size)` (time first, as torch's default `batch_first=False`),
        floating point, $T \ge 1$.
    h0 : Tensor
        Initial hidden states $h_0$, `(N, hidden_size)`.
    weight_ih, weight_hh, bias_ih, bias_hh : Tensor or None
        As in [rnn_cell][dlref.rnn.rnn_cell]; shared by all time steps.

    Returns
    -------
    outputs : Tensor
        $h_1, \dots, h_T$ stacked: `(T, N, hidden_size)`.
    h_last : Tensor
        $h_T$, `(N, hidden_size)`.

    Notes
    -----
    `nn.RNN(input_size, hidden_size, num_layers=1, nonlinearity="tanh")` agrees with `weight_ih_l0`,
    `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0` as the weights. Its hidden state carries a leading
    `num_layers * num_directions` axis: it takes `h0[None]` and returns `h_last[None]`, `(1, N, hidden_size)`.
    As for the cell, torch's two biases correspond to the notes' single $b_h = b_{ih} + b_{hh}$. On CUDA
    GPUs that support it, cuDNN's float32 RNN uses TensorFloat-32 by default
    (`torch.backends.cudnn.rnn.fp32_precision` is `"tf32"`, about $10^{-3}$ relative error);
    `torch.backends.fp32_precision = "ieee"` turns that off.

    Examples
    --------
    >>> net = nn.RNN(3, 4, num_layers=1, nonlinearity="tanh").double().to(device)
    >>> xs = torch.randn(6, 2, 3, dtype=torch.float64, device=device)
    >>> h0 = torch.randn(2, 4, dtype=torch.float64, device=device)
    >>> outputs, h_last = rnn(xs, h0, net.weight_ih_l0, net.weight_hh_l0, net.bias_ih_l0, net.bias_hh_l0)
    >>> expected, expected_last = net(xs, h0[None])
    >>> torch.testing.assert_close(outputs, expected)
    >>> torch.testing.assert_close(h_last, expected_last[0])

    See Also
    --------
    rnn_cell : one time step.
    embedding : turns token ids into the inputs $x_t$.
    """
    xs = check_tensor(xs, "xs", ndim=3)
    if xs.shape[0] == 0:
        raise ValueError(f"xs must hold at least one time step, got shape {tuple(xs.shape)}")
    hidden = _check_weights(weight_ih, weight_hh, bias_ih, bias_hh, xs.shape[2], xs.dtype)
    _check_hidden(h0, "h0", xs.shape[1], hidden, xs.dtype)
    h, outputs = h0, []
    for x_t in xs:  # loop over time steps t = 1, …, T
        h = _step(x_t, h, weight_ih, weight_hh, bias_ih, bias_hh)  # h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)
        outputs.append(h)
    return torch.stack(outputs), h


def embedding(ids: Tensor, weight: Tensor) -> Tensor:
    r"""Embedding lookup: row `id` of the embedding matrix for every token id.

    $$
    \mathrm{Embedding}(i) = E_{i,:} = e_i^{\top} E
    $$

    where $E$ is the `(num_embeddings, embedding_dim)` matrix whose rows are the word vectors and $e_i$ the
    one-hot vector of id $i$: the lookup is a matrix product with a one-hot vector, done without forming it.

    Parameters
    ----------
    ids : Tensor
        Token ids of any shape, integer dtype, each in `[0, num_embeddings)`.
    weight : Tensor
        The embedding matrix $E$, `(num_embeddings, embedding_dim)`, floating point.

    Returns
    -------
    Tensor
        `(*ids.shape, embedding_dim)`: the row of $E$ for each id.

    Raises
    ------
    TypeError
        If `ids` is not an integer tensor.
    ValueError
        If an id is negative or not below `num_embeddings` (torch raises `IndexError`).

    Notes
    -----
    The gradient with respect to $E$ is the sum of the output gradients of every position holding id $i$,
    in row $i$ (zero for ids that do not occur): a repeated id accumulates. `nn.Embedding` agrees with its
    defaults `padding_idx=None`, `max_norm=None`; `nn.Embedding.from_pretrained(E)` wraps a given matrix
    (frozen unless `freeze=False`).

    Examples
    --------
    >>> emb = nn.Embedding(10, 3).double().to(device)
    >>> ids = torch.tensor([[1, 2, 4], [4, 3, 9]], device=device)
    >>> torch.testing.assert_close(embedding(ids, emb.weight), emb(ids), rtol=0.0, atol=0.0)

    Id 4 occurs twice, so its row of the gradient is the sum of two output gradients:

    >>> weight = emb.weight.detach().requires_grad_(True)
    >>> embedding(ids, weight).sum().backward()
    >>> weight.grad[4].tolist()
    [2.0, 2.0, 2.0]

    See Also
    --------
    rnn : consumes the embedded sequence.
    """
    if not isinstance(ids, Tensor):
        raise TypeError(f"ids must be a torch.Tensor, got {type(ids).__name__}")
    if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
        raise TypeError(f"ids must have an integer dtype, got {ids.dtype}")
    weight = check_tensor(weight, "weight", ndim=2)
    num = weight.shape[0]
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= num):
        raise ValueError(
            f"ids must be in [0, num_embeddings) = [0, {num}), got values in [{int(ids.min())}, {int(ids.max())}]"
        )
    return weight[ids.long()]  # E[i, :] for every id i (long: a uint8 index would act as a mask)


def rnn_output(h: Tensor, weight: Tensor, bias: Tensor | None = None, activation: str | None = None) -> Tensor:
    r"""Output layer of an RNN: an affine map of the hidden state, then the task's activation.

    For regression (no activation):

    $$
    \hat{y}_t = W_{hy} h_t + b_y
    $$

    for multi-class classification (`activation="softmax"`, over the last dimension):

    $$
    \hat{y}_t = \mathrm{Softmax}(W_{hy} h_t + b_y)
    $$

    for binary or multi-label classification (`activation="sigmoid"`, elementwise):

    $$
    \hat{y}_t = \sigma(W_{hy} h_t + b_y)
    $$

    Parameters
    ----------
    h : Tensor
        Hidden states `(*, hidden_size)`: one time step `(N, hidden_size)` or all of them
        `(T, N, hidden_size)`, floating point.
    weight : Tensor
        $W_{hy}$ of shape `(output_size, hidden_size)`, same dtype as `h`.
    bias : Tensor or None, default None
        $b_y$ of shape `(output_size,)`, or `None` for no bias.
    activation : {None, "softmax", "sigmoid"}, default None
        The final activation; `None` is the identity.

    Returns
    -------
    Tensor
        $\hat{y}$ of shape `(*, output_size)`.

    Notes
    -----
    torch has no RNN output layer of its own: it is `nn.Linear(hidden_size, output_size)` (`weight` $= W_{hy}$,
    `bias` $= b_y$; its input is a batch of rows, so it computes $h W_{hy}^{\top} + b_y$) followed by
    `nn.Softmax(dim=-1)` or `nn.Sigmoid()`. For training with `nn.CrossEntropyLoss` or `nn.BCEWithLogitsLoss`
    use `activation=None`: those losses take the logits and apply the softmax / sigmoid themselves.

    Examples
    --------
    >>> head = nn.Linear(4, 3).double().to(device)
    >>> h = torch.randn(5, 2, 4, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(rnn_output(h, head.weight, head.bias), head(h))
    >>> torch.testing.assert_close(rnn_output(h, head.weight, head.bias, activation="softmax"),
    ...                            nn.Softmax(dim=-1)(head(h)))
    >>> torch.testing.assert_close(rnn_output(h, head.weight, head.bias, activation="sigmoid"),
    ...                            nn.Sigmoid()(head(h)))

    See Also
    --------
    rnn : the hidden states $h_t$.
    dlref.layers.linear : the affine map on its own.
    """
    h = check_tensor(h, "h")
    weight = check_tensor(weight, "weight", ndim=2)
    if h.dim() == 0 or h.shape[-1] != weight.shape[1]:
        raise ValueError(f"h must have hidden_size = {weight.shape[1]} (weight.shape[1]) as its last dimension, "
                         f"got shape {tuple(h.shape)}")
    if weight.dtype != h.dtype:
        raise TypeError(f"weight must have the same dtype as h ({h.dtype}), got {weight.dtype}")
    if bias is not None:
        bias = check_tensor(bias, "bias", ndim=1)
        if bias.shape[0] != weight.shape[0]:
            raise ValueError(f"bias must have shape (output_size,) = ({weight.shape[0]},), got {tuple(bias.shape)}")
        if bias.dtype != h.dtype:
            raise TypeError(f"bias must have the same dtype as h ({h.dtype}), got {bias.dtype}")
    if activation not in _OUTPUT_ACTIVATIONS:
        raise ValueError(f"activation must be one of {_OUTPUT_ACTIVATIONS}, got {activation!r}")
    z = h @ weight.T  # W_hy h_t for a batch of rows: h W_hyᵀ
    if bias is not None:
        z = z + bias  # + b_y
    if activation == "softmax":
        return softmax(z, dim=-1)  # ŷ = Softmax(W_hy h_t + b_y)
    if activation == "sigmoid":
        return sigmoid(z)  # ŷ = σ(W_hy h_t + b_y)
    return z  # ŷ = W_hy h_t + b_y
