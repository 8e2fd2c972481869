r"""Regularisation layers: dropout and batch normalisation.

Chapter: [Regularisation](../regularization.md). `dropout` reproduces `nn.Dropout`'s mask bit for bit on
the CPU from the same generator state; `batch_norm` is a pure version of `nn.BatchNorm1d` /
`nn.BatchNorm2d`: it returns the updated running statistics instead of changing buffers in place.
"""

from __future__ import annotations

import torch
from torch import Tensor

from dlref._checks import check_number, check_probability, check_tensor

__all__ = ["dropout", "batch_norm"]


def _check_bool(v: object, name: str) -> bool:
    if not isinstance(v, bool):
        raise TypeError(f"{name} must be a bool, got {type(v).__name__}")
    return v


def dropout(x: Tensor, p: float = 0.5, training: bool = True, *,
            generator: torch.Generator | None = None) -> Tensor:
    r"""Inverted dropout: zero each element with probability $p$ and scale the survivors by $1/(1-p)$.

    $$
    y_i = \frac{m_i}{1 - p}\, x_i, \qquad m_i \sim \mathrm{Bernoulli}(1 - p)
    $$

    so that $\mathbb{E}[y_i] = x_i$. At evaluation time (`training=False`) it is the identity.

    Parameters
    ----------
    x : Tensor
        Input of any shape, floating point.
    p : float, default 0.5
        Probability of dropping an element, in $[0, 1]$ ($p = 1$ gives zeros, $p = 0$ the identity).
    training : bool, default True
        Apply dropout (training) or return `x` unchanged (evaluation).
    generator : torch.Generator, optional
        Source of the mask, on `x`'s device; default: torch's global generator.

    Returns
    -------
    Tensor
        Same shape, dtype and device as `x`. When nothing is dropped (`training=False`, $p = 0$ or an empty
        `x`) it is `x` itself, as in torch.

    Notes
    -----
    The original dropout paper (Srivastava et al., 2014) calls $p$ the probability of *keeping* a unit and
    does not scale during training; instead the weights are multiplied by $p$ at test time. torch's
    `nn.Dropout(p)` uses $p$ for *dropping* and scales by $1/(1-p)$ during training ("inverted dropout"),
    so that evaluation needs no change; this function does the same. The two have the same expected
    output.

    On the CPU torch computes exactly `noise = empty_like(x).bernoulli_(1 - p); noise.div_(1 - p);
    x * noise`, and so does dlref (dividing by $1 - p$: multiplying by a precomputed $1/(1 - p)$ is one
    ulp off for some $p$, e.g. $0.15$ in float32): from the same generator state the mask and the output are
    bit-identical (`torch.manual_seed(s)` before `nn.Dropout` ↔ `generator=torch.Generator().manual_seed(s)`
    here). On CUDA, `nn.Dropout` uses a fused kernel with its own random stream (`torch.native_dropout`),
    so the masks differ from these (and from the CPU ones) even with the same seed: only the distribution
    agrees there.

    Examples
    --------
    >>> x = torch.randn(4, 1000, dtype=torch.float64)
    >>> _ = torch.manual_seed(7)
    >>> ref = nn.Dropout(p=0.3)(x)
    >>> y = dropout(x, p=0.3, generator=torch.Generator().manual_seed(7))
    >>> torch.equal(y, ref)
    True
    >>> kept = y != 0
    >>> torch.testing.assert_close(y[kept], x[kept] / 0.7)
    >>> x = x.to(device)
    >>> torch.equal(dropout(x, p=0.3, training=False), nn.Dropout(p=0.3).eval()(x))
    True

    See Also
    --------
    batch_norm : the other layer that behaves differently in training and evaluation.
    """
    x = check_tensor(x, "x")
    p = check_probability(p, "p")
    training = _check_bool(training, "training")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    if generator is not None and generator.device.type != x.device.type:
        raise ValueError(
            f"generator must be on x's device ({x.device.type}), got a {generator.device.type} generator"
        )
    if not training or p == 0 or x.numel() == 0:
        return x  # evaluation: y = x
    if p == 1:
        return x * torch.zeros((), dtype=x.dtype, device=x.device)  # every m_i = 0 (nan, inf → nan, as torch)
    mask = torch.empty_like(x).bernoulli_(1 - p, generator=generator)  # m_i ~ Bernoulli(1 − p)
    return x * mask.div_(1 - p)  # y_i = m_i / (1 − p) · x_i


def _check_channel_vector(v: object, name: str, c: int, x: Tensor, *, optional: bool) -> Tensor | None:
    if v is None and optional:
        return None
    v = check_tensor(v, name)
    if v.shape != (c,):
        raise ValueError(f"{name} must have shape ({c},) for x of shape {tuple(x.shape)} (C = {c}), "
                         f"got {tuple(v.shape)}")
    return v


def batch_norm(x: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor,
               running_var: Tensor, *, training: bool = True, momentum: float = 0.1,
               eps: float = 1e-5) -> tuple[Tensor, Tensor, Tensor]:
    r"""Batch normalisation over the batch (and spatial) dimensions, per channel, with running statistics.

    $$
    \mu_B = \frac{1}{m} \sum_{i=1}^{m} x_i, \qquad \sigma_B^2 = \frac{1}{m} \sum_{i=1}^{m} (x_i - \mu_B)^2
    $$

    $$
    \hat{x}_i = \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \varepsilon}}
    $$

    $$
    y_i = \gamma \hat{x}_i + \beta
    $$

    $$
    \mu_{\mathrm{run}} \leftarrow (1 - \alpha)\, \mu_{\mathrm{run}} + \alpha\, \mu_B
    $$

    $$
    \sigma^2_{\mathrm{run}} \leftarrow
    (1 - \alpha)\, \sigma^2_{\mathrm{run}} + \alpha\, \frac{m}{m - 1}\, \sigma_B^2
    $$

    For each channel, $x_1, \dots, x_m$ are its $m = N$, $N \cdot L$ or $N \cdot H \cdot W$ values in the
    batch, $\gamma, \beta$ are `weight` and `bias`, $\mu_{\mathrm{run}}, \sigma^2_{\mathrm{run}}$ the running
    statistics and $\alpha$ is `momentum`. In evaluation (`training=False`), $\mu_{\mathrm{run}}$ and
    $\sigma^2_{\mathrm{run}}$ replace $\mu_B$ and $\sigma_B^2$ and are not updated.

    Parameters
    ----------
    x : Tensor
        Input `(N, C)`, `(N, C, L)` or `(N, C, H, W)`, floating point. In training, each channel needs more
        than one value ($m > 1$).
    weight, bias : Tensor or None
        $\gamma$ and $\beta$, shape `(C,)`; `None` means $\gamma = 1$ / $\beta = 0$ (`affine=False`).
    running_mean, running_var : Tensor
        $\mu_{\mathrm{run}}$ and $\sigma^2_{\mathrm{run}}$, shape `(C,)`; not modified.
    training : bool, default True
        Normalise with the batch statistics and update the running ones (training), or normalise with
        the running statistics (evaluation).
    momentum : float, default 0.1
        $\alpha \in [0, 1]$, the weight of the *new* batch statistic in the running average.
    eps : float, default 1e-5
        $\varepsilon > 0$, added to the variance for stability.

    Returns
    -------
    tuple of Tensor
        `(y, new_running_mean, new_running_var)`: `y` has `x`'s shape; the running statistics are new
        tensors (copies of the inputs in evaluation), outside the autograd graph, like torch's buffers.

    Notes
    -----
    torch differs from the textbook in two places, both reproduced here:

    - It normalises with the *biased* batch variance $\sigma_B^2$ (divided by $m$) but updates
      `running_var` with the *unbiased* one, $\frac{m}{m-1}\sigma_B^2$ (divided by $m - 1$).
    - Its `momentum` is the weight of the *new* value: `momentum=0.1` is an exponential moving average
      $v \leftarrow \beta v + (1 - \beta) x$ with $\beta = 0.9$, i.e. $\beta = 1 - $ `momentum`.
      (`momentum=None` in torch means a cumulative average; not supported here.)

    `nn.BatchNorm1d(C, eps=eps, momentum=momentum)` (2-D/3-D input) or `nn.BatchNorm2d` (4-D input) with
    this `weight`, `bias` and running buffers agrees in both modes (`.train()` / `.eval()`).

    Examples
    --------
    >>> x = torch.randn(8, 3, 5, 5, dtype=torch.float64, device=device)
    >>> bn = nn.BatchNorm2d(3, dtype=torch.float64, device=device)
    >>> w, b = bn.weight.detach().clone(), bn.bias.detach().clone()
    >>> rm, rv = bn.running_mean.clone(), bn.running_var.clone()
    >>> y, rm, rv = batch_norm(x, w, b, rm, rv, momentum=0.1, eps=1e-5)
    >>> torch.testing.assert_close(y, bn(x))
    >>> torch.testing.assert_close(rm, bn.running_mean)
    >>> torch.testing.assert_close(rv, bn.running_var)
    >>> torch.testing.assert_close(rv, 0.9 * 1.0 + 0.1 * x.var(dim=(0, 2, 3)))  # unbiased var (÷ (m − 1))
    >>> y_eval, _, _ = batch_norm(x, w, b, rm, rv, training=False)
    >>> torch.testing.assert_close(y_eval, bn.eval()(x))

    See Also
    --------
    dropout : the other layer that behaves differently in training and evaluation.
    dlref.optim.ema : the exponential moving average of the running statistics, with $\beta = 1 - \alpha$.
    """
    x = check_tensor(x, "x", ndim=(2, 3, 4))
    c = x.shape[1]
    weight = _check_channel_vector(weight, "weight", c, x, optional=True)
    bias = _check_channel_vector(bias, "bias", c, x, optional=True)
    running_mean = _check_channel_vector(running_mean, "running_mean", c, x, optional=False)
    running_var = _check_channel_vector(running_var, "running_var", c, x, optional=False)
    training = _check_bool(training, "training")
    momentum = check_number(momentum, "momentum", low=0.0, high=1.0)
    eps = check_number(eps, "eps", low=0.0, low_open=True)

    dims = [0, *range(2, x.dim())]  # every dimension but the channels
    m = x.numel() // c if c else 0  # values per channel
    shape = [1, c] + [1] * (x.dim() - 2)  # broadcast a (C,) vector against x
    if training:
        if m <= 1:
            raise ValueError(
                f"x must have more than 1 value per channel when training, got shape {tuple(x.shape)}"
            )
        mean = x.mean(dim=dims)  # μ_B = (1/m) Σ x_i
        sq_dev = ((x - mean.reshape(shape)) ** 2).sum(dim=dims)  # Σ (x_i − μ_B)²
        var = sq_dev / m  # σ_B² (biased: divided by m), used to normalise
        # μ_run ← (1−α)μ_run + αμ_B
        new_running_mean = (1 - momentum) * running_mean + momentum * mean.detach()
        # σ²_run ← (1−α)σ²_run + α·m/(m−1)·σ_B²  (unbiased: divided by m − 1)
        new_running_var = (1 - momentum) * running_var + momentum * (sq_dev.detach() / (m - 1))
    else:
        mean, var = running_mean, running_var  # evaluation: the running statistics
        new_running_mean, new_running_var = running_mean.clone(), running_var.clone()  # not updated
    x_hat = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)  # x̂ = (x − μ) / √(σ² + ε)
    y = x_hat
    if weight is not None:
        y = weight.reshape(shape) * y  # γ x̂
    if bias is not None:
        y = y + bias.reshape(shape)  # + β
    return y, new_running_mean, new_running_var
