r"""Regularisation: dropout, batch normalisation and weight decay.

Chapter: [Regularisation](../regularization.md). `dropout` reproduces `nn.Dropout`'s mask bit for bit on
the CPU from the same generator state; `batch_norm` is a pure version of `nn.BatchNorm1d` /
`nn.BatchNorm2d`: it returns the updated running statistics instead of changing buffers in place.
`l2_penalty` is the term whose gradient the `weight_decay` argument of `torch.optim.SGD` / `Adam` adds;
`decoupled_weight_decay` is the shrinking step of `torch.optim.AdamW`.
"""

from __future__ import annotations

import torch
from torch import Tensor

from dlref._checks import check_number, check_probability, check_tensor

__all__ = ["dropout", "batch_norm", "l2_penalty", "decoupled_weight_decay"]


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

    For each channel, let $z_1, \dots, z_m$ be its $m$ values in the batch (`x` holds them; the chapter
    calls BN's input $z$, the output of a linear or convolutional layer): $m = N$, $N \cdot L$ or
    $N \cdot H \cdot W$ for `x` of shape `(N, C)`, `(N, C, L)` or `(N, C, H, W)`. In training, the batch
    mean and the (biased) batch variance

    $$
    \mu_B = \frac{1}{m} \sum_{i=1}^{m} z_i
    $$

    $$
    \sigma_B^2 = \frac{1}{m} \sum_{i=1}^{m} (z_i - \mu_B)^2
    $$

    normalise each value, and the learnable scale $\gamma$ (`weight`) and shift $\beta$ (`bias`) follow:

    $$
    \hat{z}_i = \frac{z_i - \mu_B}{\sqrt{\sigma_B^2 + \varepsilon}}
    $$

    $$
    y_i = \gamma \hat{z}_i + \beta
    $$

    The running statistics $\mu_{\mathrm{run}}, \sigma^2_{\mathrm{run}}$ are updated with
    $\alpha$ = `momentum`, the variance with the *unbiased* estimate $\frac{m}{m-1}\sigma_B^2$:

    $$
    \mu_{\mathrm{run}} \leftarrow (1 - \alpha)\, \mu_{\mathrm{run}} + \alpha\, \mu_B
    $$

    $$
    \sigma^2_{\mathrm{run}} \leftarrow (1 - \alpha)\, \sigma^2_{\mathrm{run}} + \alpha\, \frac{m}{m - 1}\, \sigma_B^2
    $$

    In evaluation (`training=False`) the running statistics replace the batch ones and are not updated:

    $$
    y_i = \gamma \frac{z_i - \mu_{\mathrm{run}}}{\sqrt{\sigma^2_{\mathrm{run}} + \varepsilon}} + \beta
    $$

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
      $v \leftarrow \beta v + (1 - \beta) x$ with $\beta = 0.9$, i.e. $\beta = 1 - \text{momentum}$.
      (`momentum=None` in torch means a cumulative average; not supported here.)

    `nn.BatchNorm1d(C, eps=eps, momentum=momentum)` (2-D/3-D input) or `nn.BatchNorm2d` (4-D input) with
    this `weight`, `bias` and running buffers agrees in both modes (`.train()` / `.eval()`).

    Examples
    --------
    >>> z = 2 + 3 * torch.randn(8, 3, 5, 5, dtype=torch.float64, device=device)
    >>> bn = nn.BatchNorm2d(3, dtype=torch.float64, device=device)
    >>> with torch.no_grad():  # a γ and β other than 1 and 0
    ...     _ = bn.weight.uniform_(0.5, 2.0), bn.bias.normal_()
    >>> w, b = bn.weight.detach().clone(), bn.bias.detach().clone()
    >>> rm0, rv0 = bn.running_mean.clone(), bn.running_var.clone()
    >>> y, rm, rv = batch_norm(z, w, b, rm0, rv0, momentum=0.1, eps=1e-5)
    >>> torch.testing.assert_close(y, bn(z))
    >>> torch.testing.assert_close(rm, bn.running_mean)
    >>> torch.testing.assert_close(rv, bn.running_var)

    Each formula, per channel over the dimensions `(N, H, W)`:

    >>> dims, m, c = (0, 2, 3), 8 * 5 * 5, (1, 3, 1, 1)
    >>> mu_b = z.sum(dim=dims) / m
    >>> var_b = ((z - mu_b.view(c)) ** 2).sum(dim=dims) / m
    >>> z_hat = (z - mu_b.view(c)) / torch.sqrt(var_b.view(c) + 1e-5)
    >>> torch.testing.assert_close(y, w.view(c) * z_hat + b.view(c))
    >>> torch.testing.assert_close(rm, 0.9 * rm0 + 0.1 * mu_b)
    >>> torch.testing.assert_close(rv, 0.9 * rv0 + 0.1 * m / (m - 1) * var_b)
    >>> torch.testing.assert_close(rv, 0.9 * rv0 + 0.1 * z.var(dim=dims))  # torch's var is unbiased (÷ (m − 1))
    >>> y_eval, _, _ = batch_norm(z, w, b, rm, rv, training=False)
    >>> torch.testing.assert_close(y_eval, bn.eval()(z))
    >>> torch.testing.assert_close(y_eval, w.view(c) * (z - rm.view(c)) / torch.sqrt(rv.view(c) + 1e-5) + b.view(c))

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
        mean = x.mean(dim=dims)  # μ_B = (1/m) Σ z_i
        sq_dev = ((x - mean.reshape(shape)) ** 2).sum(dim=dims)  # Σ (z_i − μ_B)²
        var = sq_dev / m  # σ_B² (biased: divided by m), used to normalise
        # μ_run ← (1−α)μ_run + αμ_B
        new_running_mean = (1 - momentum) * running_mean + momentum * mean.detach()
        # σ²_run ← (1−α)σ²_run + α·m/(m−1)·σ_B²  (unbiased: divided by m − 1)
        new_running_var = (1 - momentum) * running_var + momentum * (sq_dev.detach() / (m - 1))
    else:
        mean, var = running_mean, running_var  # evaluation: the running statistics
        new_running_mean, new_running_var = running_mean.clone(), running_var.clone()  # not updated
    z_hat = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)  # ẑ = (z − μ) / √(σ² + ε)
    y = z_hat
    if weight is not None:
        y = weight.reshape(shape) * y  # γ ẑ
    if bias is not None:
        y = y + bias.reshape(shape)  # + β
    return y, new_running_mean, new_running_var


def l2_penalty(param: Tensor, weight_decay: float) -> Tensor:
    r"""L2 regularisation term of a parameter tensor, whose gradient is what `weight_decay` adds.

    $$
    R(\theta) = \frac{\lambda}{2} \lVert \theta \rVert_2^2 = \frac{\lambda}{2} \sum_{k} \theta_k^2
    $$

    $$
    \nabla_{\theta} R = \lambda \theta
    $$

    Adding $R$ (summed over the parameters) to the loss $\mathcal{L}$ adds $\lambda\theta$ to every gradient:
    $g_t \leftarrow g_t + \lambda \theta_{t-1}$. The `weight_decay=λ` argument of `torch.optim.SGD`,
    `Adam`, `RMSprop`, `Adagrad` does exactly this to the gradient, without computing $R$.

    Parameters
    ----------
    param : Tensor
        $\theta$, any shape, floating point.
    weight_decay : float
        $\lambda \ge 0$.

    Returns
    -------
    Tensor
        $R(\theta)$, a 0-d tensor with `param`'s dtype and device (differentiable).

    Notes
    -----
    With plain SGD the gradient step becomes
    $\theta_t = \theta_{t-1} - \eta (g_t + \lambda\theta_{t-1}) = (1 - \eta\lambda)\,\theta_{t-1} - \eta g_t$:
    every step first shrinks ("decays") the weights by the factor $1 - \eta\lambda$, hence the name weight
    decay. With an adaptive optimizer such as Adam, the added $\lambda\theta$ is divided by
    $\sqrt{\hat v_t}$ like the rest of the gradient, so the decay is no longer proportional to $\theta$;
    AdamW applies the decay separately instead (see `decoupled_weight_decay`).

    Examples
    --------
    >>> w = torch.randn(4, 3, dtype=torch.float64, device=device, requires_grad=True)
    >>> x = torch.randn(8, 3, dtype=torch.float64, device=device)
    >>> (g,) = torch.autograd.grad((x @ w.T).pow(2).mean() + l2_penalty(w, 0.1), w)
    >>> (g0,) = torch.autograd.grad((x @ w.T).pow(2).mean(), w)
    >>> torch.testing.assert_close(g, g0 + 0.1 * w)  # ∇R = λθ

    One step of `SGD(weight_decay=0.1)` on the loss equals one step of plain SGD on the loss plus $R$:

    >>> p1, p2 = w.detach().clone().requires_grad_(), w.detach().clone().requires_grad_()
    >>> opt1 = torch.optim.SGD([p1], lr=0.5, weight_decay=0.1)
    >>> (x @ p1.T).pow(2).mean().backward()
    >>> opt1.step()
    >>> opt2 = torch.optim.SGD([p2], lr=0.5)
    >>> ((x @ p2.T).pow(2).mean() + l2_penalty(p2, 0.1)).backward()
    >>> opt2.step()
    >>> torch.testing.assert_close(p1, p2)

    See Also
    --------
    decoupled_weight_decay : the weight decay of AdamW, applied outside the gradient.
    dlref.optim.sgd_step : the step the gradient feeds.
    """
    param = check_tensor(param, "param")
    weight_decay = check_number(weight_decay, "weight_decay", low=0.0)
    return weight_decay / 2 * (param * param).sum()  # R = λ/2 · Σ_k θ_k²


def decoupled_weight_decay(param: Tensor, lr: float, weight_decay: float) -> Tensor:
    r"""Decoupled weight decay (AdamW): shrink the parameter by the factor $1 - \eta\lambda$.

    $$
    \theta_t = \theta_{t-1} - \eta \lambda \theta_{t-1}
    $$

    `torch.optim.AdamW` applies this to each parameter at every step, *before* and independently of the
    Adam update, which then sees only the gradient $g_t$ of the loss (no $\lambda\theta$ added to it).

    Parameters
    ----------
    param : Tensor
        $\theta_{t-1}$, any shape, floating point.
    lr : float
        $\eta \ge 0$, the learning rate.
    weight_decay : float
        $\lambda \ge 0$ (AdamW's default is 0.01).

    Returns
    -------
    Tensor
        $\theta_t$, a new tensor (`param` is not modified).

    Notes
    -----
    torch computes `param.mul_(1 - lr * weight_decay)` and so does this function (out of place): the result
    is bit-identical. `torch.optim.Adam(..., weight_decay=λ)` instead adds $\lambda\theta$ to the gradient
    (L2 regularisation, `l2_penalty`), which Adam then divides by $\sqrt{\hat v_t}$: a parameter whose loss
    gradient is 0 shrinks by about $\eta$ per step whatever its size. `Adam(..., decoupled_weight_decay=True)`
    is AdamW. For plain SGD the two forms coincide.

    Examples
    --------
    With no gradient from the loss, one AdamW step is exactly this decay:

    >>> p = torch.tensor([1.0, 100.0], dtype=torch.float64, device=device, requires_grad=True)
    >>> theta = decoupled_weight_decay(p.detach(), lr=0.1, weight_decay=0.01)
    >>> p.grad = torch.zeros_like(p)
    >>> torch.optim.AdamW([p], lr=0.1, weight_decay=0.01).step()
    >>> torch.equal(theta, p.detach())
    True
    >>> theta.tolist()  # both shrink by 0.1 %
    [0.999, 99.9]

    With a gradient, AdamW is this decay followed by the Adam step on $g_t$ alone:

    >>> from dlref.optim import adam_step
    >>> p = torch.randn(5, dtype=torch.float64, device=device, requires_grad=True)
    >>> g = torch.randn(5, dtype=torch.float64, device=device)
    >>> decayed = decoupled_weight_decay(p.detach(), lr=0.1, weight_decay=0.01)
    >>> ours, _, _ = adam_step(decayed, g, torch.zeros_like(g), torch.zeros_like(g), 1, lr=0.1)
    >>> p.grad = g.clone()
    >>> torch.optim.AdamW([p], lr=0.1, weight_decay=0.01).step()
    >>> torch.testing.assert_close(ours, p.detach())

    See Also
    --------
    l2_penalty : weight decay as L2 regularisation of the loss (SGD's and Adam's `weight_decay`).
    dlref.optim.adam_step : the Adam step that follows the decay.
    """
    param = check_tensor(param, "param")
    lr = check_number(lr, "lr", low=0.0)
    weight_decay = check_number(weight_decay, "weight_decay", low=0.0)
    return param * (1 - lr * weight_decay)  # θ_t = θ_{t−1} − ηλθ_{t−1} = (1 − ηλ) θ_{t−1}
