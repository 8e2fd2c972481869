r"""Loss functions: how far a prediction is from its target.

Chapter: [Loss functions](../losses.md). Every function is built from elementary tensor operations, takes
torch's `reduction` argument (`"mean"`, `"sum"` or `"none"`) where torch has one, and is verified against the
matching `torch.nn` loss.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from dlref._checks import check_number, check_reduction, check_same_shape, check_tensor
from dlref.activations import log_softmax

__all__ = [
    "cross_entropy",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "l1_loss",
    "mse_loss",
    "huber_loss",
    "smooth_l1_loss",
    "triplet_margin_loss",
    "sum_squared_error",
]


# ---------------------------------------------------------------------------------------- helpers
def _apply_loss_reduction(loss: Tensor, reduction: str) -> Tensor:
    """Average, sum or keep the per-element losses, as torch's `reduction` argument does."""
    reduction = check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()  # (1/n) Σ_i ℓ_i
    if reduction == "sum":
        return loss.sum()  # Σ_i ℓ_i
    return loss  # "none": ℓ_i as they are


def _check_unit_interval(t: Tensor, name: str) -> None:
    """Raise ``ValueError`` unless every entry of ``t`` is a probability in [0, 1] (NaN is not)."""
    if t.numel() and not bool(((t >= 0) & (t <= 1)).all()):
        lo, hi = float(t.min()), float(t.max())
        raise ValueError(f"{name} must hold probabilities in [0, 1], got values in [{lo:g}, {hi:g}]")


def _check_input_target(input: Tensor, target: Tensor, reduction: str) -> tuple[Tensor, Tensor]:
    """The checks shared by the elementwise losses: two float tensors of one shape, a known reduction."""
    check_reduction(reduction)
    input = check_tensor(input, "input")
    target = check_tensor(target, "target")
    check_same_shape(input, target, "input", "target")
    return input, target


# ---------------------------------------------------------------------------------------- classification
def cross_entropy(logits: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    r"""Cross-entropy of the softmax of `logits` against class indices or class probabilities.

    $$
    p_{n,i} = \mathrm{Softmax}(z_n)_i = \frac{e^{z_{n,i}}}{\sum_{j=1}^{C} e^{z_{n,j}}}
    $$

    $$
    \mathcal{L} = -\frac{1}{N} \sum_{n=1}^{N} \sum_{i=1}^{C} y_{n,i} \log p_{n,i}
    $$

    With class indices $c_n$ the target $y_n$ is one-hot and the inner sum keeps one term:

    $$
    \mathcal{L} = -\frac{1}{N} \sum_{n=1}^{N} \log p_{n,c_n}
    $$

    For one sample ($N = 1$) the notes write the output probabilities as $y_k$ and the one-hot target as
    $t_k$:

    $$
    E = -\sum_{k} t_k \log y_k
    $$

    Parameters
    ----------
    logits : Tensor
        Unnormalised scores $z$ of shape `(N, C)`, floating point.
    target : Tensor
        Either class indices $c_n$ of shape `(N,)`, integer dtype, each in `[0, C)`; or class probabilities
        $y_{n,i}$ of shape `(N, C)`, floating point, each in $[0, 1]$ (rows usually sum to 1, e.g. label
        smoothing; this is not required).
    reduction : {"mean", "sum", "none"}, default "mean"
        `"mean"` divides the sum over samples by $N$ (for both kinds of target), `"sum"` drops the
        $\frac{1}{N}$, `"none"` returns the $N$ per-sample losses.

    Returns
    -------
    Tensor
        A 0-d tensor, or shape `(N,)` with `reduction="none"`.

    Notes
    -----
    The notes' formula is written with the probabilities $p = \mathrm{Softmax}(z)$, but
    `nn.CrossEntropyLoss` takes the **logits** $z$: it applies `log_softmax` itself and then the negative
    log-likelihood. dlref does the same (via [`log_softmax`][dlref.activations.log_softmax], stable for
    logits of any size). Passing probabilities to `nn.CrossEntropyLoss` applies a second softmax and gives
    a different, wrong loss. With `weight=w` and class indices, torch's `"mean"` is a weighted mean: it
    divides $\sum_n w_{c_n} \ell_n$ by $\sum_n w_{c_n}$, not by $N$ (with probability targets it divides
    by $N$). With default arguments (`weight=None`, `label_smoothing=0.0`) torch agrees; its default
    `ignore_index=-100` never applies because dlref rejects negative class indices. Unlike torch, dlref
    also rejects probability targets outside $[0, 1]$.

    Examples
    --------
    The difference described in the Notes:

    >>> z = torch.randn(4, 3, dtype=torch.float64, device=device)
    >>> y = torch.softmax(torch.randn(4, 3, dtype=torch.float64, device=device), dim=1)
    >>> p = torch.softmax(z, dim=1)
    >>> notes = -(y * torch.log(p)).sum(dim=1).mean()  # the notes' formula, on probabilities
    >>> torch.testing.assert_close(nn.CrossEntropyLoss()(z, y), notes)  # torch: on logits
    >>> bool(torch.isclose(nn.CrossEntropyLoss()(p, y), notes))  # probabilities in: softmax twice, wrong
    False

    Agreement with torch:

    >>> z = torch.randn(5, 4, dtype=torch.float64, device=device) * 100
    >>> c = torch.tensor([0, 3, 1, 1, 2], device=device)
    >>> torch.testing.assert_close(cross_entropy(z, c), nn.CrossEntropyLoss()(z, c))
    >>> y = torch.softmax(torch.randn(5, 4, dtype=torch.float64, device=device), dim=1)
    >>> torch.testing.assert_close(cross_entropy(z, y, reduction="none"),
    ...                            nn.CrossEntropyLoss(reduction="none")(z, y))

    See Also
    --------
    dlref.activations.log_softmax : $\log p_{n,i}$.
    dlref.activations.softmax_cross_entropy_grad : its gradient, $p - y$.
    binary_cross_entropy : the two-class case with one probability per sample.
    """
    check_reduction(reduction)
    logits = check_tensor(logits, "logits", ndim=2)
    target = check_tensor(target, "target", floating=False, ndim=(1, 2))
    n, c = logits.shape
    if target.dim() == 1:
        if target.dtype == torch.bool or target.is_floating_point() or target.is_complex():
            raise TypeError(f"target of shape (N,) must hold integer class indices, got dtype {target.dtype}")
        if target.shape[0] != n:
            raise ValueError(f"target must have shape ({n},) to match logits {tuple(logits.shape)}, "
                             f"got {tuple(target.shape)}")
        if target.numel() and (target.min() < 0 or target.max() >= c):
            raise ValueError(f"target must hold class indices in [0, {c}), "
                             f"got values in [{int(target.min())}, {int(target.max())}]")
    else:
        if not target.is_floating_point():
            raise TypeError(f"target of shape (N, C) must hold class probabilities (floating point), "
                            f"got dtype {target.dtype}")
        check_same_shape(logits, target, "logits", "target")
        _check_unit_interval(target, "target")
    log_p = log_softmax(logits, dim=1)  # log p_{n,i} = z_{n,i} − log Σ_j e^{z_{n,j}}
    if target.dim() == 1:
        loss = -log_p[torch.arange(n, device=logits.device), target.long()]  # −log p_{n,c_n}: y_n one-hot
    else:
        loss = -(target * log_p).sum(dim=1)  # −Σ_i y_{n,i} log p_{n,i}
    return _apply_loss_reduction(loss, reduction)  # mean: (1/N) Σ_n


def binary_cross_entropy(p: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    r"""Binary cross-entropy of predicted probabilities $p$ against targets $y$.

    $$
    \ell_i = -y_i \log p_i - (1 - y_i) \log(1 - p_i)
    $$

    $$
    \mathcal{L} = \frac{1}{n} \sum_{i=1}^{n} \ell_i
    $$

    Parameters
    ----------
    p : Tensor
        Predicted probabilities (e.g. the output of a sigmoid), any shape, floating point, in $[0, 1]$.
    target : Tensor
        Targets $y$, same shape as `p`, in $[0, 1]$ (usually 0 or 1).
    reduction : {"mean", "sum", "none"}, default "mean"
        `"mean"` gives $\mathcal{L}$, `"sum"` $\sum_i \ell_i$, `"none"` every $\ell_i$.

    Returns
    -------
    Tensor
        A 0-d tensor, or the shape of `p` with `reduction="none"`.

    Notes
    -----
    At $p_i = 0$ or $p_i = 1$ the formula contains $0 \cdot \log 0$ or $1 \cdot \log 0 = -\infty$.
    `nn.BCELoss` clamps each logarithm to $\ge -100$, so a confidently wrong prediction costs 100 instead
    of $\infty$ and a confidently right one costs 0; dlref applies the same clamp
    ($\max(\log p, -100)$, $\max(\log(1 - p), -100)$, the latter as `log1p(-p)` like torch). No argument
    of torch turns the clamp off. Its gradient differs near the ends: torch's backward is
    $(p - y) / \max(p(1 - p), 10^{-12})$, which is the derivative only where $p(1 - p) \ge 10^{-12}$ and
    no logarithm is clamped; dlref's autograd differentiates the clamped formula (a clamped logarithm
    contributes 0; so does $\log p$ for float32 subnormals $p < 1.2 \cdot 10^{-38}$, where $1/p$
    overflows). For logits, prefer
    [`binary_cross_entropy_with_logits`][dlref.losses.binary_cross_entropy_with_logits].

    Examples
    --------
    The difference described in the Notes:

    >>> p = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=torch.float64, device=device)
    >>> y = torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=torch.float64, device=device)
    >>> nn.BCELoss(reduction="none")(p, y).abs()  # the formula gives inf, inf, nan, nan here
    tensor([100., 100.,   0.,   0.], dtype=torch.float64)
    >>> torch.testing.assert_close(binary_cross_entropy(p, y, reduction="none"),
    ...                            nn.BCELoss(reduction="none")(p, y))

    Agreement with torch:

    >>> p = torch.rand(4, 5, dtype=torch.float64, device=device)
    >>> y = (torch.rand(4, 5, dtype=torch.float64, device=device) > 0.5).double()
    >>> torch.testing.assert_close(binary_cross_entropy(p, y), nn.BCELoss()(p, y))

    See Also
    --------
    binary_cross_entropy_with_logits : the same loss, from logits, without any clamp.
    cross_entropy : the multi-class loss.
    """
    check_reduction(reduction)
    p = check_tensor(p, "p")
    target = check_tensor(target, "target")
    check_same_shape(p, target, "p", "target")
    _check_unit_interval(p, "p")
    _check_unit_interval(target, "target")
    # Each log is differentiated only where its gradient is finite: not at p = 0 or 1, nor at float32
    # subnormals p where 1/p overflows; there it is a constant (like a clamped log), never inf or nan.
    ok_p, ok_1mp = p >= torch.finfo(p.dtype).tiny, p < 1
    log_p = torch.where(ok_p, torch.log(torch.where(ok_p, p, 1.0)), torch.log(p.detach()))
    log_1mp = torch.where(ok_1mp, torch.log1p(-torch.where(ok_1mp, p, 0.0)), -100.0)
    log_p, log_1mp = log_p.clamp(min=-100), log_1mp.clamp(min=-100)  # max(log p, −100), max(log(1 − p), −100)
    loss = (target - 1) * log_1mp - target * log_p  # ℓ = −y log p − (1 − y) log(1 − p)
    return _apply_loss_reduction(loss, reduction)


def binary_cross_entropy_with_logits(logits: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    r"""Binary cross-entropy of $\sigma(x)$ against $y$, computed from the logits $x$.

    $$
    \ell_i = -y_i \log \sigma(x_i) - (1 - y_i) \log\bigl(1 - \sigma(x_i)\bigr)
    $$

    $$
    \ell_i = (1 - y_i)\, x_i + \log\bigl(1 + e^{-x_i}\bigr)
    $$

    The second line is the same number ($\log(1 - \sigma(x)) = -x + \log \sigma(x)$ and
    $-\log \sigma(x) = \log(1 + e^{-x})$), written without $\sigma$.

    Parameters
    ----------
    logits : Tensor
        Logits $x$, any shape, floating point.
    target : Tensor
        Targets $y$, same shape as `logits`, in $[0, 1]$ (usually 0 or 1).
    reduction : {"mean", "sum", "none"}, default "mean"
        `"mean"` averages the $\ell_i$, `"sum"` adds them, `"none"` returns them.

    Returns
    -------
    Tensor
        A 0-d tensor, or the shape of `logits` with `reduction="none"`.

    Notes
    -----
    Computed stably: $\log(1 + e^{-x})$ is evaluated as $\log(1 + e^{-x})$ for $x \ge 0$ and as
    $-x + \log(1 + e^{x})$ for $x < 0$ (`log1p` of a number in $(0, 1]$), which is the same as
    $\max(x, 0) - x y + \log(1 + e^{-|x|})$. So the loss is finite and exact for logits of $\pm 10^4$,
    where `nn.BCELoss()(torch.sigmoid(x), y)` saturates at its clamp of 100 (see
    [`binary_cross_entropy`][dlref.losses.binary_cross_entropy]). The two branches (rather than
    `abs` and `max`) keep the gradient at $x = 0$ equal to $\sigma(0) - y$. `nn.BCEWithLogitsLoss()` with
    default arguments (`weight=None`, `pos_weight=None`) agrees; unlike torch, dlref rejects targets outside
    $[0, 1]$.

    Examples
    --------
    The difference described in the Notes:

    >>> x = torch.tensor([-1e4, 1e4, 40.0], dtype=torch.float64, device=device)
    >>> y = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64, device=device)
    >>> nn.BCEWithLogitsLoss(reduction="none")(x, y)
    tensor([10000., 10000.,    40.], dtype=torch.float64)
    >>> nn.BCELoss(reduction="none")(torch.sigmoid(x), y)  # σ(40) rounds to 1: clamped at 100
    tensor([100., 100., 100.], dtype=torch.float64)
    >>> torch.testing.assert_close(binary_cross_entropy_with_logits(x, y, reduction="none"),
    ...                            nn.BCEWithLogitsLoss(reduction="none")(x, y))

    Agreement with torch:

    >>> x = torch.randn(4, 5, dtype=torch.float64, device=device) * 10
    >>> y = torch.rand(4, 5, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(binary_cross_entropy_with_logits(x, y), nn.BCEWithLogitsLoss()(x, y))

    See Also
    --------
    binary_cross_entropy : the same loss from probabilities.
    dlref.activations.sigmoid : $\sigma(x)$.
    """
    check_reduction(reduction)
    logits = check_tensor(logits, "logits")
    target = check_tensor(target, "target")
    check_same_shape(logits, target, "logits", "target")
    _check_unit_interval(target, "target")
    pos, neg = logits.clamp(min=0), logits.clamp(max=0)  # each branch only sees the inputs it is used for
    softplus_neg = torch.where(
        logits >= 0,
        torch.log1p(torch.exp(-pos)),  # log(1 + e^{−x})            for x ≥ 0
        -neg + torch.log1p(torch.exp(neg)),  # −x + log(1 + e^{x})  for x < 0
    )
    loss = (1 - target) * logits + softplus_neg  # ℓ = (1 − y) x + log(1 + e^{−x})
    return _apply_loss_reduction(loss, reduction)


# ---------------------------------------------------------------------------------------- regression
def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    r"""Mean absolute error (L1 loss).

    $$
    \mathcal{L} = \frac{1}{n} \sum_{i=1}^{n} \left| y_i - \hat{y}_i \right|
    $$

    Parameters
    ----------
    input : Tensor
        Predictions $\hat{y}$, any shape, floating point.
    target : Tensor
        Targets $y$, same shape as `input`.
    reduction : {"mean", "sum", "none"}, default "mean"
        `"mean"` gives $\mathcal{L}$, `"sum"` drops the $\frac{1}{n}$, `"none"` returns every
        $|y_i - \hat{y}_i|$.

    Returns
    -------
    Tensor
        A 0-d tensor, or the shape of `input` with `reduction="none"`.

    Notes
    -----
    The gradient at $\hat{y}_i = y_i$ is 0 (the sign of 0), as in torch. torch broadcasts `input` and
    `target` of different shapes (with a warning); dlref requires the same shape.

    Examples
    --------
    >>> x, y = torch.randn(2, 3, 4, dtype=torch.float64, device=device).unbind(0)
    >>> torch.testing.assert_close(l1_loss(x, y), nn.L1Loss()(x, y), rtol=0.0, atol=0.0)

    See Also
    --------
    mse_loss : the squared error.
    huber_loss : quadratic near 0, linear far away.
    """
    input, target = _check_input_target(input, target, reduction)
    return _apply_loss_reduction((input - target).abs(), reduction)  # |y_i − ŷ_i|


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    r"""Mean squared error (L2 loss).

    $$
    \mathcal{L} = \frac{1}{n} \sum_{i=1}^{n} \bigl(y_i - \hat{y}_i\bigr)^2
    $$

    The notes also write it with the prediction $\tilde{y}$:

    $$
    J(y, \tilde{y}) = \frac{1}{n} \sum_{i=1}^{n} \bigl(y_i - \tilde{y}_i\bigr)^2
    $$

    Parameters
    ----------
    input : Tensor
        Predictions $\hat{y}$, any shape, floating point.
    target : Tensor
        Targets $y$, same shape as `input`.
    reduction : {"mean", "sum", "none"}, default "mean"
        `"mean"` gives $\mathcal{L}$, `"sum"` drops the $\frac{1}{n}$, `"none"` returns every
        $(y_i - \hat{y}_i)^2$.

    Returns
    -------
    Tensor
        A 0-d tensor, or the shape of `input` with `reduction="none"`.

    Notes
    -----
    The mean runs over **all** elements (for `(N, D)` predictions, $n = N \cdot D$), not over samples.
    `nn.MSELoss()` agrees with default arguments; torch broadcasts different shapes (with a warning),
    dlref requires the same shape.

    Examples
    --------
    >>> x = torch.tensor([[0.0, 1.0, 2.0]], dtype=torch.float64, device=device)
    >>> y = torch.tensor([[1.0, -1.0, 0.0]], dtype=torch.float64, device=device)
    >>> mse_loss(x, y)  # (1 + 4 + 4) / 3
    tensor(3., dtype=torch.float64)
    >>> torch.testing.assert_close(mse_loss(x, y), nn.MSELoss()(x, y), rtol=0.0, atol=0.0)

    See Also
    --------
    sum_squared_error : $\frac{1}{2}$ times the sum instead of the mean.
    l1_loss : the absolute error.
    """
    input, target = _check_input_target(input, target, reduction)
    return _apply_loss_reduction((input - target) ** 2, reduction)  # (y_i − ŷ_i)²


def huber_loss(input: Tensor, target: Tensor, delta: float = 1.0, reduction: str = "mean") -> Tensor:
    r"""Huber loss: squared error for small errors, absolute error (times $\delta$) for large ones.

    $$
    \ell_i =
    \begin{cases}
    \frac{1}{2} (y_i - \hat{y}_i)^2, & |y_i - \hat{y}_i| \le \delta \\
    \delta \, |y_i - \hat{y}_i| - \frac{1}{2} \delta^2, & |y_i - \hat{y}_i| > \delta
    \end{cases}
    $$

    Parameters
    ----------
    input : Tensor
        Predictions $\hat{y}$, any shape, floating point.
    target : Tensor
        Targets $y$, same shape as `input`.
    delta : float, default 1.0
        The threshold $\delta > 0$ between the quadratic and the linear part.
    reduction : {"mean", "sum", "none"}, default "mean"
        `"mean"` averages the $\ell_i$, `"sum"` adds them, `"none"` returns them.

    Returns
    -------
    Tensor
        A 0-d tensor, or the shape of `input` with `reduction="none"`.

    Notes
    -----
    The notes head this formula "Huber Loss / Smooth L1", but torch has two different losses:
    `nn.HuberLoss(delta=δ)` is the formula above, while `nn.SmoothL1Loss(beta=β)` is
    ([`smooth_l1_loss`][dlref.losses.smooth_l1_loss]) the Huber loss **divided by** $\beta$ (its linear
    part has slope 1, not $\delta$). They coincide only for $\delta = \beta = 1$, the default of both.
    `nn.HuberLoss` agrees with this function for the same `delta`; it requires $\delta > 0$, as does dlref.

    Examples
    --------
    The difference described in the Notes:

    >>> x, y = torch.randn(2, 10, dtype=torch.float64, device=device).unbind(0)
    >>> torch.testing.assert_close(nn.HuberLoss(delta=0.5)(x, y) / 0.5, nn.SmoothL1Loss(beta=0.5)(x, y))
    >>> torch.testing.assert_close(nn.HuberLoss()(x, y), nn.SmoothL1Loss()(x, y))  # δ = β = 1

    Agreement with torch:

    >>> x, y = (torch.randn(2, 3, 4, dtype=torch.float64, device=device) * 3).unbind(0)
    >>> torch.testing.assert_close(huber_loss(x, y, delta=2.0), nn.HuberLoss(delta=2.0)(x, y))

    See Also
    --------
    smooth_l1_loss : the Huber loss divided by its threshold.
    mse_loss, l1_loss : its two regimes.
    """
    input, target = _check_input_target(input, target, reduction)
    delta = check_number(delta, "delta", low=0.0, low_open=True)
    z = (input - target).abs()  # |y_i − ŷ_i|
    loss = torch.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))  # ½z² if z ≤ δ, else δ(z − ½δ)
    return _apply_loss_reduction(loss, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, beta: float = 1.0, reduction: str = "mean") -> Tensor:
    r"""Smooth L1 loss: the Huber loss divided by its threshold $\beta$.

    $$
    \ell_i =
    \begin{cases}
    \frac{(y_i - \hat{y}_i)^2}{2 \beta}, & |y_i - \hat{y}_i| < \beta \\
    |y_i - \hat{y}_i| - \frac{1}{2} \beta, & |y_i - \hat{y}_i| \ge \beta
    \end{cases}
    $$

    Parameters
    ----------
    input : Tensor
        Predictions $\hat{y}$, any shape, floating point.
    target : Tensor
        Targets $y$, same shape as `input`.
    beta : float, default 1.0
        The threshold $\beta \ge 0$; $\beta = 0$ gives the L1 loss.
    reduction : {"mean", "sum", "none"}, default "mean"
        `"mean"` averages the $\ell_i$, `"sum"` adds them, `"none"` returns them.

    Returns
    -------
    Tensor
        A 0-d tensor, or the shape of `input` with `reduction="none"`.

    Notes
    -----
    $\mathrm{SmoothL1}_\beta = \mathrm{Huber}_\beta / \beta$ for $\beta > 0$: the linear part has slope 1
    whatever $\beta$, whereas the Huber loss has slope $\delta$. Only $\beta = \delta = 1$ makes them equal;
    the notes' heading "Huber Loss / Smooth L1" holds for that value only. `nn.SmoothL1Loss(beta=β)` agrees
    for the same `beta`; as in torch, $\beta = 0$ is the L1 loss (no division by 0) and $\beta < 0$ is
    rejected.

    Examples
    --------
    The difference described in the Notes:

    >>> x, y = torch.randn(2, 10, dtype=torch.float64, device=device).unbind(0)
    >>> torch.testing.assert_close(smooth_l1_loss(x, y, beta=0.0), nn.L1Loss()(x, y))

    Agreement with torch:

    >>> x, y = (torch.randn(2, 3, 4, dtype=torch.float64, device=device) * 3).unbind(0)
    >>> torch.testing.assert_close(smooth_l1_loss(x, y, beta=0.5), nn.SmoothL1Loss(beta=0.5)(x, y))
    >>> torch.testing.assert_close(smooth_l1_loss(x, y, beta=0.5), huber_loss(x, y, delta=0.5) / 0.5)

    See Also
    --------
    huber_loss : the same shape of loss, scaled by the threshold.
    """
    input, target = _check_input_target(input, target, reduction)
    beta = check_number(beta, "beta", low=0.0)
    z = (input - target).abs()  # |y_i − ŷ_i|
    if beta == 0:
        return _apply_loss_reduction(z, reduction)  # no quadratic zone: the L1 loss (and no 0/0)
    loss = torch.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta)  # z²/(2β) if z < β, else z − ½β
    return _apply_loss_reduction(loss, reduction)


def sum_squared_error(input: Tensor, target: Tensor) -> Tensor:
    r"""Sum of squared errors, halved so that its gradient is $y - t$.

    $$
    E = \frac{1}{2} \sum_{k} (y_k - t_k)^2
    $$

    Parameters
    ----------
    input : Tensor
        Outputs $y$, any shape, floating point.
    target : Tensor
        Targets $t$, same shape as `input`.

    Returns
    -------
    Tensor
        A 0-d tensor, $E \ge 0$.

    Notes
    -----
    The notes write $E = -\frac{1}{2}\sum_k (y_k - t_k)^2$; the minus sign is a mistake (a loss to be
    minimised is $\ge 0$, and its gradient $\partial E / \partial y_k = y_k - t_k$ points away from the
    target). torch has no loss of this name: it is `0.5 * F.mse_loss(input, target, reduction="sum")`.

    Examples
    --------
    >>> y = torch.tensor([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0],
    ...                  dtype=torch.float64, device=device)
    >>> t = torch.zeros(10, dtype=torch.float64, device=device); t[2] = 1
    >>> round(sum_squared_error(y, t).item(), 6)
    0.0975
    >>> torch.equal(sum_squared_error(y, t), 0.5 * F.mse_loss(y, t, reduction="sum"))
    True

    See Also
    --------
    mse_loss : the mean instead of half the sum.
    """
    input, target = _check_input_target(input, target, "sum")
    return 0.5 * ((input - target) ** 2).sum()  # E = ½ Σ_k (y_k − t_k)²


# ---------------------------------------------------------------------------------------- metric learning
def _distance(u: Tensor, v: Tensor, p: float, eps: float) -> Tensor:
    """torch's pairwise distance ‖u − v + ε‖_p over the last dimension, with a 0 (not nan) gradient at 0."""
    diff = (u - v + eps).abs()  # |u_j − v_j + ε|
    if math.isinf(p):
        return diff.amax(dim=-1)  # ‖·‖_∞ = max_j |·|
    nonzero = diff > 0  # 0^p = 0; pow sees only positive numbers: gradient 0 at 0 (not nan for p < 1)
    s = torch.where(nonzero, torch.where(nonzero, diff, 1.0) ** p, 0.0).sum(dim=-1)  # Σ_j |u_j − v_j + ε|^p
    return torch.where(s > 0, torch.where(s > 0, s, 1.0) ** (1 / p), 0.0)  # (Σ_j …)^{1/p}


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2.0, eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    r"""Triplet margin loss: the anchor should be closer to the positive than to the negative, by a margin.

    $$
    \ell_i = \max\bigl(d(a_i, p_i) - d(a_i, n_i) + \mathrm{margin},\ 0\bigr)
    $$

    $$
    d(u, v) = \lVert u - v \rVert_p = \Bigl(\sum_{j=1}^{D} |u_j - v_j|^p\Bigr)^{1/p}
    $$

    Here $a_i$, $p_i$, $n_i$ are the anchor, positive and negative embeddings of triplet $i$; the $p$ of
    the norm is the argument `p`.

    Parameters
    ----------
    anchor, positive, negative : Tensor
        Embeddings of shape `(N, D)` (or `(D,)` for one triplet), floating point, all of the same shape.
    margin : float, default 1.0
        The margin, $> 0$ (torch rejects 0 and negative margins).
    p : float, default 2.0
        The norm degree, $> 0$; `math.inf` gives the maximum norm.
    eps : float, default 1e-6
        $\varepsilon \ge 0$ added to each difference (see Notes).
    reduction : {"mean", "sum", "none"}, default "mean"
        `"mean"` averages the $\ell_i$, `"sum"` adds them, `"none"` returns them.

    Returns
    -------
    Tensor
        A 0-d tensor, or shape `(N,)` with `reduction="none"` (0-d for 1-D inputs).

    Notes
    -----
    torch's distance is $\lVert u - v + \varepsilon \rVert_p$: it adds `eps` (default $10^{-6}$) to every
    component of the difference before taking the norm, so for identical $u = v$ it is
    $\varepsilon D^{1/p}$, not 0. dlref follows torch, so its default differs from the formula by that much;
    `eps=0` gives the formula exactly, in both. `nn.TripletMarginLoss` agrees for the same `margin`, `p`,
    `eps` and `swap=False` (its default; with `swap=True` torch uses $\min(d(a, n), d(p, n))$ as the
    negative distance).

    Examples
    --------
    The difference described in the Notes:

    >>> a, pos, neg = torch.randn(3, 5, 8, dtype=torch.float64, device=device).unbind(0)
    >>> d = lambda u, v: torch.linalg.vector_norm(u - v, ord=2, dim=-1)
    >>> notes = torch.clamp(d(a, pos) - d(a, neg) + 1.0, min=0).mean()
    >>> torch.testing.assert_close(nn.TripletMarginLoss(eps=0.0)(a, pos, neg), notes)
    >>> torch.testing.assert_close(triplet_margin_loss(a, pos, neg, eps=0.0), notes)

    Agreement with torch:

    >>> a, pos, neg = torch.randn(3, 5, 8, dtype=torch.float64, device=device).unbind(0)
    >>> torch.testing.assert_close(triplet_margin_loss(a, pos, neg, margin=0.5, p=1.0),
    ...                            nn.TripletMarginLoss(margin=0.5, p=1.0)(a, pos, neg))

    See Also
    --------
    cross_entropy : a classification loss, for comparison.
    """
    check_reduction(reduction)
    anchor = check_tensor(anchor, "anchor", ndim=(1, 2))
    positive = check_tensor(positive, "positive")
    negative = check_tensor(negative, "negative")
    check_same_shape(anchor, positive, "anchor", "positive")
    check_same_shape(anchor, negative, "anchor", "negative")
    margin = check_number(margin, "margin", low=0.0, low_open=True)
    p = check_number(p, "p", low=0.0, low_open=True)
    eps = check_number(eps, "eps", low=0.0)
    if math.isinf(margin) or math.isinf(eps):
        raise ValueError("margin and eps must be finite")
    d_pos = _distance(anchor, positive, p, eps)  # d(a_i, p_i)
    d_neg = _distance(anchor, negative, p, eps)  # d(a_i, n_i)
    loss = torch.clamp(margin + d_pos - d_neg, min=0)  # ℓ_i = max(d(a_i, p_i) − d(a_i, n_i) + margin, 0)
    return _apply_loss_reduction(loss, reduction)
