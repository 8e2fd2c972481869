# %% [markdown]
# # 手書き数字を CNN で分類する
#
# このノートブックでは、scikit-learn に同梱されている実際の画像、`sklearn.datasets.load_digits` の 1797 枚の手書き
# 数字（8×8 ピクセル、ダウンロード不要）で小さな畳み込みニューラルネットワークを学習します。その過程で、
#
# 1. すべての特徴マップの形を `dlref.cnn.conv2d_output_size` で予測し（「CNN」の章）、
# 2. ドロップアウトとバッチ正規化にとって `model.train()` と `model.eval()` がなぜ重要かを確かめ（「正則化」の章）、
# 3. シードを固定してネットワークを学習し、学習に使わない画像で正解率を測り、
# 4. 学習済みネットワークの層を dlref（`dlref.cnn.conv2d`、`dlref.regularization.batch_norm`、
#    `dlref.cnn.max_pool2d`）で計算し直して、torch の出力と一致することを確かめます。
#
# 対応する CUDA の GPU では、torch は float32 の畳み込みを既定で TensorFloat-32（仮数部 10 ビット）で計算します。最初の
# セルでこれを無効にし（`torch.backends.fp32_precision = "ieee"`）、torch と dlref をどちらも完全な float32 で
# 比べます。CPU ではこの設定は何も変えません。

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
# ## データ
#
# `load_digits()` は、17 段階（0〜16）の濃淡を持つ 8×8 ピクセルのグレースケール画像 1797 枚と、そのラベル 0〜9 を
# 返します。畳み込み層は画像を `(N, C, H, W)` のテンソルとして受け取るので、画像にサイズ 1 のチャネル軸
# （グレースケール）を加え、値を $[0, 1]$ に縮めます。
#
# 画像の 4 分の 1 を、学習に使わない**検証データ**として取り分け、ネットワークが一度も学習していない画像で正解率を
# 測ります。`train_test_split(..., stratify=labels, random_state=0)` は、シードを固定して分割を引き、各数字の
# 割合を両方で同じに保ちます（**層化**分割）。下に表示する数字ごとの枚数がそれを示しています。

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

# %% alt="8×8 ピクセルのグレースケール画像が 2 行 10 列に並んだ図。0 から 9 の各数字について訓練画像の最初の 2 枚を示し、それぞれの上にラベルがある。1 ピクセルが大きな正方形になるほど粗いが、黒地に白い筆跡で数字は読み取れる。"
fig, axes = plt.subplots(2, 10, figsize=(10, 2.5), layout="constrained")
for digit in range(10):
    for row, i in enumerate(torch.nonzero(y_train == digit).flatten()[:2].tolist()):
        ax = axes[row, digit]
        ax.imshow(X_train[i, 0], cmap="gray", vmin=0, vmax=1)
        ax.set_title(str(digit))
        ax.axis("off")
plt.show()

# %% [markdown]
# ## ネットワーク
#
# 2 つの畳み込みブロックの後に線形の分類器を置きます:
#
# - `Conv2d(1, 16, 3, padding=1)`: 3×3 のカーネル 16 個。パディング 1 で 8×8 の大きさを保ちます。
# - `BatchNorm2d(16)`: 16 チャネルのそれぞれを、バッチとピクセルにわたって正規化し、学習する $\gamma, \beta$ で
#   スケールとシフトをかけます。
# - `ReLU` と `MaxPool2d(2)`: 2×2 の窓ごとの最大値で、高さと幅が半分になります。
# - 同じブロックをもう一度、32 チャネルで: 4×4 → 2×2。
# - `Flatten`、`Dropout(0.3)`、`Linear(128, 10)`: 数字ごとに 1 つ、10 個のロジット。
#
# 層に名前を付けておく（`OrderedDict`）と、後で `model.conv1`、`model.bn1` などとして取り出せます。

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
# ### すべての特徴マップの形を予測する
#
# カーネルの一辺が $F$、パディングが $P$、ストライドが $S$ の畳み込み層やプーリング層は、入力の一辺 $W$ を次の
# 長さにします:
#
# $$
# N = \left\lfloor \frac{W - F + 2P}{S} \right\rfloor + 1
# $$
#
# （`dlref.cnn.conv2d_output_size`。床関数の理由は「CNN」の章で説明しています）。畳み込みはチャネル数をカーネルの
# 数に置き換え、プーリングはチャネル数を保ち、`Flatten` はバッチ軸以外をすべて掛け合わせます。下のループは、
# 各層の出力の形を層の設定だけから予測し、それからバッチを実際に層に通して比べます。この確認の間はネットワークを
# 評価モードにして、何も変えないようにします（次の節を参照）。

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
# ## 学習モードと評価モード
#
# これらの層のうち 2 つは、学習中に振る舞いが変わります:
#
# - **ドロップアウト**は、学習モードでは各入力を確率 $p$ で 0 にし（呼び出すたびに新しいランダムなマスク）、
#   残りを $1/(1 - p)$ 倍します。評価モードでは入力をそのまま通します。
# - **バッチ正規化**は、学習モードでは*そのバッチ*の平均と分散で正規化し、移動平均の統計量（`running_mean`、
#   `running_var`）を更新します。評価モードでは移動平均の統計量で正規化し、何も更新しません。
#
# 新しいモジュールは学習モードで始まります。`model.train()` と `model.eval()` は、モジュールとそのすべての
# サブモジュールを切り替えます。学習モードの順伝播は BN の移動平均を変えてしまうので、実験はネットワークの
# コピー（`copy.deepcopy`）で行います。学習モードで同じ 32 枚の画像に 2 回適用すると、出力は 2 回で異なり、
# 移動平均も動きます。評価モードでは 2 回の出力は完全に一致します。

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
# 違いの原因はドロップアウトだけではありません。ドロップアウトを止めても（サブモジュールはそれぞれ自分のモードを
# 持ちます: `probe.dropout.eval()`）、学習モードの BN では、ある画像に対する出力がバッチ内の*ほかの*画像に
# 依存します。最初の画像のロジットは、32 枚のバッチの中と 8 枚のバッチの中とで異なります。評価モードでは
# 依存しません。

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
# ## 学習
#
# 交差エントロピーと Adam（学習率 0.005）で、64 枚ずつのミニバッチで学習します。ミニバッチは、シードを固定した
# 生成器を持つ `DataLoader` がエポックごとにシャッフルし直します。各エポックでは、学習ステップの前に
# `model.train()` を、検証データで正解率を測る前に `model.eval()`（`torch.no_grad()` の中で）を呼びます。
# エポックの訓練損失は、そのエポックのミニバッチの損失をバッチサイズで重み付けした平均です。

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

# %% alt="左: 10 エポックにわたるエポックごとの訓練損失。最初のエポックの後に急に下がり、その後ゆっくり 0 に近づく。右: エポックごとの検証データでの正解率。最初のエポックの後の値から数エポックで 1 近くまで上がり、小さな落ち込みを挟みながら高い値にとどまる。"
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
epoch_axis = range(1, epochs + 1)
ax_loss.plot(epoch_axis, train_losses, "o-")
ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="training loss")
ax_acc.plot(epoch_axis, accuracies, "o-", color="C1")
ax_acc.set(xlabel="epoch", ylabel="accuracy", title="held-out accuracy")
plt.show()

# %% [markdown]
# 最後のエポックの後の検証データでの正解率は、図の上に表示した値です（その横に、正しく分類された検証画像の枚数も
# 表示しています）。ネットワークは小さく（パラメータ数は定義の下に表示しました）、各訓練画像を 10 回しか
# 見ていませんが、この 8×8 の画像では検証データの数字のほとんどを正しく分類します。
#
# ## 学習済みの層を dlref で計算し直す
#
# 評価モードでは、最初のブロックは検証画像 $x$ に対して次を計算します:
#
# 1. 畳み込み（`dlref.cnn.conv2d`。層の `weight`、`bias`、`stride`、`padding` を渡します）
#
#    $$
#    y_{n,o,h,w} = b_o + \sum_{c} \sum_{i=0}^{k_H - 1} \sum_{j=0}^{k_W - 1}
#    K_{o,c,i,j}\, \tilde{x}_{n,c,\,S_H h + i,\; S_W w + j}
#    $$
#
# 2. 移動平均の統計量によるバッチ正規化（`dlref.regularization.batch_norm(..., training=False)`）
#
#    $$
#    y = \gamma \frac{z - \mu_{\mathrm{run}}}{\sqrt{\sigma^2_{\mathrm{run}} + \varepsilon}} + \beta
#    $$
#
# 3. ReLU と、2×2 の窓ごとの最大値（`dlref.cnn.max_pool2d`）。
#
# 各 dlref 関数には torch の層と同じ入力（1 つ前の層の torch の出力）を渡すので、1 つの比較が 1 つの層を
# 調べます。畳み込みと BN は torch と異なる順序で足し算や割り算をするので、一致は float32 の丸め誤差の範囲です
# （`assert_close` の float32 の許容誤差、相対 $1.3 \times 10^{-6}$、絶対 $10^{-5}$）。最大プーリングは値を
# 選ぶだけなので、完全に一致しなければなりません。

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
# ネットワーク全体を dlref の関数だけで書くこともできます。2 つ目のブロックも同じように計算し、平坦化、
# ドロップアウト（評価モードでは恒等写像）、線形層（`dlref.layers.linear`）と続けます。今度は各関数に 1 つ前の
# 層の dlref 自身の出力を渡すので、丸め誤差は層を重ねるごとに積み重なります。それでもロジットは float32 の
# 許容誤差の範囲で一致し、予測される数字は同じです。

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
# 最後に、最初のブロックが検証画像 1 枚から取り出すもの: 畳み込み、バッチ正規化、ReLU の後（`a1`、プーリングの
# 前）の 16 枚の特徴マップを、すべて同じ色のスケールで示します。カーネルごとに反応する局所的なパターンが異なり、
# ある向きの筆跡や、筆跡の片側の縁などに反応します。黒いピクセルは ReLU が反応を 0 にしたところです。

# %% alt="左に 8×8 ピクセルの検証画像の数字が 1 枚あり、正解ラベルと予測ラベルが上に書かれている。その右に、最初のブロックがこの画像から計算した 8×8 ピクセルの特徴マップ 16 枚が 2 行 8 列に並ぶ。各マップは 0 を黒、最大値を淡い黄色とする共通の色スケールで描かれ、数字の筆跡の異なる部分や、その周りの背景の異なる部分が明るくなっている。ReLU が 0 にしたピクセルは黒く、その数は多い。"
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
# ## まとめ
#
# - 画像は `(N, C, H, W)` として畳み込みネットワークに入ります。`conv2d_output_size` は各層の空間方向の大きさを
#   予測し、上のループはそれをすべての層で確かめました。
# - ドロップアウトとバッチ正規化のせいで、学習モードの出力はランダムで、バッチに依存します。学習は
#   `model.train()` で、評価と予測は `model.eval()`（と `torch.no_grad()`）で行います。
# - 学習済みの `Conv2d`、`BatchNorm2d`（移動平均の統計量を使う）、`MaxPool2d` は、`dlref.cnn.conv2d`、
#   `dlref.regularization.batch_norm`、`dlref.cnn.max_pool2d` の式そのものを計算します。前の 2 つは float32 の
#   丸め誤差の範囲で、プーリングは完全に一致します。
