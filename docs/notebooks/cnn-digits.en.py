# %% [markdown]
# # A CNN on handwritten digits
#
# This notebook trains a small convolutional network on real images that ship with scikit-learn: the
# 1797 handwritten digits of `sklearn.datasets.load_digits` (8×8 pixels, no download). Along the way it
#
# 1. predicts the shape of every feature map with `dlref.cnn.conv2d_output_size` (chapter *CNN*);
# 2. shows why `model.train()` and `model.eval()` matter for dropout and batch normalisation (chapter
#    *Regularisation*);
# 3. trains the network with a fixed seed and measures its accuracy on held-out images;
# 4. recomputes the trained network's layers with dlref (`dlref.cnn.conv2d`, `dlref.regularization.batch_norm`,
#    `dlref.cnn.max_pool2d`) and checks that they give torch's outputs.
#
# On CUDA GPUs that support it, torch computes float32 convolutions in TensorFloat-32 by default (10 mantissa
# bits); the first cell switches this off (`torch.backends.fp32_precision = "ieee"`) so that torch and dlref
# are both compared in full float32. On a CPU the setting changes nothing.

# %%
import copy
import math
from collections import OrderedDict

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlref.activations import relu
from dlref.cnn import conv2d, conv2d_output_size, max_pool2d
from dlref.layers import linear
from dlref.regularization import batch_norm

torch.backends.fp32_precision = "ieee"
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print("device:", device)

# %% [markdown]
# ## The data
#
# `load_digits()` returns 1797 greyscale images of 8×8 pixels with 17 grey levels (0 to 16) and their labels
# 0–9. A convolutional layer expects images as `(N, C, H, W)` tensors: the images get a channel axis of size 1
# (greyscale) and are scaled to $[0, 1]$.
#
# A quarter of the images is held out to measure accuracy on images the network never trains on.
# `train_test_split(..., stratify=labels, random_state=0)` draws the split with a fixed seed and keeps the
# proportion of each digit the same in both parts (a **stratified** split), as the counts below show.

# %%
digits = load_digits()
images = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
labels = torch.tensor(digits.target)
print("images:", tuple(images.shape), images.dtype, "values in", [images.min().item(), images.max().item()])

train_idx, test_idx = train_test_split(np.arange(len(labels)), test_size=0.25, stratify=digits.target,
                                       random_state=0)
X_train, y_train = images[train_idx], labels[train_idx]
X_test, y_test = images[test_idx], labels[test_idx]
print(f"training images: {len(y_train)}, held-out images: {len(y_test)}")
print("per digit, training:", torch.bincount(y_train).tolist())
print("per digit, held out:", torch.bincount(y_test).tolist())

# %% alt="Two rows of ten 8-by-8 pixel greyscale images, the first two training images of each digit from 0 to 9, each titled with its label. The digits are coarse but recognisable: each pixel is a large square, white strokes on a black background."
fig, axes = plt.subplots(2, 10, figsize=(10, 2.5), layout="constrained")
for digit in range(10):
    for row, i in enumerate(torch.nonzero(y_train == digit).flatten()[:2].tolist()):
        ax = axes[row, digit]
        ax.imshow(X_train[i, 0], cmap="gray", vmin=0, vmax=1)
        ax.set_title(str(digit))
        ax.axis("off")
plt.show()

# %% [markdown]
# ## The network
#
# Two convolutional blocks, then a linear classifier:
#
# - `Conv2d(1, 16, 3, padding=1)`: 16 kernels of 3×3; a padding of 1 keeps the 8×8 size.
# - `BatchNorm2d(16)`: normalises each of the 16 channels over the batch and the pixels, then scales and shifts
#   it with learnt $\gamma, \beta$.
# - `ReLU` and `MaxPool2d(2)`: the maximum of each 2×2 window halves the height and width.
# - The same block again with 32 channels: 4×4 → 2×2.
# - `Flatten`, `Dropout(0.3)` and `Linear(128, 10)`: the ten logits, one per digit.
#
# Naming the layers (an `OrderedDict`) lets us reach them later as `model.conv1`, `model.bn1`, and so on.

# %%
torch.manual_seed(0)
model = nn.Sequential(OrderedDict(
    conv1=nn.Conv2d(1, 16, kernel_size=3, padding=1),
    bn1=nn.BatchNorm2d(16),
    relu1=nn.ReLU(),
    pool1=nn.MaxPool2d(2),
    conv2=nn.Conv2d(16, 32, kernel_size=3, padding=1),
    bn2=nn.BatchNorm2d(32),
    relu2=nn.ReLU(),
    pool2=nn.MaxPool2d(2),
    flatten=nn.Flatten(),
    dropout=nn.Dropout(0.3),
    fc=nn.Linear(32 * 2 * 2, 10),
)).to(device)
print(model)
print("learnable parameters:", sum(p.numel() for p in model.parameters()))

# %% [markdown]
# ### Every feature-map shape, predicted
#
# A convolution or pooling layer with kernel side $F$, padding $P$ and stride $S$ turns an input side $W$ into
#
# $$
# N = \left\lfloor \frac{W - F + 2P}{S} \right\rfloor + 1
# $$
#
# (`dlref.cnn.conv2d_output_size`; the chapter *CNN* explains the floor). A convolution replaces the channels
# by its number of kernels, pooling keeps them, and `Flatten` multiplies out everything but the batch axis.
# The loop below predicts each layer's output shape from the layer's settings alone, then runs a batch through
# the layer and compares. The network is put in evaluation mode for this check, so that it changes nothing
# (see the next section).

# %%
def pair(v):
    return v if isinstance(v, tuple) else (v, v)


def predicted_shape(layer, shape):
    if isinstance(layer, (nn.Conv2d, nn.MaxPool2d)):
        n, c, h, w = shape
        k, s, p, d = (pair(v) for v in (layer.kernel_size, layer.stride, layer.padding, layer.dilation))
        h, w = conv2d_output_size(h, k[0], s[0], p[0], d[0]), conv2d_output_size(w, k[1], s[1], p[1], d[1])
        return (n, layer.out_channels if isinstance(layer, nn.Conv2d) else c, h, w)
    if isinstance(layer, nn.Flatten):
        return (shape[0], math.prod(shape[1:]))
    if isinstance(layer, nn.Linear):
        return (*shape[:-1], layer.out_features)
    return shape  # BatchNorm2d, ReLU and Dropout keep the shape


model.eval()
x = X_train[:5].to(device)
print(f"{'layer':8} {'predicted':>16} {'actual':>16}")
print(f"{'input':8} {str(tuple(x.shape)):>16}")
with torch.no_grad():
    for name, layer in model.named_children():
        expected = predicted_shape(layer, tuple(x.shape))
        x = layer(x)
        assert tuple(x.shape) == expected
        print(f"{name:8} {str(expected):>16} {str(tuple(x.shape)):>16}")

# %% [markdown]
# ## Training mode and evaluation mode
#
# Two of these layers behave differently while training:
#
# - **Dropout** in training mode sets each input to 0 with probability $p$, a fresh random mask on every call,
#   and multiplies the others by $1/(1 - p)$; in evaluation mode it passes its input through unchanged.
# - **Batch normalisation** in training mode normalises with the mean and variance of the *current batch* and
#   updates its running statistics (`running_mean`, `running_var`); in evaluation mode it normalises with the
#   running statistics and changes nothing.
#
# A new module starts in training mode; `model.train()` and `model.eval()` switch a module and all its
# submodules. The experiment runs on a copy of the network (`copy.deepcopy`), because forward passes in
# training mode change BN's running statistics. Called twice on the same 32 images in training mode, the
# network gives two different outputs, and the running statistics move; in evaluation mode the two outputs are
# identical.

# %%
probe = copy.deepcopy(model)
batch = X_train[:32].to(device)
with torch.no_grad():
    probe.train()
    before = probe.bn1.running_mean.clone()
    first, second = probe(batch), probe(batch)
    print("train mode: identical outputs?", torch.equal(first, second),
          f"| largest difference {(first - second).abs().max().item():.3f}")
    print("train mode: bn1.running_mean moved by", f"{(probe.bn1.running_mean - before).abs().max().item():.4f},",
          "batches tracked:", probe.bn1.num_batches_tracked.item())
    probe.eval()
    before = probe.bn1.running_mean.clone()
    first, second = probe(batch), probe(batch)
    print("eval mode:  identical outputs?", torch.equal(first, second),
          "| running_mean unchanged?", torch.equal(probe.bn1.running_mean, before))
assert torch.equal(first, second)

# %% [markdown]
# Dropout is not the only source of the difference. With dropout switched off (a submodule has its own mode:
# `probe.dropout.eval()`), BN in training mode still makes the output for one image depend on the *other*
# images in the batch: the first image gives different logits in a batch of 32 than in a batch of 8. In
# evaluation mode it does not.

# %%
with torch.no_grad():
    probe.train()
    probe.dropout.eval()
    in_32, in_8 = probe(batch)[0], probe(batch[:8])[0]
    print("logits of image 0, in a batch of 32 and in a batch of 8:")
    print("  train mode, dropout off: equal?", torch.allclose(in_32, in_8),
          f"| largest difference {(in_32 - in_8).abs().max().item():.3f}")
    probe.eval()
    in_32, in_8 = probe(batch)[0], probe(batch[:8])[0]
    torch.testing.assert_close(in_32, in_8)
    print("  eval mode:               equal?", torch.allclose(in_32, in_8))

# %% [markdown]
# ## Training
#
# The network is trained with cross-entropy and Adam (learning rate 0.005) on mini-batches of 64 images,
# reshuffled every epoch by a `DataLoader` whose generator is seeded. Each epoch calls `model.train()` before
# its training steps and `model.eval()` (inside `torch.no_grad()`) before measuring accuracy on the held-out
# images. The training loss of an epoch is the mean of its mini-batch losses, weighted by batch size.

# %%
torch.manual_seed(0)
loader = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True,
                    generator=torch.Generator().manual_seed(0))
optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
X_test_d, y_test_d = X_test.to(device), y_test.to(device)


def held_out_accuracy(net):
    net.eval()
    with torch.no_grad():
        return (net(X_test_d).argmax(dim=1) == y_test_d).float().mean().item()


epochs = 10
train_losses, accuracies = [], []
for epoch in range(1, epochs + 1):
    model.train()
    total = 0.0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        loss = F.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(yb)
    train_losses.append(total / len(y_train))
    accuracies.append(held_out_accuracy(model))
    print(f"epoch {epoch:2d}: training loss {train_losses[-1]:.4f}, held-out accuracy {accuracies[-1]:.4f}")
print(f"final held-out accuracy: {accuracies[-1]:.4f} "
      f"({round(accuracies[-1] * len(y_test))} of {len(y_test)} images)")

# %% alt="Left: the training loss per epoch over 10 epochs, falling steeply after the first epoch and then slowly towards zero. Right: the held-out accuracy per epoch, rising from its value after the first epoch to close to 1 within a few epochs and then staying near the top, with small dips."
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
epoch_axis = range(1, epochs + 1)
ax_loss.plot(epoch_axis, train_losses, "o-")
ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="training loss")
ax_acc.plot(epoch_axis, accuracies, "o-", color="C1")
ax_acc.set(xlabel="epoch", ylabel="accuracy", title="held-out accuracy")
plt.show()

# %% [markdown]
# The held-out accuracy after the last epoch is the value printed above the figure (the number of correctly
# classified held-out images is printed next to it). The network is small (its number of parameters is printed
# under its definition) and sees each training image only ten times, yet on these 8×8 images it classifies
# nearly all held-out digits correctly.
#
# ## The trained layers, recomputed with dlref
#
# In evaluation mode the first block computes, for the held-out images $x$:
#
# 1. the convolution (`dlref.cnn.conv2d`, with the layer's `weight`, `bias`, `stride` and `padding`)
#
#    $$
#    y_{n,o,h,w} = b_o + \sum_{c} \sum_{i=0}^{k_H - 1} \sum_{j=0}^{k_W - 1}
#    K_{o,c,i,j}\, \tilde{x}_{n,c,\,S_H h + i,\; S_W w + j}
#    $$
#
# 2. batch normalisation with the running statistics (`dlref.regularization.batch_norm(..., training=False)`)
#
#    $$
#    y = \gamma \frac{z - \mu_{\mathrm{run}}}{\sqrt{\sigma^2_{\mathrm{run}} + \varepsilon}} + \beta
#    $$
#
# 3. ReLU, and the maximum over each 2×2 window (`dlref.cnn.max_pool2d`).
#
# Each dlref function gets the same input as the torch layer (the torch output of the layer before), so each
# comparison tests one layer. The convolution and BN sum and divide in a different order than torch, so they
# agree to float32 rounding (`assert_close`'s float32 tolerances, relative $1.3 \times 10^{-6}$ and absolute
# $10^{-5}$); max pooling only selects values and must agree exactly.

# %%
model.eval()
x = X_test_d
with torch.no_grad():
    z1 = model.conv1(x)
    n1 = model.bn1(z1)
    a1 = model.relu1(n1)
    p1 = model.pool1(a1)

    conv = model.conv1
    ours_z1 = conv2d(x, conv.weight, conv.bias, stride=conv.stride, padding=conv.padding)
    bn = model.bn1
    ours_n1, mean_after, var_after = batch_norm(z1, bn.weight, bn.bias, bn.running_mean, bn.running_var,
                                                training=False, momentum=bn.momentum, eps=bn.eps)
    ours_p1 = max_pool2d(a1, model.pool1.kernel_size, stride=model.pool1.stride)

torch.testing.assert_close(ours_z1, z1)
torch.testing.assert_close(ours_n1, n1)
torch.testing.assert_close(relu(n1), a1, rtol=0, atol=0)
torch.testing.assert_close(ours_p1, p1, rtol=0, atol=0)
assert torch.equal(mean_after, bn.running_mean) and torch.equal(var_after, bn.running_var)
for name, ours, theirs in (("conv1", ours_z1, z1), ("bn1", ours_n1, n1), ("pool1", ours_p1, p1)):
    print(f"{name}: output {tuple(theirs.shape)}, largest |dlref - torch| = "
          f"{(ours - theirs).abs().max().item():.1e}")

# %% [markdown]
# The whole network can be written with dlref functions alone: the second block in the same way, then
# flattening, dropout (the identity in evaluation mode) and the linear layer (`dlref.layers.linear`). This
# time each function gets dlref's own output of the layer before, so the rounding differences accumulate
# through the layers; the logits still agree within float32 tolerances, and the predicted digits are the same.

# %%
def dlref_forward(net, x):
    for conv, bn, pool in ((net.conv1, net.bn1, net.pool1), (net.conv2, net.bn2, net.pool2)):
        x = conv2d(x, conv.weight, conv.bias, stride=conv.stride, padding=conv.padding)
        x = batch_norm(x, bn.weight, bn.bias, bn.running_mean, bn.running_var, training=False,
                       momentum=bn.momentum, eps=bn.eps)[0]
        x = max_pool2d(relu(x), pool.kernel_size, stride=pool.stride)
    return linear(x.flatten(start_dim=1), net.fc.weight, net.fc.bias)


with torch.no_grad():
    ours, theirs = dlref_forward(model, X_test_d), model(X_test_d)
torch.testing.assert_close(ours, theirs)
assert torch.equal(ours.argmax(dim=1), theirs.argmax(dim=1))
print(f"logits {tuple(theirs.shape)}: largest |dlref - torch| = {(ours - theirs).abs().max().item():.1e}")
print(f"held-out accuracy from the dlref logits: {(ours.argmax(dim=1) == y_test_d).float().mean().item():.4f}")

# %% [markdown]
# Finally, what the first block extracts from one held-out image: the 16 feature maps after convolution,
# batch normalisation and ReLU (`a1`, before pooling), all on the same colour scale. Each kernel responds to a
# different local pattern, such as strokes of one orientation or the edges on one side of a stroke; black
# pixels are where ReLU set the response to 0.

# %% alt="On the left a held-out digit of 8 by 8 pixels, titled with its true and predicted label. To its right, in two rows of eight, the 16 feature maps of 8 by 8 pixels that the first block computes for it. Each map, on a common colour scale from black for zero to light yellow for the largest value, lights up a different part of the digit's strokes or of the background around them; many pixels are black where ReLU set them to zero."
image = 0
prediction = theirs[image].argmax().item()
fig, axes = plt.subplots(2, 9, figsize=(11, 2.8), layout="constrained")
axes[0, 0].imshow(X_test[image, 0], cmap="gray", vmin=0, vmax=1)
axes[0, 0].set_title(f"label {y_test[image].item()}\npredicted {prediction}", fontsize=9)
axes[1, 0].axis("off")
maps = a1[image].cpu()
for k, ax in enumerate(axes[:, 1:].flat):
    ax.imshow(maps[k], cmap="magma", vmin=0, vmax=maps.max().item())
    ax.set_title(f"channel {k}", fontsize=8)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()

# %% [markdown]
# ## Summary
#
# - Images enter a convolutional network as `(N, C, H, W)`; `conv2d_output_size` predicts each layer's spatial
#   size, and the loop above checked it for every layer.
# - Dropout and batch normalisation make training mode random and batch-dependent: train with `model.train()`,
#   evaluate and predict with `model.eval()` (and `torch.no_grad()`).
# - The trained `Conv2d`, `BatchNorm2d` (with its running statistics) and `MaxPool2d` compute exactly the
#   formulas of `dlref.cnn.conv2d`, `dlref.regularization.batch_norm` and `dlref.cnn.max_pool2d`, to float32
#   rounding for the first two and exactly for pooling.
