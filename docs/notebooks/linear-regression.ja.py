# %% [markdown]
# # 自動微分と線形回帰をゼロから
#
# このノートブックでは、直線 $\hat y = wx + b$ を 3 段階でデータに当てはめます。
#
# 1. **自動微分を手で使う**: `requires_grad`、`backward()`、`x.grad` に何が入るかを確かめ（「自動微分」の章）、
#    続いて素のテンソルだけで勾配降下法を書きます。
# 2. **PyTorch の標準的な学習ループ**: `nn.Module`（`nn.Linear(1, 1)`）のモデル、`TensorDataset`/`DataLoader`
#    によるミニバッチ、`torch.optim` のモーメンタム付き SGD、`StepLR` スケジューラを使います（「nn.Module と
#    学習ループ」「データ」「最適化」「学習率スケジューラ」の章）。
# 3. **同じ学習を dlref の更新式で**: `dlref.optim.momentum_step` と `dlref.lr_scheduler.step_lr` が、
#    `torch.optim` のパラメータの軌跡を 1 ステップずつ再現することを確かめます。
#
# 3 段階目で 2 つの軌跡を float64 の丸め誤差の水準で比べるため、すべて float64 で計算します。

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
# ## 1. 自動微分で勾配を求める
#
# `requires_grad=True` で作ったテンソルは計算グラフの**リーフテンソル**で、それに対する演算はすべて記録されます
# （結果は `grad_fn` を持ちます）。スカラー `y` の `y.backward()` はそのグラフを逆にたどり、
# $\partial y / \partial x$ を `x.grad`（`x` と同じ形状のテンソル）に入れます。$y = \sum_i 3x_i^2$ の勾配は
# $\partial y / \partial x_i = 6x_i$ です:

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
# `backward()` は `.grad` を上書きせず、**足し込みます**。もう一度逆伝播すると値は 2 倍になります。学習ループで
# 逆伝播の前に毎回勾配を消す（`optimizer.zero_grad()`、手で書くなら `x.grad = None`）のはこのためです:

# %%
(3 * x**2).sum().backward()
print("after a second backward:", x.grad)
torch.testing.assert_close(x.grad, 2 * 6 * x.detach())
x.grad = None

# %% [markdown]
# ### データと損失の勾配
#
# 直線 $y = 2x + 1$ にガウスノイズ（標準偏差 0.3）を加えた 200 点を、シードを固定した乱数生成器で作ります。
# 損失は平均二乗誤差です:
#
# $$
# \mathcal{L}(w, b) = \frac{1}{n} \sum_{i=1}^{n} (w x_i + b - y_i)^2
# $$
#
# その偏微分は次のとおりです:
#
# $$
# \frac{\partial \mathcal{L}}{\partial w} = \frac{2}{n} \sum_{i=1}^{n} (w x_i + b - y_i)\, x_i,
# \qquad
# \frac{\partial \mathcal{L}}{\partial b} = \frac{2}{n} \sum_{i=1}^{n} (w x_i + b - y_i).
# $$
#
# 自動微分はこの式と同じ 2 つの値を返します:

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
# ### 素のテンソルで書く勾配降下法
#
# 勾配降下法は $w \leftarrow w - \eta\, \partial \mathcal{L} / \partial w$（$b$ も同様）を繰り返します。更新そのものは
# 計算グラフに記録してはいけないので `torch.no_grad()` の中で行い、更新のたびに勾配を消します。結果を
# $\mathcal{L}$ の厳密な最小点である最小二乗法の直線（`torch.linalg.lstsq`）と比べます:

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
# ## 2. PyTorch の学習ループ
#
# 同じモデルを、`nn.Linear(1, 1)` を 1 つ持つ `nn.Module` として書きます（重み $w$ の形状は `(1, 1)`、バイアス $b$ の
# 形状は `(1,)`）。`DataLoader` はデータをシャッフルして 20 個ずつのミニバッチに分けます（1 エポックあたり 10 回の
# 更新）。`num_workers=0` はメインプロセスで読み込む指定です。シードを固定した `generator` がバッチの順序を決めるので、
# 3 段階目でまったく同じバッチを再現できます。
#
# オプティマイザはモーメンタム付き SGD です。ノートの形式での $\eta = 0.1$、$\beta = 0.9$ を
# `torch.optim.SGD(lr=η(1 − β), momentum=β)` として指定します（学習率に $1 - \beta$ を掛ける理由は 3 段階目で
# 説明します）。`StepLR(step_size=10, gamma=0.5)` は 10 エポックごとに学習率を半分にします。各エポックの終わりに、
# そのエポックの `optimizer.step()` の後で 1 回だけ `scheduler.step()` を呼びます。

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
# 損失は最初の数エポックで急に下がり、その後は最小二乗法の最小値のすぐ上で横ばいになります。ノイズにはどんな直線も
# 合わせられないからです。学習率（右上。ノートの形式の $\eta$ を描いています。torch の `lr` は $\eta(1 - \beta)$ です）は
# 10 エポック目と 20 エポック目の後に半分になります。学習した直線（下）は真の直線 $y = 2x + 1$ とほとんど重なります。

# %% alt="左上: エポックごとの平均の訓練損失（対数目盛）。最初の数エポックで急に下がり、破線の最小二乗法の最小値のすぐ上で横ばいになる。右上: エポックごとの学習率。0.1 から始まり、10 エポック目と 20 エポック目の後に半分になる階段状のグラフ。下: 200 個のデータ点と、真の直線 y = 2x + 1 と学習した直線。2 本の直線はほとんど重なっている。"
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
# ## 3. dlref の更新式で同じ軌跡をたどる
#
# ノートはモーメンタムを勾配の指数移動平均として書きます:
#
# $$
# V_t = \beta V_{t-1} + (1 - \beta) g_t, \qquad \omega_t = \omega_{t-1} - \eta V_t .
# $$
#
# `torch.optim.SGD(lr, momentum=β)` は代わりに**和**のバッファ $b_t = \beta b_{t-1} + g_t$（$b_1 = g_1$）を持ち、
# $\omega_t = \omega_{t-1} - \mathrm{lr}\, b_t$ と更新します。$V_0 = 0$ から始めると $V_t = (1 - \beta)\, b_t$ なので、
# `SGD(lr=η(1 − β), momentum=β)` はノートの形式とまったく同じ更新をします（`dlref.optim.momentum_step` の
# Notes を参照）。速度は学習率によらないので、スケジューラが学習率を変えてもこの関係は保たれます。エポック $t$ の StepLR の
# 学習率は、torch では $\eta(1 - \beta)\gamma^{\lfloor t/10 \rfloor}$、dlref では $\eta_t = $ `step_lr(t, η, 10, 0.5)` です。
#
# 以下では 2 段階目の学習を `torch.optim` なしで再現します。同じ初期パラメータから始め、同じバッチ（同じシードの
# 新しいローダー）を使い、勾配は dlref *自身の*パラメータで自動微分により求め、更新は `momentum_step` で行います。
# 2 つの軌跡は互いに独立に計算したもので、300 回のステップすべてで比べます。

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

# %% alt="左: 300 回の更新それぞれの後の重み w とバイアス b。torch.optim を実線、dlref をその上に破線で描いている。w は初期値から約 2 へ、b は約 1 へ向かい、モーメンタムに特有の行き過ぎが見られる。右: 各ステップでの 2 つの軌跡の差の絶対値。1e-16 程度で、float64 の丸め誤差の大きさ。"
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
# 2 つの軌跡は一致します。残る差は float64 の最後の数ビットで、torch が更新を融合演算（`add_(…, alpha=…)`）で
# 計算し、学習率 $\eta(1 - \beta)$ を一度丸めるのに対し、dlref は式をそのまま書いているためです。差は蓄積しません。
# この問題は条件がよく、小さな摂動は大きくならずに減衰していくからです。
