# %% [markdown]
# # An RNN on a noisy sine wave
#
# This notebook trains a recurrent network to predict the next value of a noisy sine wave, then
#
# 1. recomputes the trained `nn.RNN` and its linear output layer with `dlref.rnn.rnn` and
#    `dlref.rnn.rnn_output` (chapter *RNN*) and checks that they give torch's outputs;
# 2. measures how the gradient that reaches an input shrinks or grows with its distance from the end of the
#    sequence: the vanishing and exploding gradients of the chapter's section *Limits of RNNs*.
#
# On CUDA GPUs that support it, cuDNN computes float32 RNNs in TensorFloat-32 by default; the first cell
# switches this off (`torch.backends.fp32_precision = "ieee"`) so that torch and dlref are compared in full
# float32. On a CPU the setting changes nothing.

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from dlref.rnn import rnn, rnn_output

torch.backends.fp32_precision = "ieee"
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print("device:", device)

# %% [markdown]
# ## The data
#
# The series is $x_k = \sin(k\,\Delta t) + \varepsilon_k$ for $k = 0, \dots, 999$, with $\Delta t = 0.1$ (one
# period is $2\pi / 0.1 \approx 63$ samples) and Gaussian noise $\varepsilon_k$ of standard deviation
# $\sigma = 0.1$ from a seeded generator. The first 700 values are for training and the last 300 are held out:
# a time series is split in time, not shuffled, so that the held-out values lie in the future of the training
# values.
#
# The network reads windows of $T = 25$ consecutive values and, at every time step, predicts the next one: the
# targets are the inputs shifted by one. `nn.RNN` expects `(T, N, input_size)` tensors, time first (its default
# `batch_first=False`); here `input_size` is 1. Every held-out window ends with a held-out value to predict.

# %%
generator = torch.Generator().manual_seed(0)
n_points, dt, sigma, split, T = 1000, 0.1, 0.1, 700, 25
clean = torch.sin(torch.arange(n_points) * dt)
series = clean + sigma * torch.randn(n_points, generator=generator)


def windows(values, first, last):
    """Inputs and targets of every window whose last target is values[first + T], ..., values[last - 1]."""
    starts = torch.arange(first, last - T)
    w = values[starts[None, :] + torch.arange(T + 1)[:, None]]
    return w[:-1, :, None].to(device), w[1:, :, None].to(device)


xs_train, ys_train = windows(series, 0, split)
xs_test, ys_test = windows(series, split - T, n_points)
print("training windows:", tuple(xs_train.shape), "held-out windows:", tuple(xs_test.shape))

# %% [markdown]
# ## The model and its training
#
# The recurrent layer (torch's `nn.RNN`, one layer, tanh) and the output layer compute, for $t = 1, \dots, T$,
#
# $$
# h_t = \tanh\left(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}\right), \qquad
# \hat{y}_t = W_{hy} h_t + b_y
# $$
#
# with $h_0 = 0$, 32 hidden units and one output (a regression, so no output activation). The same weights
# are used at every time step.
#
# The loss is the mean squared error of the predictions. The first few predictions of a window are made from
# one or two values only, so the loss leaves out the first 5 time steps. All training windows form
# one batch; Adam (learning rate 0.01) takes 150 steps.

# %%
class NextValue(nn.Module):
    def __init__(self, hidden_size=32):
        super().__init__()
        self.rnn = nn.RNN(input_size=1, hidden_size=hidden_size, num_layers=1, nonlinearity="tanh")
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, xs, h0=None):
        outputs, h_last = self.rnn(xs, h0)
        return self.head(outputs), h_last


torch.manual_seed(0)
model = NextValue().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
skipped, steps = 5, 150
losses = []
for step in range(1, steps + 1):
    predictions, _ = model(xs_train)
    loss = F.mse_loss(predictions[skipped:], ys_train[skipped:])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    if step % 25 == 0:
        print(f"step {step:3d}: training loss {loss.item():.4f}")

# %% [markdown]
# Each held-out window gives one prediction, that of its last time step, made from the 25 values before it.
# No predictor can foresee the noise $\varepsilon_{k+1}$ of the value it predicts, so even the noiseless
# sine, used as a prediction, has a mean squared error of about $\sigma^2 = 0.01$: that is the floor. The
# simplest baseline repeats the last value, $\hat{x}_{k+1} = x_k$.

# %%
model.eval()
with torch.no_grad():
    predictions, _ = model(xs_test)
prediction, target = predictions[-1, :, 0], ys_test[-1, :, 0]
target_positions = torch.arange(split, n_points)
mse = F.mse_loss(prediction, target).item()
floor = F.mse_loss(clean[target_positions].to(device), target).item()
repeat_last = F.mse_loss(xs_test[-1, :, 0], target).item()
print(f"held-out mean squared error: RNN {mse:.4f}, noiseless sine {floor:.4f} (sigma^2 = {sigma ** 2:.4f}), "
      f"repeating the last value {repeat_last:.4f}")

# %% alt="Top: the training loss against the step, on a log scale, over 150 steps; it drops steeply, with oscillations, in the first few dozen steps and then levels off slowly. Below: the 300 held-out values against time as scattered dots around a sine wave, the noiseless sine as a dashed line, and the RNN's one-step predictions as a solid line that follows the sine closely, with small wiggles, much less scattered than the noisy dots."
fig, (ax_loss, ax_pred) = plt.subplots(2, 1, figsize=(9, 7), layout="constrained",
                                       gridspec_kw={"height_ratios": [1, 1.5]})
ax_loss.semilogy(range(1, steps + 1), losses)
ax_loss.set(xlabel="step", ylabel="mean squared error", title="training loss")
time_axis = target_positions * dt
ax_pred.plot(time_axis, target.cpu(), ".", markersize=3, color="0.6", label="target $x_{k+1}$ (noisy)")
ax_pred.plot(time_axis, clean[target_positions], "--", color="C2", label=r"$\sin(k\,\Delta t)$ (noiseless)")
ax_pred.plot(time_axis, prediction.cpu(), color="C0", label="RNN prediction")
ax_pred.set(xlabel=r"time $k\,\Delta t$", ylabel="value", title="held-out values, one step ahead")
ax_pred.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3)
plt.show()

# %% [markdown]
# The mean squared errors printed above compare the RNN with the floor $\sigma^2$ and with repeating the last
# value. In the figure the predictions follow the underlying sine rather than the noise: the network has
# learnt to average the noise away over the past values.
#
# ## The same computation with dlref
#
# `dlref.rnn.rnn(xs, h0, weight_ih, weight_hh, bias_ih, bias_hh)` runs the recurrence above with a loop over
# the time steps and returns all hidden states $h_1, \dots, h_T$ and the last one, $h_T$. `nn.RNN` stores its
# weights as `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0` and `bias_hh_l0` (`l0`: layer 0), and its hidden
# state carries an extra leading axis of size `num_layers` = 1. The output layer is
# `dlref.rnn.rnn_output(h, weight, bias)`, $\hat{y}_t = W_{hy} h_t + b_y$, with the weights of `nn.Linear`.
# dlref's matrix products need not add in the same order as torch's kernels (cuDNN's on a GPU), so the
# comparison allows float32 rounding (`assert_close`'s default tolerances for float32); the largest differences
# are printed.

# %%
h0 = torch.zeros(xs_test.shape[1], 32, device=device)
r = model.rnn
with torch.no_grad():
    outputs, h_last = r(xs_test, h0[None])
    ours_outputs, ours_last = rnn(xs_test, h0, r.weight_ih_l0, r.weight_hh_l0, r.bias_ih_l0, r.bias_hh_l0)
    ours_predictions = rnn_output(ours_outputs, model.head.weight, model.head.bias)

torch.testing.assert_close(ours_outputs, outputs)
torch.testing.assert_close(ours_last, h_last[0])
torch.testing.assert_close(ours_predictions, predictions)
print("hidden states", tuple(outputs.shape), f"largest |dlref - torch| = {(ours_outputs - outputs).abs().max():.1e}")
print("last hidden state", tuple(h_last.shape), f"largest |dlref - torch| = {(ours_last - h_last[0]).abs().max():.1e}")
print("predictions", tuple(predictions.shape),
      f"largest |dlref - torch| = {(ours_predictions - predictions).abs().max():.1e}")

# %% [markdown]
# ## Vanishing and exploding gradients
#
# How much does the last hidden state $h_T$ depend on an input $x_t$ far in the past? By the chain rule,
#
# $$
# \frac{\partial h_T}{\partial x_t}
# = \left( \prod_{k=t+1}^{T} \mathrm{diag}(1 - h_k^2)\, W_{hh} \right) \mathrm{diag}(1 - h_t^2)\, W_{ih}
# $$
#
# ($1 - h^2$ is tanh's derivative): the same matrix $W_{hh}$ appears $T - t$ times. If its spectral radius
# $\rho$ (the largest absolute eigenvalue) is below 1, or tanh saturates and its derivative is small, the
# product shrinks exponentially with $T - t$; if $\rho$ is well above 1 it can grow exponentially. Training
# uses these same products to send the loss's gradient back to early time steps.
#
# The measurement uses sequences of $T = 100$ values (16 windows of the series) and four sets of weights:
#
# - the untrained network: the initial weights of the model above (the same seed), torch's default
#   initialisation $U(-1/\sqrt{H}, 1/\sqrt{H})$ with $H = 32$;
# - the trained network;
# - the untrained weights with $W_{hh}$ rescaled to $\rho = 1$, and to $\rho = 3$ (a larger recurrent weight
#   scale).
#
# The recurrence is computed with `dlref.rnn.rnn` (shown above to compute what `nn.RNN` computes) in float64.
# `torch.autograd.grad` with `is_grads_batched=True` backpropagates the 32 components of $h_T$ at once and
# returns the whole Jacobian; its norm for each $t$ is averaged over the 16 windows.

# %%
def jacobian_norms(weights, xs):
    """Mean over the batch of the norm of d h_T / d x_t, indexed by the distance T - t."""
    xs = xs.detach().clone().requires_grad_(True)
    hidden = weights[1].shape[0]
    h0 = torch.zeros(xs.shape[1], hidden, dtype=xs.dtype, device=xs.device)
    _, h_last = rnn(xs, h0, *weights)
    eye = torch.eye(hidden, dtype=xs.dtype, device=xs.device)[:, None, :].expand(hidden, xs.shape[1], hidden)
    jac = torch.autograd.grad(h_last, xs, grad_outputs=eye, is_grads_batched=True)[0]  # (hidden, T, N, 1)
    return jac.norm(dim=(0, 3)).mean(dim=1).flip(0)


def as_float64(layer):
    return [p.detach().double() for p in (layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0)]


def spectral_radius(w):
    return torch.linalg.eigvals(w).abs().max().item()


torch.manual_seed(0)
untrained = nn.RNN(input_size=1, hidden_size=32).to(device)
w_ih, w_hh, b_ih, b_hh = as_float64(untrained)
rho_init = spectral_radius(w_hh)
weight_sets = {
    "untrained": [w_ih, w_hh, b_ih, b_hh],
    "trained": as_float64(model.rnn),
    "untrained, ρ = 1": [w_ih, w_hh / rho_init, b_ih, b_hh],
    "untrained, ρ = 3": [w_ih, 3 * w_hh / rho_init, b_ih, b_hh],
}
long_T = 100
starts = torch.arange(16) * 50
xs_long = series[starts[None, :] + torch.arange(long_T)[:, None]][:, :, None].double().to(device)

norms = {}
distances = (0, 25, 50, 99)
print(f"{'weights':17} {'ρ':>4}" + "".join(f"{f'T-t={d}':>9}" for d in distances) + f"{'per step':>10}")
for name, weights in weight_sets.items():
    norms[name] = jacobian_norms(weights, xs_long).cpu()
    factor = (norms[name][75] / norms[name][25]).item() ** (1 / 50)
    print(f"{name:17} {spectral_radius(weights[1]):4.2f}"
          + "".join(f"{norms[name][d].item():9.1e}" for d in distances) + f"{factor:10.3f}")

# %% alt="The norm of the Jacobian of the last hidden state with respect to an earlier input, against the distance T minus t from 0 to 99, on a log scale, for four sets of weights. The untrained network falls along a nearly straight line by many orders of magnitude; the trained network and the untrained one rescaled to spectral radius 1 fall more slowly; with spectral radius 3 the norm rises by many orders of magnitude instead. A dotted horizontal line marks 1."
fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
for name, values in norms.items():
    ax.semilogy(range(long_T), values, label=name)
ax.axhline(1.0, color="0.5", linestyle=":", linewidth=1)
ax.set(xlabel="distance $T - t$", ylabel=r"$\|\partial h_T / \partial x_t\|$ (mean over 16 windows)",
       title="tanh RNN, 32 hidden units: gradient reaching the input $T - t$ steps back")
ax.legend()
plt.show()

# %% [markdown]
# The "per step" column is the average ratio between the norms at two consecutive distances (measured
# between $T - t = 25$ and 75), so a factor below 1 means a vanishing gradient and a factor above 1 an exploding
# one. With the default initialisation $\rho$ (printed) is below 1 and the gradient from the distant past
# vanishes: the norm falls by the printed orders of magnitude, and the inputs a few dozen steps back receive
# practically no gradient. Training has raised $\rho$ (printed) and the trained network's
# gradient falls more slowly, but it still falls. $\rho = 1$ slows the decay, but tanh's derivative, below 1, still
# shrinks the product. With $\rho = 3$ the norm grows instead: a training step would be dominated by the
# distant past, and the update could be huge.
#
# The usual remedies, covered in the chapter *RNN*: gradient clipping (`torch.nn.utils.clip_grad_norm_` caps the
# norm of the gradient) against exploding gradients, and against vanishing ones gated cells, **LSTM**
# (`nn.LSTM`) and **GRU** (`nn.GRU`), whose gates let the state be carried across many steps almost unchanged
# instead of being multiplied by $W_{hh}$ and squashed by tanh at every step.
