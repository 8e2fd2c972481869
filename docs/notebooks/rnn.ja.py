# %% [markdown]
# # ノイズの乗った正弦波を RNN で予測する
#
# このノートブックでは、ノイズの乗った正弦波の次の値を予測するリカレントネットワークを学習し、続いて
#
# 1. 学習済みの `nn.RNN` とその線形の出力層を `dlref.rnn.rnn` と `dlref.rnn.rnn_output`（「RNN」の章）で
#    計算し直して、torch の出力と一致することを確かめ、
# 2. 入力に届く勾配が、系列の終わりからの距離とともにどれだけ小さく（または大きく）なるかを測ります。章の
#    「RNN の限界」の節で扱った勾配消失と勾配爆発です。
#
# 対応する CUDA の GPU では、cuDNN は float32 の RNN を既定で TensorFloat-32 で計算します。最初のセルでこれを無効にし
# （`torch.backends.fp32_precision = "ieee"`）、torch と dlref を完全な float32 で比べます。CPU ではこの設定は
# 何も変えません。

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
# ## データ
#
# 系列は $k = 0, \dots, 999$ に対する $x_k = \sin(k\,\Delta t) + \varepsilon_k$ で、$\Delta t = 0.1$（1 周期は
# $2\pi / 0.1 \approx 63$ サンプル）、$\varepsilon_k$ はシードを固定した生成器による標準偏差 $\sigma = 0.1$ の
# ガウスノイズです。最初の 700 個を学習に使い、最後の 300 個を検証データとして取り分けます。時系列はシャッフル
# せずに時間で分割し、検証データが学習データの未来にあるようにします。
#
# ネットワークは連続する $T = 25$ 個の値の窓を読み、各時刻で次の値を予測します。目標は入力を 1 つずらしたもの
# です。`nn.RNN` は `(T, N, input_size)` のテンソル、つまり時間が先頭の形を受け取ります（既定の
# `batch_first=False`）。ここでは `input_size` は 1 です。検証用の窓はどれも、予測すべき検証データの値で
# 終わります。

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
# ## モデルと学習
#
# 再帰層（torch の `nn.RNN`、1 層、tanh）と出力層は、$t = 1, \dots, T$ について次を計算します:
#
# $$
# h_t = \tanh\left(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}\right), \qquad
# \hat{y}_t = W_{hy} h_t + b_y
# $$
#
# $h_0 = 0$、隠れ状態は 32 次元、出力は 1 つです（回帰なので出力の活性化関数はありません）。すべての時刻で同じ
# 重みを使います。
#
# 損失は予測の平均二乗誤差です。窓の最初のほうの予測は 1 つか 2 つの値だけから行うので、損失では最初の 5 時刻を
# 除きます。訓練用の窓すべてを 1 つのバッチにし、Adam（学習率 0.01）で 150 ステップ更新します。

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
# 検証用の窓からは、それぞれ 1 つの予測、つまり直前の 25 個の値から行う最後の時刻の予測を取り出します。予測する
# 値のノイズ $\varepsilon_{k+1}$ はどんな予測器にも見通せないので、ノイズのない正弦波そのものを予測に使っても、
# 平均二乗誤差は約 $\sigma^2 = 0.01$ になります。これが下限です。最も単純な比較対象は、最後の値を繰り返す予測
# $\hat{x}_{k+1} = x_k$ です。

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

# %% alt="上: 150 ステップにわたる訓練損失の片対数グラフ。最初の数十ステップで振動しながら急に下がり、その後ゆっくり横ばいに近づく。下: 時間に対する 300 個の検証データの値。正弦波の周りにばらつく点で描かれ、ノイズのない正弦波が破線、RNN の 1 ステップ先の予測が実線で重なる。予測は小さな揺れを含みながら正弦波によく沿い、ノイズの乗った点よりはるかにばらつきが小さい。"
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
# 上に表示した平均二乗誤差で、RNN を下限 $\sigma^2$ や最後の値の繰り返しと比べられます。図では、予測はノイズでは
# なく、その下にある正弦波に沿っています。ネットワークは過去の値にわたってノイズを平均して消すことを学習しました。
#
# ## 同じ計算を dlref で
#
# `dlref.rnn.rnn(xs, h0, weight_ih, weight_hh, bias_ih, bias_hh)` は、上の再帰を時刻のループで計算し、すべての
# 隠れ状態 $h_1, \dots, h_T$ と最後の隠れ状態 $h_T$ を返します。`nn.RNN` は重みを `weight_ih_l0`、`weight_hh_l0`、
# `bias_ih_l0`、`bias_hh_l0`（`l0`: 0 番目の層）として持ち、隠れ状態にはサイズ `num_layers` = 1 の軸が先頭に
# 付きます。出力層は `dlref.rnn.rnn_output(h, weight, bias)`、$\hat{y}_t = W_{hy} h_t + b_y$ で、`nn.Linear` の
# 重みを渡します。dlref の行列積は torch のカーネル（GPU では cuDNN のもの）と同じ順序で足し算するとは限らない
# ので、比較では float32 の丸め誤差を許します（`assert_close` の float32 の既定の許容誤差）。最大の差を表示します。

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
# ## 勾配消失と勾配爆発
#
# 最後の隠れ状態 $h_T$ は、ずっと前の入力 $x_t$ にどれだけ依存するでしょうか。連鎖律により
#
# $$
# \frac{\partial h_T}{\partial x_t}
# = \left( \prod_{k=t+1}^{T} \mathrm{diag}(1 - h_k^2)\, W_{hh} \right) \mathrm{diag}(1 - h_t^2)\, W_{ih}
# $$
#
# です（$1 - h^2$ は tanh の導関数）。同じ行列 $W_{hh}$ が $T - t$ 回現れます。そのスペクトル半径 $\rho$
# （固有値の絶対値の最大値）が 1 より小さいか、tanh が飽和して導関数が小さいと、積は $T - t$ とともに指数的に
# 小さくなり、$\rho$ が 1 より十分大きいと指数的に大きくなりえます。学習で損失の勾配を前の時刻へ送り返すときにも、
# これと同じ積を使います。
#
# 測定には $T = 100$ 個の値の系列（データの窓 16 個）と、4 組の重みを使います:
#
# - 未学習のネットワーク: 上のモデルの初期値（同じシード）、つまり torch の既定の初期化
#   $U(-1/\sqrt{H}, 1/\sqrt{H})$（$H = 32$）;
# - 学習済みのネットワーク;
# - 未学習の重みで $W_{hh}$ を $\rho = 1$ に、また $\rho = 3$ に拡大縮小したもの（再帰の重みのスケールを大きく
#   したもの）。
#
# 再帰は `dlref.rnn.rnn`（`nn.RNN` と同じものを計算することを上で確かめました）で、float64 で計算します。
# `is_grads_batched=True` を付けた `torch.autograd.grad` は $h_T$ の 32 成分を一度に逆伝播し、ヤコビ行列全体を
# 返します。各 $t$ についてそのノルムを 16 個の窓で平均します。

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

# %% alt="最後の隠れ状態の、前の入力に対するヤコビ行列のノルムを、距離 T − t（0 から 99）に対して 4 組の重みについて描いた片対数グラフ。未学習のネットワークはほぼ直線に沿って何桁も減少する。学習済みのネットワークと、スペクトル半径を 1 にした未学習のネットワークはよりゆっくり減少する。スペクトル半径 3 では逆に何桁も増加する。1 の位置に水平な点線がある。"
fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
for name, values in norms.items():
    ax.semilogy(range(long_T), values, label=name)
ax.axhline(1.0, color="0.5", linestyle=":", linewidth=1)
ax.set(xlabel="distance $T - t$", ylabel=r"$\|\partial h_T / \partial x_t\|$ (mean over 16 windows)",
       title="tanh RNN, 32 hidden units: gradient reaching the input $T - t$ steps back")
ax.legend()
plt.show()

# %% [markdown]
# 「per step」の列は、隣り合う 2 つの距離でのノルムの比の平均（$T - t = 25$ と 75 の間で測ったもの）です。
# 1 より小さければ勾配消失、1 より大きければ勾配爆発を意味します。既定の初期化では $\rho$（表示した値）は 1 より
# 小さく、遠い過去からの勾配は消えていきます。ノルムは表示したとおり何桁も減り、数十ステップ前の入力には勾配が
# ほとんど届きません。学習によって $\rho$（表示した値）は大きくなり、学習済みのネットワークの勾配はよりゆっくり
# 減りますが、それでも減っていきます。$\rho = 1$ にすると減り方は遅くなりますが、1 より小さい tanh の導関数が
# やはり積を小さくします。$\rho = 3$ では逆にノルムが増えます。学習の 1 ステップが遠い過去に支配され、更新が
# 巨大になりえます。
#
# よく使われる対策は「RNN」の章で扱っています。勾配爆発には勾配クリッピング（`torch.nn.utils.clip_grad_norm_`
# が勾配のノルムに上限を設けます）、勾配消失にはゲートを持つセル、**LSTM**（`nn.LSTM`）と **GRU**（`nn.GRU`）
# です。これらのゲートは、毎ステップ $W_{hh}$ を掛けて tanh でつぶす代わりに、状態をほとんど変えずに多くの
# ステップにわたって運ぶことを可能にします。
