# %% [markdown]
# # Optimizers and learning-rate schedules
#
# The first half runs the five update rules of the chapter *Optimisation* (SGD, Momentum, AdaGrad, RMSProp,
# Adam) on the Rosenbrock function, a classic hard test for optimizers, twice each: once with the pure
# functions of `dlref.optim` and once with `torch.optim`, and checks that the two paths coincide. The second
# half plots the schedules of the chapter *Learning-rate schedulers* from `dlref.lr_scheduler` and checks
# them against `torch.optim.lr_scheduler`.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from dlref import lr_scheduler as dls
from dlref.optim import adagrad_step, adam_step, momentum_step, rmsprop_step, sgd_step

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print("device:", device)

# %% [markdown]
# ## The Rosenbrock function
#
# $$
# f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2
# $$
#
# has its only minimum $f = 0$ at $(1, 1)$, at the bottom of a long, curved, narrow valley along the parabola
# $y = x^2$. At the minimum the curvatures (the eigenvalues of the Hessian, printed below) are about 0.4 along
# the valley and 1000 across it. Gradient descent must take small steps to stay stable across the valley, and
# so moves only slowly along it.
#
# The gradient is written out by hand,
# $\nabla f = \bigl(2(x - 1) - 400x(y - x^2),\ 200(y - x^2)\bigr)$, and checked against autograd. Computing it
# from the same Python floats for both optimizers gives bit-identical gradients at identical points, so any
# difference between the two paths comes from the optimizers alone. The start is the classic $(-1.2, 1)$.

# %%
def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def rosenbrock_grad(p):
    x, y = p.tolist()
    dfdx, dfdy = 2 * (x - 1) - 400 * x * (y - x * x), 200 * (y - x * x)
    return torch.tensor([dfdx, dfdy], dtype=p.dtype, device=p.device)


for point in ([-1.2, 1.0], [0.3, -0.5], [1.0, 1.0]):
    p = torch.tensor(point, dtype=torch.float64, device=device, requires_grad=True)
    rosenbrock(p).backward()
    torch.testing.assert_close(rosenbrock_grad(p.detach()), p.grad)

start = torch.tensor([-1.2, 1.0], dtype=torch.float64, device=device)
minimum = torch.tensor([1.0, 1.0], dtype=torch.float64, device=device)
print(f"f(start) = {rosenbrock(start).item():.2f}, "
      f"gradient {rosenbrock_grad(start).tolist()}")
hessian = torch.autograd.functional.hessian(rosenbrock, minimum)
curvatures = torch.linalg.eigvalsh(hessian).tolist()
print("eigenvalues of the Hessian at (1, 1):", [round(c, 3) for c in curvatures])

# %% [markdown]
# ## Five optimizers, each computed twice
#
# Each method takes 1000 steps. The learning rates were chosen by hand so that each path is stable and shows
# the method's character; this is not a ranking of the methods. The torch optimizers are configured to
# compute exactly the formulas of the notes (see the Notes of each dlref function):
#
# | method | dlref | torch.optim |
# |---|---|---|
# | SGD | `sgd_step(p, g, lr=η)` | `SGD(lr=η)` |
# | Momentum | `momentum_step(p, g, V, lr=η, beta=β)` | `SGD(lr=η(1 − β), momentum=β)` |
# | AdaGrad | `adagrad_step(p, g, G, lr=η)` | `Adagrad(lr=η)` |
# | RMSProp | `rmsprop_step(p, g, V, lr=η, beta=β)` | `RMSprop(lr=η, alpha=β)` |
# | Adam | `adam_step(p, g, m, v, t, lr=η)` | `Adam(lr=η)` |

# %%
steps = 1000
settings = {
    "SGD": dict(lr=1.5e-3),
    "Momentum": dict(lr=1e-2, beta=0.9),
    "AdaGrad": dict(lr=0.5),
    "RMSProp": dict(lr=2e-2, beta=0.999),
    "Adam": dict(lr=0.1),
}


def dlref_path(name, lr, beta=None, start=start):
    p = start.clone()
    state, state2 = torch.zeros_like(p), torch.zeros_like(p)
    path = [p]
    for t in range(1, steps + 1):
        g = rosenbrock_grad(p)
        if name == "SGD":
            p = sgd_step(p, g, lr)
        elif name == "Momentum":
            p, state = momentum_step(p, g, state, lr, beta)
        elif name == "AdaGrad":
            p, state = adagrad_step(p, g, state, lr)
        elif name == "RMSProp":
            p, state = rmsprop_step(p, g, state, lr, beta)
        else:
            p, state, state2 = adam_step(p, g, state, state2, t, lr=lr)
        path.append(p)
    return torch.stack(path)


def torch_optimizer(name, params, lr, beta=None):
    if name == "SGD":
        return torch.optim.SGD(params, lr=lr)
    if name == "Momentum":
        return torch.optim.SGD(params, lr=lr * (1 - beta), momentum=beta)
    if name == "AdaGrad":
        return torch.optim.Adagrad(params, lr=lr)
    if name == "RMSProp":
        return torch.optim.RMSprop(params, lr=lr, alpha=beta)
    return torch.optim.Adam(params, lr=lr)


def torch_path(name, lr, beta=None):
    p = start.clone().requires_grad_()
    optimizer = torch_optimizer(name, [p], lr, beta)
    path = [p.detach().clone()]
    for _ in range(steps):
        p.grad = rosenbrock_grad(p.detach())
        optimizer.step()
        path.append(p.detach().clone())
    return torch.stack(path)


paths = {}
print(f"{'method':9} {'final point':>22} {'to (1, 1)':>10} {'|dlref - torch|':>16}")
for name, kwargs in settings.items():
    ours, theirs = dlref_path(name, **kwargs), torch_path(name, **kwargs)
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-12)
    paths[name] = ours, theirs
    x_end, y_end = ours[-1].tolist()
    distance = (ours[-1] - minimum).norm().item()
    print(f"{name:9} ({x_end:9.6f}, {y_end:9.6f}) {distance:10.2e} "
          f"{(ours - theirs).abs().max().item():16.1e}")

too_fast = dlref_path("SGD", lr=1e-2)
print("SGD with lr = 1e-2 instead, f after 0..5 steps:",
      [f"{rosenbrock(p).item():.3g}" for p in too_fast[:6]])

# %% [markdown]
# On the contour plot the torch paths (thick, translucent) and the dlref paths (thin, dashed) lie on top of each
# other; the dots mark where each path ends after 1000 steps. The lower panel shows the distance to the minimum
# after each step.
#
# - **SGD** first drops into the valley, then crawls along it: its learning rate is limited by the steep
#   direction across the valley (with a curvature of about 1000 there, $\eta$ must stay below about
#   $2/1000$); with $\eta = 0.01$ it diverges within a few steps, as printed above.
# - **Momentum** averages the gradients: the zigzag across the valley cancels in the average, so the same
#   $\eta = 0.01$ is stable and the path ends much closer to $(1, 1)$.
# - **AdaGrad** divides each coordinate by the root of the *sum* of its past squared gradients. Its first step
#   is $\eta$ in each coordinate whatever the size of the gradient (the jump up and to the right at the start);
#   after that its effective learning rate only shrinks and it slows down.
# - **RMSProp** uses a moving *average* of the squares instead, so its steps do not keep shrinking. Its first
#   step, $\eta / \sqrt{1 - \beta}$ in each coordinate, is even larger: the average starts at 0 and is not
#   bias-corrected.
# - **Adam** adds momentum to RMSProp and bias-corrects both averages, so it has no such jump; here it ends
#   closest to $(1, 1)$.

# %% alt="Top: contour lines of the Rosenbrock function for x from -1.5 to 1.5 and y from -0.5 to 2, around the curved valley along y = x squared. The paths of the five optimizers start at (-1.2, 1), a black dot, and follow the valley towards the minimum (1, 1), a star; each is drawn twice, torch as a thick translucent line and dlref as a thin dashed line exactly on top of it. AdaGrad and RMSProp first jump up and to the right out of the valley and come back. Momentum zigzags across the valley floor. The end points: SGD at about (0.60, 0.36), AdaGrad just beyond it, RMSProp at about (0.79, 0.63), Momentum and Adam next to the minimum. Below: the distance to the minimum against the step on a log scale; Momentum and Adam fall to about 0.01, the others stay above 0.4."
fig, (ax, ax_dist) = plt.subplots(2, 1, figsize=(8, 9.5), layout="constrained",
                                  gridspec_kw={"height_ratios": [1.7, 1]})
gx, gy = np.meshgrid(np.linspace(-1.5, 1.5, 400), np.linspace(-0.5, 2, 400))
gz = (1 - gx) ** 2 + 100 * (gy - gx**2) ** 2
levels = np.logspace(-1, 3.5, 14)
ax.contour(gx, gy, gz, levels=levels, colors="0.75", linewidths=0.6)
for i, (name, (ours, theirs)) in enumerate(paths.items()):
    ours, theirs = ours.cpu(), theirs.cpu()
    ax.plot(theirs[:, 0], theirs[:, 1], color=f"C{i}", linewidth=4, alpha=0.35)
    ax.plot(ours[:, 0], ours[:, 1], color=f"C{i}", linewidth=1.2, linestyle="--",
            label=name)
    ax_dist.semilogy((ours - minimum.cpu()).norm(dim=1), color=f"C{i}", label=name)
for i, (ours, _) in enumerate(paths.values()):
    ax.plot(*ours[-1].tolist(), "o", color=f"C{i}", markersize=8,
            markeredgecolor="black", zorder=5)
ax.plot(*start.tolist(), "ko")
ax.plot(1, 1, "k*", markersize=14)
ax.set(xlim=(-1.5, 1.5), ylim=(-0.5, 2), xlabel="$x$", ylabel="$y$",
       title="Rosenbrock: torch.optim (thick) and dlref.optim (dashed)")
ax.legend(loc="upper left")
ax_dist.set(xlabel="step", ylabel=r"$\|\omega_t - (1, 1)\|$",
            title="distance to the minimum")
ax_dist.legend()
plt.show()

# %% [markdown]
# **Why β = 0.999 for RMSProp.** With torch's default $\beta = 0.99$ (and a constant learning rate), RMSProp's
# steps do not shrink near the valley floor: from about $x = 0.5$ on it keeps jumping from one wall of the valley
# to the other, and the path becomes chaotic. Two starts $10^{-13}$ apart then end up far apart, so two correct
# implementations that round differently (torch's fused kernels on a GPU, for instance) would not draw the same
# curve, and comparing them would test nothing. With $\beta = 0.999$ the path is smooth and a tiny perturbation
# stays tiny:

# %%
for beta in (0.99, 0.999):
    a = dlref_path("RMSProp", lr=2e-2, beta=beta)
    b = dlref_path("RMSProp", lr=2e-2, beta=beta, start=start + 1e-13)
    moved = (a - b).abs().max().item()
    print(f"RMSProp, beta = {beta}: start moved by 1e-13, path by {moved:.1e}")

# %% [markdown]
# ## Learning-rate schedules
#
# A scheduler changes the optimizer's learning rate $\eta_t$ once per epoch (`scheduler.step()` after the
# epoch's `optimizer.step()` calls). Each function of `dlref.lr_scheduler` returns $\eta_t$ after $t$ scheduler
# steps; `torch_lrs` below collects the same values from a torch scheduler. The settings are those of the
# chapter *Learning-rate schedulers*:
#
# - `StepLR(step_size=30, gamma=0.1)`: $\eta_t = \eta_0 \gamma^{\lfloor t/30 \rfloor}$;
# - `MultiStepLR(milestones=[30, 80], gamma=0.1)`: a decay at each milestone;
# - `ExponentialLR(gamma=0.95)`: $\eta_t = \eta_0 \gamma^t$;
# - `CosineAnnealingLR(T_max=40, eta_min=0.001)` over 100 epochs, well past $T_{\max}$: the cosine does not
#   stop at $\eta_{\min}$ but climbs back to $\eta_{\max}$ at $t = 2T_{\max} = 80$;
# - linear warm-up over 10 epochs, $\eta_t = \eta_0 \min(t/10, 1)$, which torch expresses as a `LambdaLR`;
# - `ReduceLROnPlateau(factor=0.5, patience=5, cooldown=2, min_lr=0.005)`, fed a synthetic validation loss
#   (a decaying exponential plus seeded noise) that levels off after about 30 epochs.
#
# `StepLR`, `MultiStepLR` and `ExponentialLR` multiply the current learning rate, and dlref performs the same
# multiplications in the same order; for warm-up and plateau, too, dlref performs torch's operations one for
# one. These five are compared with `==`. Cosine annealing is updated recursively by torch and in closed form
# by dlref, so it agrees only up to rounding and is compared with a tolerance.

# %%
S = torch.optim.lr_scheduler
epochs, lr0 = 100, 0.1


def torch_lrs(make_scheduler, metrics=None):
    weight = torch.zeros(1, device=device, requires_grad=True)
    optimizer = torch.optim.SGD([weight], lr=lr0)
    scheduler = make_scheduler(optimizer)
    lrs = [optimizer.param_groups[0]["lr"]]
    for epoch in range(epochs):
        optimizer.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[epoch])
        lrs.append(optimizer.param_groups[0]["lr"])
    return lrs


rng = np.random.default_rng(0)
t_axis = np.arange(1, epochs + 1)
noise = 0.01 * rng.standard_normal(epochs)
val_loss = (0.3 + 0.7 * np.exp(-t_axis / 8) + noise).tolist()
plateau = dict(factor=0.5, patience=5, cooldown=2, min_lr=0.005)

T = range(epochs + 1)
schedules = {
    "StepLR": (
        [dls.step_lr(t, lr0, 30, 0.1) for t in T],
        torch_lrs(lambda o: S.StepLR(o, step_size=30, gamma=0.1))),
    "MultiStepLR": (
        [dls.multistep_lr(t, lr0, [30, 80], 0.1) for t in T],
        torch_lrs(lambda o: S.MultiStepLR(o, milestones=[30, 80], gamma=0.1))),
    "ExponentialLR": (
        [dls.exponential_lr(t, lr0, 0.95) for t in T],
        torch_lrs(lambda o: S.ExponentialLR(o, gamma=0.95))),
    "CosineAnnealingLR": (
        [dls.cosine_annealing_lr(t, lr0, 40, 0.001) for t in T],
        torch_lrs(lambda o: S.CosineAnnealingLR(o, T_max=40, eta_min=0.001))),
    "linear warm-up (LambdaLR)": (
        [dls.linear_warmup_lr(t, lr0, 10) for t in T],
        torch_lrs(lambda o: S.LambdaLR(o, lambda t: min(t / 10, 1.0)))),
    "ReduceLROnPlateau": (
        [lr0] + dls.reduce_lr_on_plateau(val_loss, lr0, **plateau),
        torch_lrs(lambda o: S.ReduceLROnPlateau(o, **plateau), metrics=val_loss)),
}
for name, (ours, theirs) in schedules.items():
    if name == "CosineAnnealingLR":
        ours_t = torch.tensor(ours, dtype=torch.float64)
        theirs_t = torch.tensor(theirs, dtype=torch.float64)
        torch.testing.assert_close(ours_t, theirs_t, rtol=1e-12, atol=1e-14)
        error = (ours_t - theirs_t).abs().max().item()
        print(f"{name:26} agrees to rounding (largest difference {error:.1e})")
    else:
        assert ours == theirs
        print(f"{name:26} bit-identical over {len(ours)} values")
plateau_lrs = schedules["ReduceLROnPlateau"][0]
reductions = [(t, plateau_lrs[t]) for t in T[1:]
              if plateau_lrs[t] < plateau_lrs[t - 1]]
print("ReduceLROnPlateau reductions (epoch, new learning rate):", reductions)

# %% alt="Six panels of the learning rate against the epoch, 0 to 100, each drawn from dlref with torch's values as dots on top. StepLR: 0.1, dropping tenfold at epochs 30, 60 and 90. MultiStepLR: 0.1, dropping tenfold at epochs 30 and 80. ExponentialLR: a smooth decay from 0.1 to below 0.001. CosineAnnealingLR: half a cosine from 0.1 down to 0.001 at epoch 40, then back up to 0.1 at epoch 80 and down again. Linear warm-up: a straight rise from 0 to 0.1 over the first 10 epochs, then constant. ReduceLROnPlateau: the synthetic validation loss, on a second axis, falls and flattens after about 30 epochs; the learning rate stays at 0.1 until epoch 47, is halved at epochs 47, 61, 69 and 77, and stops at the lower bound 0.005 at epoch 85."
fig, axes = plt.subplots(2, 3, figsize=(13, 6.5), layout="constrained", sharex=True)
for ax, (name, (ours, theirs)) in zip(axes.flat, schedules.items()):
    ax.plot(T, ours, drawstyle="steps-post", label="dlref")
    ax.plot(T[::2], theirs[::2], "o", markersize=2.5, color="C3", label="torch")
    ax.set(title=name, xlabel="epoch", ylabel=r"$\eta_t$")
    if name in ("StepLR", "MultiStepLR", "ExponentialLR"):
        ax.set_yscale("log")
axes[0, 0].legend()
ax_metric = axes.flat[-1].twinx()
ax_metric.plot(t_axis, val_loss, color="gray", linewidth=0.8)
ax_metric.set_ylabel("synthetic validation loss", color="gray")
plt.show()

# %% [markdown]
# The dots (torch) sit on the dlref curves everywhere. Past $T_{\max} = 40$ the cosine schedule rises again:
# to end training at $\eta_{\min}$, $T_{\max}$ must be the number of training epochs. `ReduceLROnPlateau`
# reduces the learning rate only after `patience` $+ 1 = 6$ epochs without a new best value, and does not count
# the `cooldown` $= 2$ epochs after each reduction, so its reductions (printed above) are at least 8 epochs apart;
# a new best of the noisy loss restarts the count. It stops at `min_lr`.
