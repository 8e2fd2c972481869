r"""Activation functions and their derivatives.

Chapter: [Activation functions](../activations.md). Every function is built from elementary tensor
operations and verified against `torch.nn` (values) and `torch.autograd` (derivatives).
"""

from __future__ import annotations

import torch
from torch import Tensor

from dlref._checks import check_tensor

__all__ = [
    "sigmoid",
    "sigmoid_derivative",
    "tanh",
    "tanh_derivative",
    "relu",
    "relu_derivative",
    "softmax",
    "log_softmax",
    "softmax_cross_entropy_grad",
]


def _check_dim(x: Tensor, dim: int) -> int:
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if x.dim() == 0 or not -x.dim() <= dim < x.dim():
        raise ValueError(f"dim must be in [{-x.dim()}, {x.dim() - 1}] for x of shape {tuple(x.shape)}, got {dim}")
    return dim


def sigmoid(x: Tensor) -> Tensor:
    r"""Logistic sigmoid: squashes any real number into $(0, 1)$.

    $$
    \sigma(x) = \frac{1}{1 + e^{-x}}
    $$

    Parameters
    ----------
    x : Tensor
        Input of any shape, floating point.

    Returns
    -------
    Tensor
        $\sigma(x)$ elementwise; same shape, dtype and device as `x`.

    Notes
    -----
    Written literally, $e^{-x}$ overflows for very negative $x$ (below about $-89$ in float32, $-710$ in
    float64); the result is still 0, but the gradient of the literal form becomes `nan`. dlref evaluates the
    equal expression $e^{x}/(1 + e^{x})$ for $x < 0$, so only $e^{-|x|} \le 1$ is ever computed.
    `torch.sigmoid` / `nn.Sigmoid()` needs no extra arguments to agree.

    Examples
    --------
    >>> x = torch.linspace(-1e4, 1e4, 20001, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(sigmoid(x), nn.Sigmoid()(x))
    >>> sigmoid(torch.tensor([0.0])).item()
    0.5

    See Also
    --------
    sigmoid_derivative : $\sigma'(x)$.
    """
    x = check_tensor(x, "x")
    nonneg = x >= 0
    e = torch.exp(torch.where(nonneg, -x, x))  # e^{-|x|} ∈ (0, 1]: never overflows
    r = 1 / (1 + e)
    return torch.where(nonneg, r, e * r)  # σ(x) = 1/(1 + e^{-x}) for x ≥ 0,  e^{x}/(1 + e^{x}) for x < 0


def sigmoid_derivative(x: Tensor) -> Tensor:
    r"""Derivative of the sigmoid, largest ($1/4$) at $x = 0$.

    $$
    \sigma'(x) = \sigma(x)\bigl(1 - \sigma(x)\bigr)
    $$

    In backpropagation, with $y = \sigma(x)$ already computed in the forward pass, the upstream gradient
    is multiplied by this local derivative:

    $$
    \frac{\partial \mathcal{L}}{\partial x} = \frac{\partial \mathcal{L}}{\partial y}\, y(1 - y)
    $$

    Parameters
    ----------
    x : Tensor
        Input of any shape, floating point.

    Returns
    -------
    Tensor
        $\sigma'(x)$ elementwise, in $(0, 1/4]$.

    Examples
    --------
    >>> x = torch.linspace(-50, 50, 1001, dtype=torch.float64, device=device, requires_grad=True)
    >>> (autograd,) = torch.autograd.grad(torch.sigmoid(x).sum(), x)
    >>> torch.testing.assert_close(sigmoid_derivative(x.detach()), autograd)
    >>> sigmoid_derivative(torch.tensor([0.0])).item()
    0.25

    See Also
    --------
    sigmoid : $\sigma(x)$.
    """
    s = sigmoid(x)
    return s * (1 - s)  # σ'(x) = σ(x)(1 − σ(x))


def tanh(x: Tensor) -> Tensor:
    r"""Hyperbolic tangent: a zero-centred S-curve with values in $(-1, 1)$.

    $$
    \tanh(x) = \frac{e^x - e^{-x}}{e^x + e^{-x}}
    $$

    Parameters
    ----------
    x : Tensor
        Input of any shape, floating point.

    Returns
    -------
    Tensor
        $\tanh(x)$ elementwise; same shape, dtype and device as `x`.

    Notes
    -----
    The textbook quotient is $\infty/\infty = $ `nan` once $e^{|x|}$ overflows (about $|x| > 89$ in float32,
    $|x| > 710$ in float64), and it loses all relative precision near 0. dlref multiplies numerator and
    denominator by $e^{-|x|}$ and uses `expm1`: $\tanh x = -\operatorname{expm1}(-2x)/(2 + \operatorname{expm1}(-2x))$
    for $x \ge 0$ (and the odd mirror image for $x < 0$), exact to rounding everywhere. `torch.tanh` /
    `nn.Tanh()` needs no extra arguments to agree.

    Examples
    --------
    >>> x = torch.cat([torch.linspace(-1e4, 1e4, 2001), torch.logspace(-300, -1, 50)]).double().to(device)
    >>> torch.testing.assert_close(tanh(x), nn.Tanh()(x), rtol=1e-15, atol=0.0)

    See Also
    --------
    tanh_derivative : $\tanh'(x)$.
    """
    x = check_tensor(x, "x")
    pos = torch.expm1(-2 * x.clamp(min=0))  # e^{-2x} − 1 for x ≥ 0
    neg = torch.expm1(2 * x.clamp(max=0))  # e^{2x} − 1  for x ≤ 0
    # tanh x = (1 − e^{−2x}) / (1 + e^{−2x}) = (e^{2x} − 1) / (e^{2x} + 1)
    return torch.where(x >= 0, -pos / (pos + 2), neg / (neg + 2))


def tanh_derivative(x: Tensor) -> Tensor:
    r"""Derivative of tanh, largest ($1$) at $x = 0$.

    $$
    \tanh'(x) = 1 - \tanh^2(x)
    $$

    Parameters
    ----------
    x : Tensor
        Input of any shape, floating point.

    Returns
    -------
    Tensor
        $\tanh'(x)$ elementwise, in $(0, 1]$.

    Examples
    --------
    >>> x = torch.linspace(-30, 30, 601, dtype=torch.float64, device=device, requires_grad=True)
    >>> (autograd,) = torch.autograd.grad(torch.tanh(x).sum(), x)
    >>> torch.testing.assert_close(tanh_derivative(x.detach()), autograd)

    See Also
    --------
    tanh : $\tanh(x)$.
    """
    return 1 - tanh(x) ** 2  # tanh'(x) = 1 − tanh²(x)


def relu(x: Tensor) -> Tensor:
    r"""Rectified linear unit: keeps positive inputs, zeroes the rest.

    $$
    \mathrm{ReLU}(x) = \max(0, x)
    $$

    Parameters
    ----------
    x : Tensor
        Input of any shape, floating point.

    Returns
    -------
    Tensor
        $\max(0, x)$ elementwise (`nan` stays `nan`, as in torch).

    Examples
    --------
    >>> x = torch.linspace(-5, 5, 101, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(relu(x), nn.ReLU()(x), rtol=0.0, atol=0.0)

    See Also
    --------
    relu_derivative : $\mathrm{ReLU}'(x)$.
    """
    x = check_tensor(x, "x")
    return torch.where(x <= 0, 0.0, x)  # max(0, x); the gradient at 0 is 0, as in torch


def relu_derivative(x: Tensor) -> Tensor:
    r"""Derivative of ReLU: 1 for positive inputs, 0 otherwise (0 at $x = 0$, like torch's autograd).

    $$
    \mathrm{ReLU}'(x) =
    \begin{cases}
    0, & x \le 0 \\
    1, & x > 0
    \end{cases}
    $$

    Parameters
    ----------
    x : Tensor
        Input of any shape, floating point.

    Returns
    -------
    Tensor
        0 or 1 elementwise, in `x`'s dtype.

    Notes
    -----
    ReLU has no derivative at $x = 0$; any value in $[0, 1]$ is a valid subgradient. torch's autograd
    uses 0 (its backward tests `x <= 0`), and so does this function, so `relu_derivative` equals
    `torch.autograd.grad(torch.relu(x).sum(), x)` exactly, including at 0.

    Examples
    --------
    >>> x = torch.tensor([-2.0, 0.0, 3.0], dtype=torch.float64, device=device, requires_grad=True)
    >>> (autograd,) = torch.autograd.grad(torch.relu(x).sum(), x)
    >>> torch.testing.assert_close(relu_derivative(x.detach()), autograd, rtol=0.0, atol=0.0)
    >>> relu_derivative(torch.tensor([0.0])).item()
    0.0

    See Also
    --------
    relu : $\mathrm{ReLU}(x)$.
    """
    x = check_tensor(x, "x")
    return torch.where(x <= 0, 0.0, 1.0).to(x.dtype)  # 0 for x ≤ 0, 1 for x > 0


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    r"""Softmax along `dim`: turns scores into a probability distribution.

    $$
    \mathrm{Softmax}(z)_i = \frac{e^{z_i}}{\sum_{j=1}^{K} e^{z_j}}
    $$

    Parameters
    ----------
    x : Tensor
        Scores (logits) of any shape with at least one dimension, floating point.
    dim : int, default -1
        The dimension that holds the $K$ classes.

    Returns
    -------
    Tensor
        Same shape as `x`; entries in $[0, 1]$ that sum to 1 along `dim`.

    Notes
    -----
    Softmax is unchanged when a constant is subtracted from every $z_j$; dlref subtracts
    $\max_j z_j$ first so that no $e^{z}$ overflows (logits of $10^4$ are fine). torch does the same.
    `nn.Softmax(dim=d)` agrees when given the same `dim`; note that `nn.Softmax()` without `dim` is
    deprecated.

    Examples
    --------
    >>> z = torch.randn(4, 10, dtype=torch.float64, device=device) * 1e4
    >>> torch.testing.assert_close(softmax(z, dim=1), nn.Softmax(dim=1)(z))
    >>> torch.testing.assert_close(softmax(z).sum(-1), torch.ones(4, dtype=torch.float64, device=device))

    See Also
    --------
    log_softmax : $\log \mathrm{Softmax}(z)$.
    """
    x = check_tensor(x, "x")
    dim = _check_dim(x, dim)
    e = torch.exp(x - x.amax(dim, keepdim=True).detach())  # shift by max_j z_j: same result, no overflow
    return e / e.sum(dim, keepdim=True)  # e^{z_i} / Σ_j e^{z_j}


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    r"""Logarithm of the softmax, computed without forming the softmax.

    $$
    \log \mathrm{Softmax}(z)_i = z_i - \log \sum_{j=1}^{K} e^{z_j}
    $$

    Parameters
    ----------
    x : Tensor
        Scores (logits) of any shape with at least one dimension, floating point.
    dim : int, default -1
        The dimension that holds the $K$ classes.

    Returns
    -------
    Tensor
        Same shape as `x`; entries $\le 0$.

    Notes
    -----
    `torch.log(torch.softmax(z))` gives `-inf` (and `nan` gradients) once a probability underflows to 0;
    the log-sum-exp form above stays finite. `nn.LogSoftmax(dim=d)` agrees for the same `dim`.

    Examples
    --------
    >>> z = torch.randn(4, 10, dtype=torch.float64, device=device) * 1e4
    >>> torch.testing.assert_close(log_softmax(z, dim=1), nn.LogSoftmax(dim=1)(z))

    See Also
    --------
    softmax : $\mathrm{Softmax}(z)$.
    """
    x = check_tensor(x, "x")
    dim = _check_dim(x, dim)
    shifted = x - x.amax(dim, keepdim=True).detach()
    return shifted - torch.log(torch.exp(shifted).sum(dim, keepdim=True))  # z_i − log Σ_j e^{z_j}


def softmax_cross_entropy_grad(logits: Tensor, target: Tensor) -> Tensor:
    r"""Gradient of the summed cross-entropy of a softmax with respect to its logits.

    $$
    \frac{\partial \mathcal{L}}{\partial z_{n,i}} = \mathrm{Softmax}(z_n)_i - t_{n,i}
    $$

    where $t_n$ is the one-hot encoding of the class index of sample $n$ and
    $\mathcal{L} = -\sum_n \log \mathrm{Softmax}(z_n)_{c_n}$.

    Parameters
    ----------
    logits : Tensor
        Scores of shape `(N, C)`, floating point.
    target : Tensor
        Class indices of shape `(N,)`, integer dtype, each in `[0, C)`.

    Returns
    -------
    Tensor
        Shape `(N, C)`: the softmax minus the one-hot target.

    Notes
    -----
    This is the gradient of `F.cross_entropy(logits, target, reduction="sum")`. With torch's default
    `reduction="mean"` the gradient is divided by $N$.

    Examples
    --------
    >>> z = torch.randn(5, 3, dtype=torch.float64, device=device, requires_grad=True)
    >>> t = torch.tensor([0, 2, 1, 1, 0], device=device)
    >>> (autograd,) = torch.autograd.grad(F.cross_entropy(z, t, reduction="sum"), z)
    >>> torch.testing.assert_close(softmax_cross_entropy_grad(z.detach(), t), autograd)

    See Also
    --------
    softmax : $\mathrm{Softmax}(z)$.
    dlref.losses.cross_entropy : the loss itself.
    """
    logits = check_tensor(logits, "logits", ndim=2)
    target = check_tensor(target, "target", floating=False, ndim=1)
    if target.dtype in (torch.bool,) or target.is_complex() or target.is_floating_point():
        raise TypeError(f"target must hold integer class indices, got dtype {target.dtype}")
    n, c = logits.shape
    if target.shape[0] != n:
        raise ValueError(
            f"target must have shape ({n},) to match logits {tuple(logits.shape)}, got {tuple(target.shape)}"
        )
    if target.numel() and (target.min() < 0 or target.max() >= c):
        raise ValueError(
            f"target must hold class indices in [0, {c}), got values in [{target.min()}, {target.max()}]"
        )
    one_hot = (target[:, None] == torch.arange(c, device=target.device)).to(logits.dtype)  # t_{n,i}
    return softmax(logits, dim=1) - one_hot  # ∂L/∂z = Softmax(z) − t
