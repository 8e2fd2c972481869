# %% [markdown]
# # オプティマイザと学習率スケジュール
#
# 前半では、「最適化」の章の 5 つの更新規則（SGD、モーメンタム、AdaGrad、RMSProp、Adam）を、オプティマイザに
# とって難しいテスト関数として知られる Rosenbrock 関数の上で動かします。各手法を 2 回ずつ、`dlref.optim` の純粋な関数と
# `torch.optim` で計算し、2 つの軌跡が一致することを確かめます。後半では、「学習率スケジューラ」の章の
# スケジュールを `dlref.lr_scheduler` で描き、`torch.optim.lr_scheduler` と照合します。

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from dlref import lr_scheduler as dls
from dlref.optim import adagrad_step, adam_step, momentum_step, rmsprop_step, sgd_step

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print("device:", device)

# %% [markdown]
# ## Rosenbrock 関数
#
# Rosenbrock 関数
#
# $$
# f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2
# $$
#
# は、$(1, 1)$ でただ 1 つの最小値 $f = 0$ をとり、その点は放物線 $y = x^2$ に沿った細長く曲がった谷の底にあります。
# 最小点での曲率（ヘッセ行列の固有値。下で表示します）は、谷に沿った方向で約 0.4、谷を横切る方向で約 1000 です。
# 勾配降下法は谷を横切る方向で安定するように小さな歩幅をとらなければならず、そのため谷に沿ってはゆっくりとしか
# 進めません。
#
# 勾配 $\nabla f = \bigl(2(x - 1) - 400x(y - x^2),\ 200(y - x^2)\bigr)$ は手で書き下し、自動微分と照合します。
# 両方のオプティマイザで同じ Python の浮動小数点数から計算するので、同じ点での勾配はビット単位で等しく、2 つの
# 軌跡の差はオプティマイザだけから生じます。出発点は古典的な $(-1.2, 1)$ です。

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
# ## 5 つのオプティマイザを 2 通りずつ計算する
#
# 各手法とも 1000 ステップ進めます。学習率は、それぞれの軌跡が安定し、手法の特徴が見えるように手で選んだもので、
# 手法の優劣を比べるためのものではありません。torch のオプティマイザは、ノートの式そのものを計算するように設定します
# （各 dlref 関数の Notes を参照）:
#
# | 手法 | dlref | torch.optim |
# |---|---|---|
# | SGD | `sgd_step(p, g, lr=η)` | `SGD(lr=η)` |
# | モーメンタム | `momentum_step(p, g, V, lr=η, beta=β)` | `SGD(lr=η(1 − β), momentum=β)` |
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
# 等高線図では、torch の軌跡（太い半透明の線）と dlref の軌跡（細い破線）が重なっています。丸印は 1000 ステップ後に
# 各軌跡が行き着いた点です。下の図は各ステップでの最小点までの距離です。
#
# - **SGD** はまず谷に落ち、その後は谷に沿ってゆっくり進みます。学習率が谷を横切る急な方向で制限されるためです
#   （そこでの曲率は約 1000 なので、$\eta$ はおよそ $2/1000$ 未満でなければなりません）。上に表示したとおり、
#   $\eta = 0.01$ では数ステップで発散します。
# - **モーメンタム**は勾配を平均します。谷を横切るジグザグは平均で打ち消されるので、同じ $\eta = 0.01$ でも安定し、
#   軌跡は $(1, 1)$ のずっと近くまで行きます。
# - **AdaGrad** は各座標を、過去の勾配の 2 乗の*和*の平方根で割ります。最初のステップは勾配の大きさによらず各座標
#   $\eta$ です（出発直後の右上へのジャンプ）。その後は実効的な学習率が小さくなる一方なので、進みが遅くなります。
# - **RMSProp** は 2 乗の和の代わりに移動*平均*を使うので、歩幅が小さくなり続けることはありません。最初のステップは
#   各座標 $\eta / \sqrt{1 - \beta}$ とさらに大きくなります。平均が 0 から始まり、バイアス補正がないためです。
# - **Adam** は RMSProp にモーメンタムを加え、両方の平均をバイアス補正するので、このようなジャンプはありません。
#   ここでは最も $(1, 1)$ の近くで終わります。

# %% alt="上: x が -1.5 から 1.5、y が -0.5 から 2 の範囲の Rosenbrock 関数の等高線。放物線 y = x の 2 乗に沿って曲がった谷がある。5 つのオプティマイザの軌跡が黒丸の (-1.2, 1) から出発し、谷に沿って星印の最小点 (1, 1) へ向かう。各軌跡は 2 回描かれていて、torch は太い半透明の線、dlref はその真上の細い破線。AdaGrad と RMSProp は最初に右上へ谷の外に跳んでから戻る。モーメンタムは谷底を横切ってジグザグに進む。終点は、SGD が約 (0.60, 0.36)、AdaGrad がそのすぐ先、RMSProp が約 (0.79, 0.63)、モーメンタムと Adam は最小点のすぐそば。下: 最小点までの距離をステップに対して対数目盛で描いたもの。モーメンタムと Adam は約 0.01 まで下がり、ほかは 0.4 より上にとどまる。"
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
# **RMSProp で β = 0.999 とする理由。** torch の既定値 $\beta = 0.99$（と一定の学習率）では、谷底の近くで
# RMSProp の歩幅が小さくなりません。$x = 0.5$ あたりから谷の壁から壁へと跳び続け、軌跡はカオス的になります。
# すると $10^{-13}$ だけ離れた 2 つの出発点が大きく離れた所に行き着くので、丸め方の違う 2 つの正しい実装
# （たとえば GPU 上の torch の融合カーネル）は同じ曲線を描かず、比べても何も確かめられません。$\beta = 0.999$ では
# 軌跡は滑らかで、小さな摂動は小さいままです:

# %%
for beta in (0.99, 0.999):
    a = dlref_path("RMSProp", lr=2e-2, beta=beta)
    b = dlref_path("RMSProp", lr=2e-2, beta=beta, start=start + 1e-13)
    moved = (a - b).abs().max().item()
    print(f"RMSProp, beta = {beta}: start moved by 1e-13, path by {moved:.1e}")

# %% [markdown]
# ## 学習率スケジュール
#
# スケジューラはエポックごとに 1 回（そのエポックの `optimizer.step()` の後の `scheduler.step()` で）オプティマイザの
# 学習率 $\eta_t$ を変えます。`dlref.lr_scheduler` の各関数はスケジューラのステップ $t$ 回後の $\eta_t$ を返し、
# 下の `torch_lrs` は同じ値を torch のスケジューラから集めます。設定は「学習率スケジューラ」の章のものです:
#
# - `StepLR(step_size=30, gamma=0.1)`: $\eta_t = \eta_0 \gamma^{\lfloor t/30 \rfloor}$
# - `MultiStepLR(milestones=[30, 80], gamma=0.1)`: 各マイルストーンで減衰します。
# - `ExponentialLR(gamma=0.95)`: $\eta_t = \eta_0 \gamma^t$
# - `CosineAnnealingLR(T_max=40, eta_min=0.001)`: $T_{\max}$ を大きく越えて 100 エポックまで続けます。余弦は
#   $\eta_{\min}$ で止まらず、$t = 2T_{\max} = 80$ で $\eta_{\max}$ まで戻ります。
# - 10 エポックの線形ウォームアップ $\eta_t = \eta_0 \min(t/10, 1)$: torch では `LambdaLR` で書きます。
# - `ReduceLROnPlateau(factor=0.5, patience=5, cooldown=2, min_lr=0.005)`: 約 30 エポックで横ばいになる合成した
#   検証損失（減衰する指数関数にシードを固定したノイズを加えたもの）を与えます。
#
# `StepLR`、`MultiStepLR`、`ExponentialLR` は現在の学習率に掛け算をし、dlref は同じ掛け算を同じ順で行います。
# ウォームアップとプラトーも、演算の 1 つ 1 つまで同じ計算です。この 5 つは `==` で比べます。コサインアニーリングは
# torch が漸化式で、dlref が閉じた式で計算するので、一致するのは丸め誤差の範囲までです。そのため許容誤差をつけて
# 比べます。

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

# %% alt="エポック 0 から 100 に対する学習率の 6 枚の図。どれも dlref の値を線で描き、その上に torch の値を点で重ねている。StepLR: 0.1 から始まり、30、60、90 エポック目に 10 分の 1 になる。MultiStepLR: 0.1 から始まり、30 と 80 エポック目に 10 分の 1 になる。ExponentialLR: 0.1 から 0.001 未満まで滑らかに減衰する。CosineAnnealingLR: 余弦の半周期で 0.1 から 40 エポック目の 0.001 まで下がり、80 エポック目に 0.1 まで戻って再び下がる。線形ウォームアップ: 最初の 10 エポックで 0 から 0.1 まで直線的に上がり、その後は一定。ReduceLROnPlateau: 第 2 軸の合成した検証損失は下がって約 30 エポックで横ばいになる。学習率は 47 エポック目まで 0.1 のままで、47、61、69、77 エポック目に半分になり、85 エポック目に下限の 0.005 で止まる。"
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
# torch の点は、どこでも dlref の曲線の上に乗っています。$T_{\max} = 40$ を過ぎるとコサインのスケジュールは再び
# 上がるので、学習を $\eta_{\min}$ で終えるには $T_{\max}$ を学習の総エポック数にします。`ReduceLROnPlateau` は
# 最良値の更新がない状態が `patience` $+ 1 = 6$ エポック続いて初めて学習率を下げ、下げた後の `cooldown` $= 2$
# エポックは数えないので、減衰（上に表示）の間隔は 8 エポック以上になります。ノイズを含む損失が最良値を更新すると
# 数え直しになります。学習率は `min_lr` で下げ止まります。
