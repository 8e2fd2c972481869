# %% [markdown]
# # Autograd and linear regression from scratch
#
# This notebook fits a straight line $\hat y = wx + b$ in three stages:
#
# 1. **Autograd by hand**: `requires_grad`, `backward()` and what `x.grad` holds (the chapter *Automatic
#    differentiation*), then gradient descent written with plain tensors.
# 2. **The usual PyTorch training loop**: a model as an `nn.Module` (`nn.Linear(1, 1)`), mini-batches from
#    `TensorDataset`/`DataLoader`, SGD with momentum from `torch.optim` and a `StepLR` scheduler (the chapters
#    *nn.Module and the training loop*, *Data*, *Optimisation* and *Learning-rate schedulers*).
# 3. **The same training with dlref's update rule**: `dlref.optim.momentum_step` and
#    `dlref.lr_scheduler.step_lr` reproduce the parameter trajectory of `torch.optim` step by step.
#
# Everything is computed in float64, so that stage 3 can compare the two trajectories at the level of float64
# rounding.

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlref.lr_scheduler import step_lr
from dlref.optim import momentum_step

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print("device:", device)

# %% [markdown]
# ## 1. Gradients with autograd
#
# A tensor created with `requires_grad=True` is a **leaf** of the computational graph: every operation on it
# is recorded (the result carries a `grad_fn`). `y.backward()` on a scalar `y` walks that graph backwards and
# stores $\partial y / \partial x$ in `x.grad`, a tensor of the same shape as `x`. For
# $y = \sum_i 3x_i^2$ the gradient is $\partial y / \partial x_i = 6x_i$:

# %%
x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, device=device,
                 requires_grad=True)
y = (3 * x**2).sum()
print("y =", y)
print("x.grad before backward:", x.grad)
y.backward()
print("x.grad after backward: ", x.grad)
torch.testing.assert_close(x.grad, 6 * x.detach())

# %% [markdown]
# `backward()` **adds** to `.grad` instead of overwriting it: a second backward pass doubles the value. This is
# why a training loop clears the gradients before each backward pass (`optimizer.zero_grad()`, or
# `x.grad = None` by hand):

# %%
(3 * x**2).sum().backward()
print("after a second backward:", x.grad)
torch.testing.assert_close(x.grad, 2 * 6 * x.detach())
x.grad = None

# %% [markdown]
# ### The data and the gradient of the loss
#
# 200 points on the line $y = 2x + 1$ with Gaussian noise (standard deviation 0.3), drawn from a seeded
# generator. The loss is the mean squared error
#
# $$
# \mathcal{L}(w, b) = \frac{1}{n} \sum_{i=1}^{n} (w x_i + b - y_i)^2
# $$
#
# and its partial derivatives are
#
# $$
# \frac{\partial \mathcal{L}}{\partial w} = \frac{2}{n} \sum_{i=1}^{n} (w x_i + b - y_i)\, x_i,
# \qquad
# \frac{\partial \mathcal{L}}{\partial b} = \frac{2}{n} \sum_{i=1}^{n} (w x_i + b - y_i).
# $$
#
# Autograd gives the same two numbers as these formulas:

# %%
generator = torch.Generator().manual_seed(0)
n = 200
X = torch.rand(n, 1, generator=generator, dtype=torch.float64) * 4 - 2
noise = torch.randn(n, 1, generator=generator, dtype=torch.float64)
Y = 2.0 * X + 1.0 + 0.3 * noise
Xd, Yd = X.to(device), Y.to(device)

w = torch.tensor(0.5, dtype=torch.float64, device=device, requires_grad=True)
b = torch.tensor(0.0, dtype=torch.float64, device=device, requires_grad=True)
loss = ((w * Xd + b - Yd) ** 2).mean()
loss.backward()
residual = (w * Xd + b - Yd).detach()
torch.testing.assert_close(w.grad, 2 * (residual * Xd).mean())
torch.testing.assert_close(b.grad, 2 * residual.mean())
print(f"loss = {loss.item():.4f}, "
      f"dL/dw = {w.grad.item():.4f}, dL/db = {b.grad.item():.4f}")

# %% [markdown]
# ### Gradient descent with plain tensors
#
# Gradient descent repeats $w \leftarrow w - \eta\, \partial \mathcal{L} / \partial w$ (and the same for $b$).
# The update itself must not be recorded in the graph, so it runs inside `torch.no_grad()`; the gradients are
# cleared after each step. The result is compared with the least-squares line, the exact minimiser of
# $\mathcal{L}$ (`torch.linalg.lstsq`):

# %%
w = torch.tensor(0.0, dtype=torch.float64, device=device, requires_grad=True)
b = torch.tensor(0.0, dtype=torch.float64, device=device, requires_grad=True)
eta_gd = 0.1
for _ in range(200):
    loss = ((w * Xd + b - Yd) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= eta_gd * w.grad
        b -= eta_gd * b.grad
    w.grad = None
    b.grad = None

design = torch.cat([Xd, torch.ones_like(Xd)], dim=1)
w_ls, b_ls = torch.linalg.lstsq(design.cpu(), Yd.cpu()).solution.flatten().tolist()
print(f"gradient descent: w = {w.item():.6f}, b = {b.item():.6f}")
print(f"least squares:    w = {w_ls:.6f}, b = {b_ls:.6f}")
assert abs(w.item() - w_ls) < 1e-6 and abs(b.item() - b_ls) < 1e-6

# %% [markdown]
# ## 2. The PyTorch training loop
#
# The same model as an `nn.Module` holding one `nn.Linear(1, 1)` (weight $w$ of shape `(1, 1)`, bias $b$ of
# shape `(1,)`). `DataLoader` cuts the dataset into shuffled mini-batches of 20 (10 updates per epoch);
# `num_workers=0` loads them in the main process, and a seeded `generator` fixes the order of the batches, so
# that stage 3 can replay exactly the same batches.
#
# The optimizer is SGD with momentum; with the notes' $\eta = 0.1$ and $\beta = 0.9$ it is created as
# `torch.optim.SGD(lr=η(1 − β), momentum=β)` (why the learning rate is multiplied by $1 - \beta$ is
# explained in stage 3). `StepLR(step_size=10, gamma=0.5)` halves the learning rate every 10 epochs; it is
# stepped once at the end of each epoch, after the `optimizer.step()` calls of that epoch.

# %%
class LinearRegression(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1, dtype=torch.float64)

    def forward(self, x):
        return self.linear(x)


def make_loader():
    return DataLoader(TensorDataset(X, Y), batch_size=20, shuffle=True,
                      num_workers=0, generator=torch.Generator().manual_seed(1))


def parameters_of(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


torch.manual_seed(0)
model = LinearRegression().to(device)
initial = {name: p.detach().clone() for name, p in model.named_parameters()}
eta, beta, epochs = 0.1, 0.9, 30
optimizer = torch.optim.SGD(model.parameters(), lr=eta * (1 - beta), momentum=beta)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
criterion = nn.MSELoss()

loader = make_loader()
torch_path = [parameters_of(model)]
epoch_loss, epoch_lr = [], []
for _ in range(epochs):
    model.train()
    epoch_lr.append(scheduler.get_last_lr()[0])
    total = 0.0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        torch_path.append(parameters_of(model))
        total += loss.item() * len(xb)
    scheduler.step()
    epoch_loss.append(total / n)
torch_path = torch.stack(torch_path)

w_fit, b_fit = model.linear.weight.item(), model.linear.bias.item()
print(f"{len(torch_path) - 1} updates; mean training loss: "
      f"epoch 1 {epoch_loss[0]:.4f}, epoch {epochs} {epoch_loss[-1]:.4f}")
loss_min = ((w_ls * X + b_ls - Y) ** 2).mean().item()
print(f"least-squares minimum of the loss: {loss_min:.4f}")
print(f"learned:       w = {w_fit:.4f}, b = {b_fit:.4f}")
print(f"least squares: w = {w_ls:.4f}, b = {b_ls:.4f}")

# %% [markdown]
# The loss falls quickly during the first epochs and then levels off just above the least-squares minimum:
# no line can fit the noise. The learning rate (right; the $\eta$ of the notes' form, torch's `lr` being
# $\eta(1 - \beta)$) is halved after epochs 10 and 20. The fitted line (bottom) almost coincides with the true
# line $y = 2x + 1$.

# %% alt="Top left: mean training loss per epoch on a log scale, falling steeply in the first epochs and levelling off just above the dashed least-squares minimum. Top right: the learning rate per epoch, a staircase from 0.1 halved after epochs 10 and 20. Bottom: the 200 data points with the true line y = 2x + 1 and the learned line, which almost coincide."
fig, axes = plt.subplot_mosaic([["loss", "lr"], ["fit", "fit"]], figsize=(9, 6.5),
                              layout="constrained")
ax_loss, ax_lr, ax_fit = axes["loss"], axes["lr"], axes["fit"]
epoch_axis = range(1, epochs + 1)
ax_loss.semilogy(epoch_axis, epoch_loss, marker="o", markersize=3, label="loss")
ax_loss.axhline(loss_min, color="gray", linestyle="--", label="least squares")
ax_loss.set(xlabel="epoch", ylabel="MSE", title="training loss")
ax_loss.legend()
ax_lr.step(epoch_axis, [lr / (1 - beta) for lr in epoch_lr], where="mid")
ax_lr.set(xlabel="epoch", ylabel=r"$\eta$", title=r"learning rate $\eta$ (StepLR)")
grid = torch.linspace(-2, 2, 2, dtype=torch.float64)
ax_fit.scatter(X.flatten(), Y.flatten(), s=8, alpha=0.5, label="data")
ax_fit.plot(grid, 2 * grid + 1, "k--", label="true line $y = 2x + 1$")
ax_fit.plot(grid, w_fit * grid + b_fit, color="C3",
            label=f"learned $y = {w_fit:.2f}x + {b_fit:.2f}$")
ax_fit.set(xlabel="$x$", ylabel="$y$")
ax_fit.legend()
plt.show()

# %% [markdown]
# ## 3. The same trajectory with dlref's update rule
#
# The notes write momentum as an exponential moving average of the gradients:
#
# $$
# V_t = \beta V_{t-1} + (1 - \beta) g_t, \qquad \omega_t = \omega_{t-1} - \eta V_t .
# $$
#
# `torch.optim.SGD(lr, momentum=β)` instead keeps a **sum**, the buffer $b_t = \beta b_{t-1} + g_t$ (with
# $b_1 = g_1$), and steps $\omega_t = \omega_{t-1} - \mathrm{lr}\, b_t$. From $V_0 = 0$ the two are related
# by $V_t = (1 - \beta)\, b_t$, so `SGD(lr=η(1 − β), momentum=β)` takes exactly the steps of the notes' form
# (see the Notes of `dlref.optim.momentum_step`). This still holds when a scheduler changes the learning rate,
# because the velocity does not depend on it: StepLR's learning rate in epoch $t$ is
# $\eta(1 - \beta)\gamma^{\lfloor t/10 \rfloor}$ for torch and $\eta_t = $ `step_lr(t, η, 10, 0.5)` for dlref.
#
# Below, the training of stage 2 is replayed without `torch.optim`: from the same initial parameters, over
# the same batches (a new loader with the same seed), with the gradients computed by autograd at dlref's
# *own* parameters, and the update done by `momentum_step`. The two trajectories are independent
# computations; they are compared at every one of the 300 steps.

# %%
w = initial["linear.weight"].clone()
b = initial["linear.bias"].clone()
velocity_w, velocity_b = torch.zeros_like(w), torch.zeros_like(b)
loader = make_loader()
dlref_path = [torch.cat([w.flatten(), b.flatten()])]
for epoch in range(epochs):
    lr = step_lr(epoch, eta, step_size=10, gamma=0.5)
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        w_leaf, b_leaf = w.clone().requires_grad_(), b.clone().requires_grad_()
        loss = F.mse_loss(F.linear(xb, w_leaf, b_leaf), yb)
        grad_w, grad_b = torch.autograd.grad(loss, (w_leaf, b_leaf))
        w, velocity_w = momentum_step(w, grad_w, velocity_w, lr, beta)
        b, velocity_b = momentum_step(b, grad_b, velocity_b, lr, beta)
        dlref_path.append(torch.cat([w.flatten(), b.flatten()]))
dlref_path = torch.stack(dlref_path)

difference = (dlref_path - torch_path).abs()
print("steps compared:", len(dlref_path) - 1)
eps = torch.finfo(torch.float64).eps
print(f"largest |dlref - torch| over the trajectory: {difference.max().item():.2e}")
print(f"float64 machine epsilon:                     {eps:.2e}")
torch.testing.assert_close(dlref_path, torch_path, rtol=1e-12, atol=1e-12)
momentum_buffer = optimizer.state[model.linear.weight]["momentum_buffer"]
torch.testing.assert_close(velocity_w, (1 - beta) * momentum_buffer,
                           rtol=1e-12, atol=1e-12)
print("trajectories agree; V = (1 - beta) * momentum_buffer holds")

# %% alt="Left: the weight w and the bias b after each of the 300 updates, torch.optim as solid lines and dlref as dashed lines on top of them; w rises from its initial value to about 2 and b to about 1, with the overshoot typical of momentum. Right: the absolute difference between the two trajectories at each step, of the order of 1e-16, the size of float64 rounding."
steps = torch.arange(len(torch_path))
fig, (ax_path, ax_diff) = plt.subplots(1, 2, figsize=(10, 3.8),
                                      layout="constrained")
for i, name in enumerate(["w", "b"]):
    ax_path.plot(steps, torch_path[:, i].cpu(), color=f"C{i}", linewidth=3,
                 alpha=0.5,
                 label=f"${name}$ (torch.optim.SGD)")
    ax_path.plot(steps, dlref_path[:, i].cpu(), color=f"C{i}", linestyle="--",
                 label=f"${name}$ (dlref)")
    ax_diff.plot(steps, difference[:, i].cpu(), color=f"C{i}",
                 label=f"$|\\Delta {name}|$")
ax_path.set(xlabel="update", ylabel="value", title="parameter trajectories")
ax_path.legend()
ax_diff.axhline(eps, color="gray", linestyle=":", label="float64 eps")
ax_diff.set(xlabel="update", ylabel="|dlref - torch|", title="difference")
ax_diff.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
ax_diff.legend()
plt.show()

# %% [markdown]
# The two trajectories coincide: the remaining differences are a few units in the last place of float64,
# because torch evaluates the update with fused operations (`add_(…, alpha=…)`) and its learning rate
# $\eta(1 - \beta)$ is rounded once, while dlref writes the formula as it stands. Nothing accumulates: the
# problem is well conditioned, so small perturbations die out instead of growing.
