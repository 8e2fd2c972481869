r"""Learning-rate schedules: the learning rate after a given number of scheduler steps.

Chapter: [Learning-rate schedulers](../lr-scheduler.md). Each function takes plain numbers and returns the
learning rate that `torch.optim.lr_scheduler` leaves in `optimizer.param_groups[0]["lr"]` after `epoch`
calls of `scheduler.step()` (each preceded by `optimizer.step()`, as torch asks). Epoch 0 is the learning
rate before any step, i.e. the one the first epoch trains with.

Which functions are bit-identical to torch and which agree to rounding:

- `step_lr`, `multistep_lr`, `exponential_lr`: torch multiplies the *current* learning rate by $\gamma$ at
  each decay; dlref does the same multiplications in the same order, so the results are bit-identical.
  The closed form $\eta_0 \gamma^k$ (one `**`) agrees with them only to rounding (a few units in the last
  place).
- `cosine_annealing_lr`: dlref evaluates the closed form; torch updates recursively. They agree to rounding
  (relative to $\eta_{\max}$, about $10^{-13}$ after a few hundred steps).
- `linear_warmup_lr`, `reduce_lr_on_plateau`: bit-identical.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from dlref._checks import check_nonnegative_int, check_number, check_positive_int

__all__ = [
    "step_lr",
    "multistep_lr",
    "exponential_lr",
    "cosine_annealing_lr",
    "linear_warmup_lr",
    "reduce_lr_on_plateau",
]

_MODES = ("min", "max")
_THRESHOLD_MODES = ("rel", "abs")


def _check_lr(v: object, name: str) -> float:
    """A learning rate: a finite real number >= 0 (torch's optimizers reject negative ones)."""
    return check_number(v, name, low=0.0, high=math.inf, high_open=True)


def _check_gamma(v: object) -> float:
    return check_number(v, "gamma", low=0.0, low_open=True, high=math.inf, high_open=True)


def step_lr(epoch: int, lr0: float, step_size: int, gamma: float = 0.1) -> float:
    r"""Step decay: the learning rate is multiplied by $\gamma$ every `step_size` epochs.

    $$
    \eta_t = \eta_0 \, \gamma^{\lfloor t / s \rfloor}
    $$

    Parameters
    ----------
    epoch : int
        $t \ge 0$, the number of scheduler steps taken.
    lr0 : float
        $\eta_0 \ge 0$, the initial learning rate.
    step_size : int
        $s \ge 1$, the period of the decay.
    gamma : float, default 0.1
        $\gamma > 0$, the multiplicative factor.

    Returns
    -------
    float
        $\eta_t$.

    Notes
    -----
    `torch.optim.lr_scheduler.StepLR(opt, step_size, gamma)` is *chainable*: each time $t$ reaches a
    multiple of $s$ it multiplies the current learning rate by $\gamma$, so $\eta_t$ is computed as
    $((\eta_0 \gamma)\gamma)\cdots\gamma$ with $\lfloor t/s \rfloor$ roundings, not as one power. dlref does
    the same multiplications in the same order and is bit-identical to `StepLR`; the closed form
    `lr0 * gamma ** (epoch // step_size)` agrees only to rounding (below: $10^{-5}$ after 4 decays).

    Examples
    --------
    >>> opt = torch.optim.SGD([torch.zeros(1, device=device, requires_grad=True)], lr=0.1)
    >>> sched = torch.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    >>> lrs = [opt.param_groups[0]["lr"]]
    >>> for _ in range(150):
    ...     opt.step()
    ...     sched.step()
    ...     lrs.append(opt.param_groups[0]["lr"])
    >>> [step_lr(t, 0.1, 30) for t in range(151)] == lrs  # bit-identical
    True
    >>> step_lr(120, 0.1, 30), 0.1 * 0.1**4  # chained products vs one power
    (1.0000000000000004e-05, 1.0000000000000003e-05)

    See Also
    --------
    multistep_lr : decay at chosen epochs.
    exponential_lr : decay at every epoch.
    """
    epoch = check_nonnegative_int(epoch, "epoch")
    lr = _check_lr(lr0, "lr0")
    step_size = check_positive_int(step_size, "step_size")
    gamma = _check_gamma(gamma)
    for _ in range(epoch // step_size):  # one decay at each of the ⌊t/s⌋ multiples of s reached so far
        lr = lr * gamma  # η ← γ η, chained as in torch
    return lr


def _check_milestones(milestones: object) -> list[int]:
    if isinstance(milestones, (str, bytes)) or not isinstance(milestones, Sequence):
        raise TypeError(f"milestones must be a list or tuple of ints, got {type(milestones).__name__}")
    ms = [check_nonnegative_int(m, f"milestones[{i}]") for i, m in enumerate(milestones)]
    for i in range(1, len(ms)):
        if ms[i] <= ms[i - 1]:
            raise ValueError(f"milestones must be strictly increasing, got {list(milestones)!r}")
    return ms


def multistep_lr(epoch: int, lr0: float, milestones: Sequence[int], gamma: float = 0.1) -> float:
    r"""Multi-step decay: the learning rate is multiplied by $\gamma$ at each milestone epoch.

    $$
    \eta_t = \eta_0 \, \gamma^{\left|\{ m \in M : m \le t \}\right|}
    $$

    Parameters
    ----------
    epoch : int
        $t \ge 0$, the number of scheduler steps taken.
    lr0 : float
        $\eta_0 \ge 0$, the initial learning rate.
    milestones : sequence of int
        $M$: strictly increasing epochs $\ge 0$ at which the learning rate decays. May be empty.
    gamma : float, default 0.1
        $\gamma > 0$, the multiplicative factor.

    Returns
    -------
    float
        $\eta_t$.

    Notes
    -----
    Like `StepLR`, `torch.optim.lr_scheduler.MultiStepLR(opt, milestones, gamma)` multiplies the current
    learning rate by $\gamma$ at each milestone reached; dlref multiplies in the same order and is
    bit-identical. torch also accepts repeated milestones (decaying by $\gamma^k$ at a milestone listed
    $k$ times); dlref asks for strictly increasing ones. A milestone 0 decays the learning rate already
    at construction, in both.

    Examples
    --------
    >>> opt = torch.optim.SGD([torch.zeros(1, device=device, requires_grad=True)], lr=0.05)
    >>> sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[30, 80], gamma=0.1)
    >>> lrs = [opt.param_groups[0]["lr"]]
    >>> for _ in range(120):
    ...     opt.step()
    ...     sched.step()
    ...     lrs.append(opt.param_groups[0]["lr"])
    >>> [multistep_lr(t, 0.05, [30, 80]) for t in range(121)] == lrs  # bit-identical
    True

    See Also
    --------
    step_lr : decay at every multiple of a period.
    """
    epoch = check_nonnegative_int(epoch, "epoch")
    lr = _check_lr(lr0, "lr0")
    milestones = _check_milestones(milestones)
    gamma = _check_gamma(gamma)
    for m in milestones:
        if m <= epoch:  # a milestone already reached
            lr = lr * gamma  # η ← γ η, chained as in torch
    return lr


def exponential_lr(epoch: int, lr0: float, gamma: float) -> float:
    r"""Exponential decay: the learning rate is multiplied by $\gamma$ at every epoch.

    $$
    \eta_t = \eta_0 \, \gamma^t
    $$

    Parameters
    ----------
    epoch : int
        $t \ge 0$, the number of scheduler steps taken.
    lr0 : float
        $\eta_0 \ge 0$, the initial learning rate.
    gamma : float
        $\gamma > 0$, the multiplicative factor per epoch.

    Returns
    -------
    float
        $\eta_t$.

    Notes
    -----
    `torch.optim.lr_scheduler.ExponentialLR(opt, gamma)` computes $\eta_t = \gamma \, \eta_{t-1}$ at each
    step, i.e. $\gamma^t$ as $t$ chained multiplications. dlref does the same and is bit-identical; the
    closed form `lr0 * gamma ** epoch` differs from it in the last bits (relative difference about
    $10^{-15}$ after a few hundred epochs). The loop costs $O(t)$, negligible for real epoch counts.

    Examples
    --------
    >>> opt = torch.optim.SGD([torch.zeros(1, device=device, requires_grad=True)], lr=0.1)
    >>> sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.95)
    >>> lrs = [opt.param_groups[0]["lr"]]
    >>> for _ in range(150):
    ...     opt.step()
    ...     sched.step()
    ...     lrs.append(opt.param_groups[0]["lr"])
    >>> [exponential_lr(t, 0.1, 0.95) for t in range(151)] == lrs  # bit-identical
    True
    >>> exponential_lr(4, 0.1, 0.95), 0.1 * 0.95**4  # chained products vs one power
    (0.08145062499999998, 0.081450625)

    See Also
    --------
    step_lr : the same decay, once every `step_size` epochs.
    """
    epoch = check_nonnegative_int(epoch, "epoch")
    lr = _check_lr(lr0, "lr0")
    gamma = _check_gamma(gamma)
    for _ in range(epoch):
        lr = lr * gamma  # η_t = γ η_{t−1}, chained as in torch
    return lr


def cosine_annealing_lr(epoch: int, lr_max: float, t_max: int, lr_min: float = 0.0) -> float:
    r"""Cosine annealing: the learning rate follows half a cosine from $\eta_{\max}$ down to $\eta_{\min}$.

    $$
    \eta_t = \eta_{\min} + \frac{1}{2} (\eta_{\max} - \eta_{\min})
    \left(1 + \cos\left(\frac{\pi t}{T_{\max}}\right)\right)
    $$

    Parameters
    ----------
    epoch : int
        $t \ge 0$, the number of scheduler steps taken.
    lr_max : float
        $\eta_{\max} \ge 0$, the initial learning rate (the optimizer's `lr`).
    t_max : int
        $T_{\max} \ge 1$, the number of epochs from $\eta_{\max}$ down to $\eta_{\min}$.
    lr_min : float, default 0.0
        $\eta_{\min} \ge 0$, the learning rate reached at $t = T_{\max}$ (torch's `eta_min`).

    Returns
    -------
    float
        $\eta_t$.

    Notes
    -----
    `torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=t_max, eta_min=lr_min)` does not evaluate this
    closed form: it updates the current learning rate recursively,

    $$
    \eta_t = \eta_{\min} + (\eta_{t-1} - \eta_{\min})
    \frac{1 + \cos(\pi t / T_{\max})}{1 + \cos(\pi (t - 1) / T_{\max})}
    $$

    with an additive step where the denominator vanishes ($t - 1 = T_{\max}, 3T_{\max}, \dots$). The two
    agree to rounding, and the recursion's rounding errors accumulate: measured over 300 random
    configurations of 300 steps, the largest difference was $9.5 \cdot 10^{-14} \, \eta_{\max}$; after 5000
    steps it reached $1.3 \cdot 10^{-12} \, \eta_{\max}$. So the comparison uses a tolerance, not equality.

    Past $T_{\max}$ neither stays at $\eta_{\min}$: the formula (and torch) keeps following the cosine,
    which climbs back to $\eta_{\max}$ at $t = 2T_{\max}$ and repeats with period $2T_{\max}$ (no warm
    restart: the rise is as smooth as the fall). To end at $\eta_{\min}$, take $T_{\max}$ = the number of
    training epochs.

    Examples
    --------
    >>> opt = torch.optim.SGD([torch.zeros(1, device=device, requires_grad=True)], lr=0.1)
    >>> sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=40, eta_min=0.001)
    >>> lrs = [opt.param_groups[0]["lr"]]
    >>> for _ in range(120):
    ...     opt.step()
    ...     sched.step()
    ...     lrs.append(opt.param_groups[0]["lr"])
    >>> ours = torch.tensor([cosine_annealing_lr(t, 0.1, 40, 0.001) for t in range(121)], dtype=torch.float64)
    >>> torch.testing.assert_close(ours, torch.tensor(lrs, dtype=torch.float64), rtol=1e-12, atol=1e-14)
    >>> round(cosine_annealing_lr(40, 0.1, 40, 0.001), 12), round(cosine_annealing_lr(80, 0.1, 40, 0.001), 12)
    (0.001, 0.1)

    See Also
    --------
    linear_warmup_lr : a warm-up often placed before the annealing.
    """
    epoch = check_nonnegative_int(epoch, "epoch")
    lr_max = _check_lr(lr_max, "lr_max")
    t_max = check_positive_int(t_max, "t_max")
    lr_min = _check_lr(lr_min, "lr_min")
    # η_t = η_min + ½ (η_max − η_min)(1 + cos(π t / T_max)), in the operation order of torch's closed form
    return lr_min + (lr_max - lr_min) * (1 + math.cos(math.pi * epoch / t_max)) / 2


def linear_warmup_lr(epoch: int, lr0: float, warmup_epochs: int) -> float:
    r"""Linear warm-up: the learning rate grows linearly from 0 to $\eta_0$ over `warmup_epochs`, then stays.

    $$
    \eta_t = \eta_0 \min\left(\frac{t}{T_{\mathrm{warmup}}}, 1\right)
    $$

    Parameters
    ----------
    epoch : int
        $t \ge 0$, the number of scheduler steps taken.
    lr0 : float
        $\eta_0 \ge 0$, the learning rate after the warm-up.
    warmup_epochs : int
        $T_{\mathrm{warmup}} \ge 0$; 0 means no warm-up ($\eta_t = \eta_0$).

    Returns
    -------
    float
        $\eta_t$.

    Notes
    -----
    torch has no dedicated class; `torch.optim.lr_scheduler.LambdaLR(opt, lambda t: min(t / w, 1.0))`
    (with `lambda t: 1.0` for $w = 0$) gives the same values, bit-identical. `LinearLR(opt,
    start_factor, total_iters=w)` cannot start at exactly 0 (`start_factor` must be $> 0$).

    At $t = 0$ the learning rate is 0, so the first epoch (the one trained before the first
    `scheduler.step()`) does not change the weights at all. The warm-up loop in the notes, which sets
    `lr = base_lr * min(epoch / warmup_epochs, 1.0)` at the start of each epoch, wastes its first epoch in
    the same way. Using $t + 1$ instead of $t$ (`linear_warmup_lr(epoch + 1, ...)`) starts at
    $\eta_0 / T_{\mathrm{warmup}}$ and reaches $\eta_0$ one epoch earlier.

    Examples
    --------
    >>> opt = torch.optim.SGD([torch.zeros(1, device=device, requires_grad=True)], lr=0.1)
    >>> sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: min(t / 5, 1.0))
    >>> lrs = [opt.param_groups[0]["lr"]]
    >>> for _ in range(100):
    ...     opt.step()
    ...     sched.step()
    ...     lrs.append(opt.param_groups[0]["lr"])
    >>> [linear_warmup_lr(t, 0.1, 5) for t in range(101)] == lrs  # bit-identical
    True
    >>> [linear_warmup_lr(t, 1.0, 4) for t in range(6)]
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]

    See Also
    --------
    cosine_annealing_lr : a schedule often used after the warm-up.
    """
    epoch = check_nonnegative_int(epoch, "epoch")
    lr0 = _check_lr(lr0, "lr0")
    warmup_epochs = check_nonnegative_int(warmup_epochs, "warmup_epochs")
    if warmup_epochs == 0:
        return lr0  # no warm-up
    return lr0 * min(epoch / warmup_epochs, 1.0)  # η_t = η_0 min(t / T_warmup, 1)


def _check_metrics(metrics: object) -> list[float]:
    if isinstance(metrics, (str, bytes)) or not isinstance(metrics, Sequence):
        raise TypeError(f"metrics must be a list or tuple of real numbers, got {type(metrics).__name__}")
    for i, m in enumerate(metrics):
        if isinstance(m, bool) or not isinstance(m, numbers.Real):
            raise TypeError(f"metrics[{i}] must be a real number, got {type(m).__name__}")
    return [float(m) for m in metrics]


def reduce_lr_on_plateau(metrics: Sequence[float], lr0: float, *, mode: str = "min", factor: float = 0.1,
                         patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                         cooldown: int = 0, min_lr: float = 0.0, eps: float = 1e-8) -> list[float]:
    r"""Reduce on plateau: multiply the learning rate by `factor` once a monitored metric stops improving.

    A metric $m_t$ improves on the best value so far $m^{*}$ (initially $+\infty$ for `mode="min"`,
    $-\infty$ for `"max"`) when

    $$
    \begin{cases}
    m_t < m^{*} (1 - \theta) & \text{mode = min, threshold\_mode = rel} \\
    m_t < m^{*} - \theta & \text{mode = min, threshold\_mode = abs} \\
    m_t > m^{*} (1 + \theta) & \text{mode = max, threshold\_mode = rel} \\
    m_t > m^{*} + \theta & \text{mode = max, threshold\_mode = abs}
    \end{cases}
    $$

    and then becomes $m^{*}$. With $b_t$ the number of consecutive non-improving epochs (reset to 0 by an
    improvement, by a reduction, and during the `cooldown` epochs that follow a reduction), the learning
    rate is

    $$
    \eta_t =
    \begin{cases}
    \max(f \, \eta_{t-1}, \eta_{\min})
    & \text{if } b_t > p \text{ and } \eta_{t-1} - \max(f \, \eta_{t-1}, \eta_{\min}) > \varepsilon \\
    \eta_{t-1} & \text{otherwise}
    \end{cases}
    $$

    Parameters
    ----------
    metrics : sequence of float
        $m_1, m_2, \dots$: the monitored value (e.g. validation loss) at the end of each epoch. NaN and
        $\pm\infty$ are accepted, as in torch (NaN never counts as an improvement).
    lr0 : float
        $\eta_0 \ge 0$, the initial learning rate.
    mode : {"min", "max"}, default "min"
        Whether a smaller (loss) or larger (accuracy) metric is better.
    factor : float, default 0.1
        $f \in [0, 1)$, the multiplicative factor of a reduction.
    patience : int, default 10
        $p \ge 0$: the learning rate is reduced at the $(p+1)$-th consecutive epoch without improvement.
    threshold : float, default 1e-4
        $\theta \ge 0$, how much better a metric must be to count as an improvement.
    threshold_mode : {"rel", "abs"}, default "rel"
        Whether $\theta$ is relative to $m^{*}$ or absolute.
    cooldown : int, default 0
        Epochs after a reduction during which non-improving epochs are not counted.
    min_lr : float, default 0.0
        $\eta_{\min} \ge 0$, a lower bound on the learning rate.
    eps : float, default 1e-8
        $\varepsilon \ge 0$: a reduction smaller than or equal to this is skipped.

    Returns
    -------
    list of float
        $[\eta_1, \eta_2, \dots]$: the learning rate after each metric (same length as `metrics`).

    Notes
    -----
    This is `torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode, factor, patience, threshold,
    threshold_mode, cooldown, min_lr, eps)` with `scheduler.step(m)` called once per metric; dlref follows
    its arithmetic operation for operation and is bit-identical. Details the usual one-line description
    ("reduce when the metric has not improved for a while") leaves out:

    - `patience=p` tolerates $p$ bad epochs: the reduction happens at the $(p+1)$-th, and the counter
      restarts from 0 after it (so a long plateau reduces every $p+1$ epochs, or every
      `cooldown` $+ p + 1$ with a cooldown).
    - The `eps` rule: a reduction of at most $\varepsilon$ is skipped, so with the default `eps=1e-8` a
      learning rate below about $1.1 \cdot 10^{-8}$ (at `factor=0.1`) is never reduced.
    - `threshold_mode="rel"` assumes a positive metric: for $m^{*} < 0$, $m^{*}(1 - \theta)$ lies *above*
      $m^{*}$ in min mode, so a slightly worse value counts as an improvement (and the reverse in max
      mode). Use `"abs"` for metrics that can be negative.

    Examples
    --------
    >>> metrics = [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8]
    >>> opt = torch.optim.SGD([torch.zeros(1, device=device, requires_grad=True)], lr=0.1)
    >>> sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=2, factor=0.5)
    >>> lrs = []
    >>> for m in metrics:
    ...     opt.step()
    ...     sched.step(m)
    ...     lrs.append(opt.param_groups[0]["lr"])
    >>> reduce_lr_on_plateau(metrics, 0.1, patience=2, factor=0.5) == lrs  # bit-identical
    True
    >>> lrs
    [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025]

    See Also
    --------
    step_lr : a reduction on a fixed timetable instead.
    """
    metrics = _check_metrics(metrics)
    lr = _check_lr(lr0, "lr0")
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    factor = check_number(factor, "factor", low=0.0, high=1.0, high_open=True)
    patience = check_nonnegative_int(patience, "patience")
    threshold = check_number(threshold, "threshold", low=0.0, high=math.inf, high_open=True)
    if threshold_mode not in _THRESHOLD_MODES:
        raise ValueError(f"threshold_mode must be one of {_THRESHOLD_MODES}, got {threshold_mode!r}")
    cooldown = check_nonnegative_int(cooldown, "cooldown")
    min_lr = _check_lr(min_lr, "min_lr")
    eps = check_number(eps, "eps", low=0.0, high=math.inf, high_open=True)

    def improves(m: float, best: float) -> bool:
        if mode == "min" and threshold_mode == "rel":
            return m < best * (1.0 - threshold)  # m < m*(1 − θ)
        if mode == "min":
            return m < best - threshold  # m < m* − θ
        if threshold_mode == "rel":
            return m > best * (threshold + 1.0)  # m > m*(1 + θ)
        return m > best + threshold  # m > m* + θ

    best = math.inf if mode == "min" else -math.inf
    bad_epochs = cooldown_left = 0
    lrs = []
    for m in metrics:
        if improves(m, best):
            best, bad_epochs = m, 0
        else:
            bad_epochs += 1
        if cooldown_left > 0:  # bad epochs during the cooldown are not counted
            cooldown_left -= 1
            bad_epochs = 0
        if bad_epochs > patience:  # b_t > p: reduce
            new_lr = max(lr * factor, min_lr)  # max(f η, η_min)
            if lr - new_lr > eps:  # skip reductions of at most ε
                lr = new_lr
            cooldown_left, bad_epochs = cooldown, 0
        lrs.append(lr)
    return lrs
