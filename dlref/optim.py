r"""Gradient-descent optimizers, exponential moving averages and gradient clipping as pure functions.

Chapter: [Optimisation](../optim.md). Every function takes the parameter, its gradient and the optimizer's
state and returns *new* tensors (the inputs are never modified), so one call is one optimizer step:

```python
w, v = momentum_step(w, g, v, lr=0.1, beta=0.9)
```

Each step is verified against the matching `torch.optim` optimizer (state preloaded, one `step()`), and whole
trajectories against the optimizer running on its own. $g_t$ is the gradient of the loss at the previous
parameters, $g_t = \nabla_\omega \mathcal{L}_t(\omega_{t-1})$; squares, square roots and divisions of tensors
are elementwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from dlref._checks import check_number, check_positive_int, check_same_shape, check_tensor

__all__ = [
    "ema",
    "ema_bias_corrected",
    "sgd_step",
    "momentum_step",
    "sgd_momentum_step",
    "adagrad_step",
    "rmsprop_step",
    "adam_step",
    "clip_grad_norm",
]


# --------------------------------------------------------------------------------------------- checks
def _check_like(t: object, name: str, ref: Tensor, ref_name: str) -> Tensor:
    """``t`` must be a floating tensor with the shape, dtype and device of ``ref``."""
    t = check_tensor(t, name)
    check_same_shape(ref, t, ref_name, name)
    if t.dtype != ref.dtype:
        raise TypeError(f"{name} must have the same dtype as {ref_name} ({ref.dtype}), got {t.dtype}")
    if t.device != ref.device:
        raise ValueError(f"{name} must be on the same device as {ref_name} ({ref.device}), got {t.device}")
    return t


def _check_nonnegative(t: Tensor, name: str) -> None:
    if t.numel() and bool((t < 0).any()):
        raise ValueError(f"{name} must be non-negative (it holds squares), got minimum {float(t.min()):g}")


def _check_lr(lr: object) -> float:
    return check_number(lr, "lr", low=0.0)


def _check_beta(beta: object, name: str) -> float:
    return check_number(beta, name, low=0.0, high=1.0, high_open=True)


def _check_eps(eps: object) -> float:
    return check_number(eps, "eps", low=0.0)


# --------------------------------------------------------------------------------------------- EMA
def ema(xs: Tensor, beta: float, v0: Tensor | None = None) -> Tensor:
    r"""Exponential moving average of a sequence, every intermediate average returned.

    $$
    v_t = \beta v_{t-1} + (1 - \beta) x_t
    $$

    Parameters
    ----------
    xs : Tensor
        The sequence $x_1, \dots, x_T$ stacked along dim 0: shape `(T, *)` with $T \ge 1$, floating point.
    beta : float
        Decay $\beta \in [0, 1)$: the weight of the previous average.
    v0 : Tensor, optional
        Start value $v_0$, shape `xs.shape[1:]`. `None` (default) starts from $v_0 = 0$.

    Returns
    -------
    Tensor
        $v_1, \dots, v_T$ stacked along dim 0; same shape, dtype and device as `xs`.

    Notes
    -----
    Unrolled, $v_t = \beta^t v_0 + (1 - \beta)\sum_{k=1}^{t} \beta^{t-k} x_k$: the weights of
    $x_1, \dots, x_t$ sum to $1 - \beta^t$, not 1. Starting from $v_0 = 0$ the early averages are therefore
    biased towards 0 (a constant sequence $x_k = c$ gives $v_t = (1 - \beta^t) c$); the bias correction
    $\hat v_t = v_t / (1 - \beta^t)$ removes this, and is what Adam applies to its moments.

    torch computes the same average in two places:

    - `v0=None` is Adam's first moment: `torch.optim.Adam(betas=(beta, beta2))` fed the gradients
      $x_1, x_2, \dots$ holds $v_t$ in `state["exp_avg"]` after step $t$ (any `beta2`).
    - `v0=xs[0]` is `torch.optim.swa_utils.AveragedModel` with
      `multi_avg_fn=get_ema_multi_avg_fn(beta)` (or `avg_fn=get_ema_avg_fn(beta)`) updated with
      $x_1, x_2, \dots$: its first update copies $x_1$, which is $\beta x_1 + (1 - \beta) x_1$ up to
      rounding. Its `decay` is $\beta$.

    torch evaluates Adam's average and `get_ema_multi_avg_fn` as `lerp`,
    $v_{t-1} + (1 - \beta)(x_t - v_{t-1})$: equal to rounding, not bit for bit. `get_ema_avg_fn` computes
    `decay * v + (1 - decay) * x` like this function, so an `AveragedModel` preloaded with $v_0$ (and
    `n_averaged = 1`) gives bit-identical averages.

    Examples
    --------
    >>> xs = torch.randn(50, 3, dtype=torch.float64, device=device)
    >>> w = torch.zeros(3, dtype=torch.float64, device=device, requires_grad=True)
    >>> adam = torch.optim.Adam([w], betas=(0.9, 0.999))
    >>> exp_avg = []
    >>> for x in xs:
    ...     w.grad = x.clone()
    ...     adam.step()
    ...     exp_avg.append(adam.state[w]["exp_avg"].clone())
    >>> torch.testing.assert_close(ema(xs, 0.9), torch.stack(exp_avg))

    Starting from the first value, as `torch.optim.swa_utils` does:

    >>> from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
    >>> model = nn.ParameterList([torch.zeros(3, dtype=torch.float64, device=device)])
    >>> averaged = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
    >>> swa = []
    >>> for x in xs:
    ...     with torch.no_grad():
    ...         _ = model[0].copy_(x)
    ...     averaged.update_parameters(model)
    ...     swa.append(averaged.module[0].detach().clone())
    >>> torch.testing.assert_close(ema(xs, 0.9, v0=xs[0]), torch.stack(swa))

    See Also
    --------
    ema_bias_corrected : the average from $v_0 = 0$ divided by $1 - \beta^t$.
    momentum_step : the EMA of the gradients as a velocity.
    adam_step : EMAs of the gradients and their squares, bias-corrected.
    """
    xs = check_tensor(xs, "xs")
    if xs.dim() == 0 or xs.shape[0] == 0:
        raise ValueError(f"xs must hold at least one value along dim 0, shape (T, ...), got {list(xs.shape)}")
    beta = _check_beta(beta, "beta")
    v = torch.zeros_like(xs[0]) if v0 is None else _check_like(v0, "v0", xs[0], "xs[0]")  # v_0
    averages = []
    for x in xs:  # one time step at a time
        v = beta * v + (1 - beta) * x  # v_t = β v_{t−1} + (1 − β) x_t
        averages.append(v)
    return torch.stack(averages)


def ema_bias_corrected(xs: Tensor, beta: float) -> Tensor:
    r"""Exponential moving average from $v_0 = 0$, divided by the total weight of the values it has seen.

    $$
    \hat v_t = \frac{v_t}{1 - \beta^t}
    $$

    Parameters
    ----------
    xs : Tensor
        The sequence $x_1, \dots, x_T$ stacked along dim 0: shape `(T, *)` with $T \ge 1$, floating point.
    beta : float
        Decay $\beta \in [0, 1)$ of the average $v_t = \beta v_{t-1} + (1 - \beta) x_t$, $v_0 = 0$.

    Returns
    -------
    Tensor
        $\hat v_1, \dots, \hat v_T$ stacked along dim 0; same shape, dtype and device as `xs`.

    Notes
    -----
    Starting from $v_0 = 0$, $v_t = (1 - \beta)\sum_{k=1}^{t} \beta^{t-k} x_k$ gives $x_1, \dots, x_t$ the total
    weight $1 - \beta^t$; dividing by it makes the weights sum to 1, so a constant sequence $x_k = c$ gives
    $\hat v_t = c$ from the first step on, and $\hat v_1 = x_1$. For large $t$, $\beta^t \to 0$ and
    $\hat v_t \approx v_t$: the correction matters for the first few $1 / (1 - \beta)$ steps.

    This is the bias correction Adam applies to its moments ($\hat m_t$, $\hat v_t$ in `adam_step`).
    torch does not expose Adam's $\hat m_t$, but `torch.optim.RAdam` does step by it: with
    `betas=(β, 0)` its rectification term is never used ($\rho_t = 1 \le 5$ for $\beta_2 = 0$), and each step
    is $\omega_t = \omega_{t-1} - \mathrm{lr}\, \hat m_t$, computed as `exp_avg / (1 - β**t)`. From a parameter
    reset to 0 before each step with `lr=1`, the new parameter is $-\hat v_t$. torch forms `exp_avg` with
    `lerp_`, so the two agree to rounding, not bit for bit.

    Examples
    --------
    >>> xs = torch.randn(50, 3, dtype=torch.float64, device=device)
    >>> w = torch.zeros(3, dtype=torch.float64, device=device, requires_grad=True)
    >>> radam = torch.optim.RAdam([w], lr=1.0, betas=(0.9, 0.0), foreach=False)
    >>> m_hat = []
    >>> for x in xs:
    ...     with torch.no_grad():
    ...         _ = w.zero_()
    ...     w.grad = x.clone()
    ...     radam.step()
    ...     m_hat.append(-w.detach().clone())
    >>> torch.testing.assert_close(ema_bias_corrected(xs, 0.9), torch.stack(m_hat))

    A constant sequence is averaged to itself from the first step on:

    >>> c = torch.full((5, 2), 4.0, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(ema_bias_corrected(c, 0.9), c)

    See Also
    --------
    ema : the average before the correction.
    adam_step : bias-corrects both of its moments this way.
    """
    xs = check_tensor(xs, "xs")
    if xs.dim() == 0 or xs.shape[0] == 0:
        raise ValueError(f"xs must hold at least one value along dim 0, shape (T, ...), got {list(xs.shape)}")
    beta = _check_beta(beta, "beta")
    v = ema(xs, beta)  # v_t, from v_0 = 0
    return torch.stack([v[t - 1] / (1 - beta**t) for t in range(1, len(v) + 1)])  # v̂_t = v_t / (1 − βᵗ)


# --------------------------------------------------------------------------------------------- steps
def sgd_step(param: Tensor, grad: Tensor, lr: float) -> Tensor:
    r"""One step of plain (stochastic) gradient descent.

    $$
    \omega_t = \omega_{t-1} - \eta g_t
    $$

    The same step counted from $\theta_t$, the notation of many texts, with $g_t$ (or
    $\nabla J(\theta_t)$) the gradient of the loss $J$ at $\theta_t$:

    $$
    \theta_{t+1} = \theta_t - \eta \, g_t
    $$

    $$
    \theta_{t+1} = \theta_t - \eta \nabla J(\theta_t)
    $$

    Parameters
    ----------
    param : Tensor
        The parameters $\omega_{t-1}$, any shape, floating point.
    grad : Tensor
        The gradient $g_t$, same shape, dtype and device as `param`.
    lr : float
        Learning rate $\eta \ge 0$.

    Returns
    -------
    Tensor
        The new parameters $\omega_t$.

    Notes
    -----
    `torch.optim.SGD(params, lr=lr)` (no momentum, no weight decay) is the same formula. It evaluates it as
    `param.add_(grad, alpha=-lr)`, which torch's CPU kernel rounds once (a fused multiply-add, on CPUs that
    have one) where `param - lr * grad` rounds twice, so the two agree to rounding (one unit in the last place
    per step at most), not bit for bit.

    Examples
    --------
    >>> w0 = torch.randn(4, 3, dtype=torch.float64, device=device)
    >>> g = torch.randn(4, 3, dtype=torch.float64, device=device)
    >>> w = w0.clone().requires_grad_()
    >>> w.grad = g.clone()
    >>> torch.optim.SGD([w], lr=0.1).step()
    >>> torch.testing.assert_close(sgd_step(w0, g, lr=0.1), w.detach())

    See Also
    --------
    momentum_step : SGD with a velocity.
    """
    param = check_tensor(param, "param")
    grad = _check_like(grad, "grad", param, "param")
    lr = _check_lr(lr)
    return param - lr * grad  # ω_t = ω_{t−1} − η g_t


def momentum_step(param: Tensor, grad: Tensor, velocity: Tensor, lr: float,
                  beta: float) -> tuple[Tensor, Tensor]:
    r"""One step of gradient descent with momentum, the velocity being an EMA of the gradients.

    $$
    V_t = \beta V_{t-1} + (1 - \beta) g_t
    $$

    $$
    \omega_t = \omega_{t-1} - \eta V_t
    $$

    Parameters
    ----------
    param : Tensor
        The parameters $\omega_{t-1}$, any shape, floating point.
    grad : Tensor
        The gradient $g_t$, same shape, dtype and device as `param`.
    velocity : Tensor
        The velocity $V_{t-1}$, same shape, dtype and device as `param`; zeros before the first step.
    lr : float
        Learning rate $\eta \ge 0$.
    beta : float
        Momentum $\beta \in [0, 1)$; $\beta = 0$ is plain SGD.

    Returns
    -------
    tuple of Tensor
        `(param, velocity)`: $\omega_t$ and $V_t$.

    Notes
    -----
    `torch.optim.SGD(params, lr, momentum=β, dampening=d)` keeps a buffer $b_t = \beta b_{t-1} + (1 - d) g_t$
    (`state["momentum_buffer"]`) and steps $\omega_t = \omega_{t-1} - \mathrm{lr}\, b_t$, except that on its
    first step, when it has no buffer yet, it sets $b_1 = g_1$ **undampened**. Its defaults
    (`dampening=0`) make $b_t$ a sum, not an average, of the gradients. Two ways to agree with the form above:

    - From a fresh optimizer ($V_0 = 0$): `SGD(lr=η(1 − β), momentum=β, dampening=0)`. Then
      $b_t = V_t / (1 - \beta)$ for every $t \ge 1$ (also $b_1 = g_1$), so the parameters are the same from
      the first step on and $V_t = (1 - \beta)\, b_t$. Equal to rounding ($\eta(1 - \beta)$ is rounded once).
    - From a given velocity: `SGD(lr=η, momentum=β, dampening=β)` with `state["momentum_buffer"] = V`
      preloaded. Then $b_t = V_t$. A preloaded zero buffer works from the first step too; without it the
      undampened first step gives $b_1 = g_1 \neq (1 - \beta) g_1$.

    With `momentum=0` torch keeps no buffer at all (plain SGD); its parameters still agree with $\beta = 0$
    here, whose velocity is just $g_t$. Both ways agree to rounding, not bit for bit (torch's
    `add_(…, alpha=…)` is a fused multiply-add on CPU).

    The other common form, $v_t = \gamma v_{t-1} + \eta g_t$ and $\theta_t = \theta_{t-1} - v_t$, is torch's
    default with $v_t = \eta\, b_t$ and $\gamma = \beta$: the form above with the learning rate
    $\eta / (1 - \beta)$.
    `sgd_momentum_step` implements that form.

    Examples
    --------
    A fresh `torch.optim.SGD` with the learning rate scaled by $1 - \beta$, over 100 steps:

    >>> lr, beta = 0.1, 0.9
    >>> gs = torch.randn(100, 5, dtype=torch.float64, device=device)
    >>> w = torch.zeros(5, dtype=torch.float64, device=device, requires_grad=True)
    >>> sgd = torch.optim.SGD([w], lr=lr * (1 - beta), momentum=beta, dampening=0)
    >>> ours, v = torch.zeros_like(w.detach()), torch.zeros_like(w.detach())
    >>> for g in gs:
    ...     w.grad = g.clone()
    ...     sgd.step()
    ...     ours, v = momentum_step(ours, g, v, lr, beta)
    >>> torch.testing.assert_close(ours, w.detach())
    >>> torch.testing.assert_close(v, (1 - beta) * sgd.state[w]["momentum_buffer"])

    `dampening=β` with the velocity preloaded gives the velocity itself:

    >>> v = torch.randn(5, dtype=torch.float64, device=device)
    >>> w = torch.zeros(5, dtype=torch.float64, device=device, requires_grad=True)
    >>> w.grad = gs[0].clone()
    >>> sgd = torch.optim.SGD([w], lr=lr, momentum=beta, dampening=beta)
    >>> sgd.state[w]["momentum_buffer"] = v.clone()
    >>> sgd.step()
    >>> new_w, new_v = momentum_step(torch.zeros_like(v), gs[0], v, lr, beta)
    >>> torch.testing.assert_close(new_w, w.detach())
    >>> torch.testing.assert_close(new_v, sgd.state[w]["momentum_buffer"])

    See Also
    --------
    ema : the moving average the velocity is.
    sgd_momentum_step : the form with the learning rate inside the velocity (torch's, for a constant lr).
    sgd_step : the step without momentum.
    """
    param = check_tensor(param, "param")
    grad = _check_like(grad, "grad", param, "param")
    velocity = _check_like(velocity, "velocity", param, "param")
    lr, beta = _check_lr(lr), _check_beta(beta, "beta")
    velocity = beta * velocity + (1 - beta) * grad  # V_t = β V_{t−1} + (1 − β) g_t
    return param - lr * velocity, velocity  # ω_t = ω_{t−1} − η V_t


def sgd_momentum_step(param: Tensor, grad: Tensor, velocity: Tensor, lr: float,
                      momentum: float) -> tuple[Tensor, Tensor]:
    r"""One step of gradient descent with momentum in the form with the learning rate inside the velocity.

    $$
    v_{t+1} = \gamma v_t + \eta \nabla J(\theta_t)
    $$

    $$
    \theta_{t+1} = \theta_t - v_{t+1}
    $$

    Parameters
    ----------
    param : Tensor
        The parameters $\theta_t$, any shape, floating point.
    grad : Tensor
        The gradient $\nabla J(\theta_t)$, same shape, dtype and device as `param`.
    velocity : Tensor
        The velocity $v_t$, same shape, dtype and device as `param`; zeros before the first step.
    lr : float
        Learning rate $\eta \ge 0$.
    momentum : float
        $\gamma \in [0, 1)$; $\gamma = 0$ is plain SGD.

    Returns
    -------
    tuple of Tensor
        `(param, velocity)`: $\theta_{t+1}$ and $v_{t+1}$.

    Notes
    -----
    This is Polyak's heavy ball as written by Sutskever et al. (2013): the velocity is a decaying *sum* of
    past gradient steps, not an average of gradients. It is `momentum_step` (the average form
    $V_t = \beta V_{t-1} + (1 - \beta) g_t$, $\omega_t = \omega_{t-1} - \eta' V_t$) with $\beta = \gamma$,
    $\eta' = \eta / (1 - \gamma)$ and $v = \eta' V$. The same $\eta$ in both forms therefore gives steps
    $1 / (1 - \gamma)$ times larger here (10 times for $\gamma = 0.9$) wherever the gradient is steady.

    `torch.optim.SGD(params, lr=η, momentum=γ)` (`dampening=0`, `nesterov=False`, the defaults) keeps
    $b_{t+1} = \gamma b_t + g$ in `state["momentum_buffer"]` and steps $\theta_{t+1} = \theta_t - \eta\, b_{t+1}$:
    the learning rate sits outside the buffer. For a constant $\eta$ that is this form with $v = \eta\, b$,
    from the first step on (torch's first buffer is $g$, and $\gamma \cdot 0 + \eta g = \eta g$). When the
    learning rate changes (a scheduler), the two differ: torch applies the new $\eta$ to the whole buffer at
    once, this form only to new gradients. Equal to rounding, not bit for bit.

    Examples
    --------
    A fresh `torch.optim.SGD` with momentum, over 100 steps:

    >>> lr, gamma = 0.01, 0.9
    >>> gs = torch.randn(100, 5, dtype=torch.float64, device=device)
    >>> w = torch.zeros(5, dtype=torch.float64, device=device, requires_grad=True)
    >>> sgd = torch.optim.SGD([w], lr=lr, momentum=gamma)
    >>> ours, v = torch.zeros_like(w.detach()), torch.zeros_like(w.detach())
    >>> for g in gs:
    ...     w.grad = g.clone()
    ...     sgd.step()
    ...     ours, v = sgd_momentum_step(ours, g, v, lr, gamma)
    >>> torch.testing.assert_close(ours, w.detach())
    >>> torch.testing.assert_close(v, lr * sgd.state[w]["momentum_buffer"])

    The average form with the learning rate divided by $1 - \gamma$ takes the same steps:

    >>> theta, V = torch.zeros_like(ours), torch.zeros_like(ours)
    >>> for g in gs:
    ...     theta, V = momentum_step(theta, g, V, lr / (1 - gamma), gamma)
    >>> torch.testing.assert_close(theta, ours)

    See Also
    --------
    momentum_step : the same method with the velocity as an average of the gradients.
    sgd_step : the step without momentum.
    """
    param = check_tensor(param, "param")
    grad = _check_like(grad, "grad", param, "param")
    velocity = _check_like(velocity, "velocity", param, "param")
    lr, momentum = _check_lr(lr), _check_beta(momentum, "momentum")
    velocity = momentum * velocity + lr * grad  # v_{t+1} = γ v_t + η ∇J(θ_t)
    return param - velocity, velocity  # θ_{t+1} = θ_t − v_{t+1}


def adagrad_step(param: Tensor, grad: Tensor, sum_sq: Tensor, lr: float,
                 eps: float = 1e-10) -> tuple[Tensor, Tensor]:
    r"""One AdaGrad step: each coordinate's step shrinks with the sum of all its past squared gradients.

    $$
    G_t = G_{t-1} + g_t^2 = \sum_{k=1}^{t} g_k^2
    $$

    $$
    \omega_t = \omega_{t-1} - \frac{\eta}{\sqrt{G_t} + \varepsilon}\, g_t
    $$

    Parameters
    ----------
    param : Tensor
        The parameters $\omega_{t-1}$, any shape, floating point.
    grad : Tensor
        The gradient $g_t$, same shape, dtype and device as `param`.
    sum_sq : Tensor
        $G_{t-1}$, the sum of the squares of all past gradients (zeros before the first step), non-negative;
        same shape, dtype and device as `param`.
    lr : float
        Learning rate $\eta \ge 0$.
    eps : float, default 1e-10
        $\varepsilon \ge 0$, added to $\sqrt{G_t}$ (outside the square root).

    Returns
    -------
    tuple of Tensor
        `(param, sum_sq)`: $\omega_t$ and $G_t$.

    Notes
    -----
    $G_t$ never decreases, so the effective learning rate $\eta / (\sqrt{G_t} + \varepsilon)$ only shrinks
    and can become too small early in training (what RMSProp fixes).

    `torch.optim.Adagrad(params, lr, eps=1e-10)` agrees with its defaults `lr_decay=0` (otherwise it uses
    $\eta / (1 + (t - 1)\,\mathrm{lr\_decay})$) and `initial_accumulator_value=0` (the $G_0$ of a fresh
    optimizer; a value $c$ there is `sum_sq` filled with $c$); it keeps $G$ in `state["sum"]` and also adds
    $\varepsilon$ outside the square root. Equal to
    rounding: torch's `addcdiv_` rounds differently from the formula as written.

    Examples
    --------
    >>> gs = torch.randn(100, 5, dtype=torch.float64, device=device)
    >>> w = torch.zeros(5, dtype=torch.float64, device=device, requires_grad=True)
    >>> adagrad = torch.optim.Adagrad([w], lr=0.1, lr_decay=0, initial_accumulator_value=0, eps=1e-10)
    >>> ours, G = torch.zeros_like(w.detach()), torch.zeros_like(w.detach())
    >>> for g in gs:
    ...     w.grad = g.clone()
    ...     adagrad.step()
    ...     ours, G = adagrad_step(ours, g, G, lr=0.1)
    >>> torch.testing.assert_close(ours, w.detach())
    >>> torch.testing.assert_close(G, adagrad.state[w]["sum"])
    >>> torch.testing.assert_close(G, (gs**2).sum(0))

    See Also
    --------
    rmsprop_step : an EMA of the squares instead of their sum.
    """
    param = check_tensor(param, "param")
    grad = _check_like(grad, "grad", param, "param")
    sum_sq = _check_like(sum_sq, "sum_sq", param, "param")
    _check_nonnegative(sum_sq, "sum_sq")
    lr, eps = _check_lr(lr), _check_eps(eps)
    sum_sq = sum_sq + grad * grad  # G_t = G_{t−1} + g_t²
    param = param - lr * grad / (torch.sqrt(sum_sq) + eps)  # ω_t = ω_{t−1} − η g_t / (√G_t + ε)
    return param, sum_sq


def rmsprop_step(param: Tensor, grad: Tensor, square_avg: Tensor, lr: float, beta: float,
                 eps: float = 1e-8) -> tuple[Tensor, Tensor]:
    r"""One RMSProp step: AdaGrad with an exponential moving average of the squared gradients.

    $$
    V_t = \beta V_{t-1} + (1 - \beta) g_t^2
    $$

    $$
    \omega_t = \omega_{t-1} - \frac{\eta}{\sqrt{V_t} + \varepsilon}\, g_t
    $$

    Parameters
    ----------
    param : Tensor
        The parameters $\omega_{t-1}$, any shape, floating point.
    grad : Tensor
        The gradient $g_t$, same shape, dtype and device as `param`.
    square_avg : Tensor
        $V_{t-1}$, the moving average of the squared gradients (zeros before the first step), non-negative;
        same shape, dtype and device as `param`.
    lr : float
        Learning rate $\eta \ge 0$.
    beta : float
        Decay $\beta \in [0, 1)$ of the moving average (torch's `alpha`, default 0.99 there).
    eps : float, default 1e-8
        $\varepsilon \ge 0$, added to $\sqrt{V_t}$ (outside the square root).

    Returns
    -------
    tuple of Tensor
        `(param, square_avg)`: $\omega_t$ and $V_t$.

    Notes
    -----
    `torch.optim.RMSprop(params, lr, alpha=β, eps=ε)` is this formula; its decay is called `alpha` (default
    0.99) and its `eps` (default 1e-8) is also added outside the square root. Keep `centered=False`,
    `momentum=0`, `weight_decay=0` (the defaults). It keeps $V$ in `state["square_avg"]`, zeros in a fresh
    optimizer. Equal to rounding (torch's `addcmul_`/`addcdiv_` round differently from the formula as
    written).

    Examples
    --------
    >>> gs = torch.randn(100, 5, dtype=torch.float64, device=device)
    >>> w = torch.zeros(5, dtype=torch.float64, device=device, requires_grad=True)
    >>> rmsprop = torch.optim.RMSprop([w], lr=0.01, alpha=0.9, eps=1e-8)
    >>> ours, V = torch.zeros_like(w.detach()), torch.zeros_like(w.detach())
    >>> for g in gs:
    ...     w.grad = g.clone()
    ...     rmsprop.step()
    ...     ours, V = rmsprop_step(ours, g, V, lr=0.01, beta=0.9)
    >>> torch.testing.assert_close(ours, w.detach())
    >>> torch.testing.assert_close(V, rmsprop.state[w]["square_avg"])

    See Also
    --------
    adagrad_step : the sum of the squares instead of their average.
    adam_step : RMSProp plus momentum, bias-corrected.
    """
    param = check_tensor(param, "param")
    grad = _check_like(grad, "grad", param, "param")
    square_avg = _check_like(square_avg, "square_avg", param, "param")
    _check_nonnegative(square_avg, "square_avg")
    lr, beta, eps = _check_lr(lr), _check_beta(beta, "beta"), _check_eps(eps)
    square_avg = beta * square_avg + (1 - beta) * grad * grad  # V_t = β V_{t−1} + (1 − β) g_t²
    param = param - lr * grad / (torch.sqrt(square_avg) + eps)  # ω_t = ω_{t−1} − η g_t / (√V_t + ε)
    return param, square_avg


def adam_step(param: Tensor, grad: Tensor, exp_avg: Tensor, exp_avg_sq: Tensor, step: int, lr: float = 1e-3,
              betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> tuple[Tensor, Tensor, Tensor]:
    r"""One Adam step: momentum and RMSProp, both bias-corrected.

    $$
    m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t
    $$

    $$
    v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2
    $$

    $$
    \hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t}
    $$

    $$
    \omega_t = \omega_{t-1} - \frac{\eta}{\sqrt{\hat v_t} + \varepsilon}\, \hat m_t
    $$

    Parameters
    ----------
    param : Tensor
        The parameters $\omega_{t-1}$, any shape, floating point.
    grad : Tensor
        The gradient $g_t$, same shape, dtype and device as `param`.
    exp_avg : Tensor
        First moment $m_{t-1}$ (zeros before the first step); same shape, dtype and device as `param`.
    exp_avg_sq : Tensor
        Second moment $v_{t-1}$ (zeros before the first step), non-negative; same shape, dtype and device.
    step : int
        The number $t \ge 1$ of this step: 1 on the first call, counting up by one.
    lr : float, default 1e-3
        Learning rate $\eta \ge 0$.
    betas : tuple of float, default (0.9, 0.999)
        $(\beta_1, \beta_2)$, each in $[0, 1)$.
    eps : float, default 1e-8
        $\varepsilon \ge 0$, added to $\sqrt{\hat v_t}$.

    Returns
    -------
    tuple of Tensor
        `(param, exp_avg, exp_avg_sq)`: $\omega_t$, $m_t$ and $v_t$ (the moments *before* bias correction,
        as torch stores them).

    Notes
    -----
    `torch.optim.Adam(params, lr, betas, eps)` with its defaults (`weight_decay=0`, `amsgrad=False`) is this
    formula; the state keeps torch's names `exp_avg` ($m$), `exp_avg_sq` ($v$) and `step` ($t$, counted from
    1 as here). It evaluates it in a rearranged but mathematically identical way:
    $m_t$ as `exp_avg.lerp_(grad, 1 - β1)` $= m_{t-1} + (1 - \beta_1)(g_t - m_{t-1})$, and the update as
    `step_size = lr / (1 - β1**t)`, `denom = sqrt(v_t) / sqrt(1 - β2**t) + eps`,
    $\omega_t = \omega_{t-1} - \mathrm{step\_size} \cdot m_t / \mathrm{denom}$, since
    $\sqrt{\hat v_t} = \sqrt{v_t} / \sqrt{1 - \beta_2^t}$. $\varepsilon$ sits in the same place
    ($\sqrt{\hat v_t} + \varepsilon$), so no argument needs changing. The results agree to rounding, not
    bit for bit: a few units in the last place per step (the test suite holds 200-step float64 trajectories
    of a fresh `torch.optim.Adam` to `rtol=1e-12, atol=1e-14`).

    Like torch, this function takes the square root before dividing by $\sqrt{1 - \beta_2^t}$: forming
    $\hat v_t$ itself would overflow to `inf` (and give a zero step) for gradients above about $10^{19}$ in
    float32, where torch's step is still finite.

    Examples
    --------
    The whole trajectory of a fresh `torch.optim.Adam` (`step` counts from 1):

    >>> gs = torch.randn(200, 5, dtype=torch.float64, device=device)
    >>> w = torch.zeros(5, dtype=torch.float64, device=device, requires_grad=True)
    >>> adam = torch.optim.Adam([w], lr=1e-2, betas=(0.9, 0.999), eps=1e-8)
    >>> ours = torch.zeros_like(w.detach())
    >>> m, v = torch.zeros_like(ours), torch.zeros_like(ours)
    >>> for t, g in enumerate(gs, start=1):
    ...     w.grad = g.clone()
    ...     adam.step()
    ...     ours, m, v = adam_step(ours, g, m, v, t, lr=1e-2)
    ...     torch.testing.assert_close(ours, w.detach())
    >>> torch.testing.assert_close(m, adam.state[w]["exp_avg"])
    >>> torch.testing.assert_close(v, adam.state[w]["exp_avg_sq"])
    >>> int(adam.state[w]["step"])
    200

    See Also
    --------
    ema : the moving average behind both moments, and its bias correction.
    momentum_step : the first moment alone.
    rmsprop_step : the second moment alone, without bias correction.
    """
    param = check_tensor(param, "param")
    grad = _check_like(grad, "grad", param, "param")
    exp_avg = _check_like(exp_avg, "exp_avg", param, "param")
    exp_avg_sq = _check_like(exp_avg_sq, "exp_avg_sq", param, "param")
    _check_nonnegative(exp_avg_sq, "exp_avg_sq")
    t = check_positive_int(step, "step")
    lr, eps = _check_lr(lr), _check_eps(eps)
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    beta1, beta2 = _check_beta(betas[0], "betas[0]"), _check_beta(betas[1], "betas[1]")
    exp_avg = beta1 * exp_avg + (1 - beta1) * grad  # m_t = β₁ m_{t−1} + (1 − β₁) g_t
    exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * grad * grad  # v_t = β₂ v_{t−1} + (1 − β₂) g_t²
    m_hat = exp_avg / (1 - beta1**t)  # m̂_t = m_t / (1 − β₁ᵗ)
    # √v̂_t = √v_t / √(1 − β₂ᵗ), without forming v̂_t (which can overflow)
    sqrt_v_hat = torch.sqrt(exp_avg_sq) / math.sqrt(1 - beta2**t)
    param = param - lr * m_hat / (sqrt_v_hat + eps)  # ω_t = ω_{t−1} − η m̂_t / (√v̂_t + ε)
    return param, exp_avg, exp_avg_sq


# --------------------------------------------------------------------------------------------- clipping
def clip_grad_norm(grads: Sequence[Tensor], max_norm: float,
                   norm_type: float = 2.0) -> tuple[list[Tensor], Tensor]:
    r"""Rescale a list of gradients so that their joint $p$-norm is at most `max_norm`.

    $$
    \lVert g \rVert_p = \Bigl(\sum_{i} \lVert g_i \rVert_p^p\Bigr)^{1/p}
    $$

    $$
    g_i \leftarrow g_i \cdot \min\Bigl(1, \frac{c}{\lVert g \rVert_p + 10^{-6}}\Bigr)
    $$

    Parameters
    ----------
    grads : list or tuple of Tensor
        The gradients $g_1, \dots, g_k$ (any shapes), one floating dtype and one device, at least one tensor.
    max_norm : float
        $c > 0$, the largest joint norm allowed.
    norm_type : float, default 2.0
        $p > 0$, or `math.inf` for the largest absolute value, $\lVert g \rVert_\infty = \max_i \max |g_i|$.

    Returns
    -------
    tuple
        `(clipped_grads, total_norm)`: a new list of tensors (every one scaled by the same factor) and the
        joint norm $\lVert g \rVert_p$ *before* clipping, as a 0-d tensor.

    Notes
    -----
    The joint norm is the norm of all gradients concatenated into one vector, computed as the norm of the
    per-tensor norms, in the same order of operations as torch.

    The textbook rule is $g \leftarrow g \cdot c / \lVert g \rVert$ when $\lVert g \rVert > c$.
    `torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)` adds a fixed $10^{-6}$ to the norm (no
    argument changes it), which keeps a zero gradient finite and makes the clipped norm slightly below $c$
    (by a relative $10^{-6} / \lVert g \rVert_p$). This function does the same; it then matches torch
    **bit for bit**. torch modifies the `.grad` tensors in place; this function returns new tensors.
    torch's default `foreach=None` computes the per-tensor norms with `torch._foreach_norm`, which on CPU
    gives the same bits as `torch.linalg.vector_norm` per tensor (what this function and `foreach=False`
    use); on CUDA it is a different kernel, so `foreach=False` is the bit-exact counterpart there. For
    `norm_type=inf` an empty gradient counts as norm 0 (torch raises on it).

    Examples
    --------
    >>> grads = [torch.randn(3, 4, dtype=torch.float64, device=device),
    ...          torch.randn(5, dtype=torch.float64, device=device)]
    >>> params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    >>> for p, g in zip(params, grads):
    ...     p.grad = g.clone()
    >>> total = nn.utils.clip_grad_norm_(params, max_norm=1.0, foreach=False)
    >>> clipped, ours = clip_grad_norm(grads, max_norm=1.0)
    >>> torch.equal(ours, total) and all(torch.equal(c, p.grad) for c, p in zip(clipped, params))
    True
    >>> round(torch.cat([c.flatten() for c in clipped]).norm().item(), 5)
    1.0

    See Also
    --------
    sgd_step : the step the clipped gradients usually feed.
    """
    if not isinstance(grads, (list, tuple)):
        raise TypeError(f"grads must be a list or tuple of tensors, got {type(grads).__name__}")
    if len(grads) == 0:
        raise ValueError("grads must hold at least one tensor, got an empty sequence")
    for i, g in enumerate(grads):
        check_tensor(g, f"grads[{i}]")
        if g.dtype != grads[0].dtype or g.device != grads[0].device:
            raise ValueError(f"grads must share one dtype and device: grads[0] is {grads[0].dtype} on "
                             f"{grads[0].device}, grads[{i}] is {g.dtype} on {g.device}")
    max_norm = check_number(max_norm, "max_norm", low=0.0, low_open=True)
    norm_type = check_number(norm_type, "norm_type", low=0.0, low_open=True)
    if norm_type == math.inf:
        norms = torch.stack([g.abs().amax() if g.numel() else g.new_zeros(()) for g in grads])  # max |g_i|
        total_norm = norms.amax()  # ‖g‖_∞ = max_i max |g_i|
    else:
        norms = torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads])  # ‖g_i‖_p
        total_norm = torch.linalg.vector_norm(norms, norm_type)  # ‖g‖_p = ‖(‖g_1‖_p, …, ‖g_k‖_p)‖_p
    clip_coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)  # min(1, c / (‖g‖_p + 10⁻⁶))
    return [g * clip_coef for g in grads], total_norm  # g_i ← g_i · min(1, c / (‖g‖_p + 10⁻⁶))
