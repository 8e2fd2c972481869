r"""Layers: the affine (fully connected) transformation.

Chapter: [nn.Module and the training loop](../training.md). Built from elementary tensor operations and
verified against `torch.nn`.
"""

from __future__ import annotations

from torch import Tensor

from dlref._checks import check_tensor

__all__ = ["linear"]


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""Fully connected (affine) layer: a matrix product plus a bias.

    $$
    y = W x + b
    $$

    For a batch whose samples are the rows of $X$ (shape `(N, in_features)`), the same map reads

    $$
    Y = X W^{\top} + b
    $$

    Parameters
    ----------
    x : Tensor
        Input of shape `(*, in_features)` (any number of leading dimensions, including none), floating point.
    weight : Tensor
        $W$ of shape `(out_features, in_features)`, the same dtype as `x`.
    bias : Tensor or None, default None
        $b$ of shape `(out_features,)`, or `None` for no bias.

    Returns
    -------
    Tensor
        Shape `(*, out_features)`.

    Notes
    -----
    The notes write $y = Wx + b$ for one column vector $x$. torch stores `weight` as
    `(out_features, in_features)`, i.e. as that $W$, but its inputs are row vectors stacked along the batch
    dimension, so `nn.Linear` computes $x W^{\top} + b$ — the transpose of $W x + b$ for each sample, the same
    numbers. `nn.Linear(in_features, out_features)` with its `weight` and `bias` set to $W$ and $b$ agrees
    (`bias=False` matches `bias=None`).

    >>> W = torch.randn(3, 4, dtype=torch.float64, device=device)
    >>> b = torch.randn(3, dtype=torch.float64, device=device)
    >>> x = torch.randn(4, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(F.linear(x, W, b), W @ x + b)  # one sample: W x + b

    Examples
    --------
    >>> layer = nn.Linear(4, 3, dtype=torch.float64, device=device)
    >>> x = torch.randn(5, 4, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(linear(x, layer.weight, layer.bias), layer(x))
    >>> layer.weight.shape  # (out_features, in_features)
    torch.Size([3, 4])
    >>> no_bias = nn.Linear(4, 3, bias=False, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(linear(x, no_bias.weight), no_bias(x))

    See Also
    --------
    dlref.activations.relu : the usual nonlinearity after a linear layer.
    """
    x = check_tensor(x, "x")
    weight = check_tensor(weight, "weight", ndim=2)
    if x.dim() == 0:
        raise ValueError("x must have at least 1 dimension (in_features), got a 0-d tensor")
    if weight.dtype != x.dtype:
        raise TypeError(f"weight must have the same dtype as x ({x.dtype}), got {weight.dtype}")
    out_features, in_features = weight.shape
    if x.shape[-1] != in_features:
        raise ValueError(f"x must have in_features = {in_features} (weight.shape[1]) as its last dimension, "
                         f"got shape {tuple(x.shape)}")
    if bias is not None:
        bias = check_tensor(bias, "bias", ndim=1)
        if bias.dtype != x.dtype:
            raise TypeError(f"bias must have the same dtype as x ({x.dtype}), got {bias.dtype}")
        if bias.shape[0] != out_features:
            raise ValueError(f"bias must have shape ({out_features},) (out_features), "
                             f"got {tuple(bias.shape)}")
    y = x @ weight.T  # Y = X Wᵀ: row n is W x_n
    return y if bias is None else y + bias  # + b
