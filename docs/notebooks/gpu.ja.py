# %% [markdown]
# # GPU を使う
#
# 「GPU / CUDA」の章の実践編です。デバイスの選択、テンソルとモデルの移動、ピン留めメモリと非同期コピー、学習ループでの
# 混合精度、時間の計測、メモリの確認を扱います。このノートブックは GPU があれば CUDA で、なければ CPU で実行され、
# 最初の出力行がどちらで実行したかを示します。CUDA がないと意味のない部分は、CPU ではスキップしたことを表示します。

# %%
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

cuda = torch.cuda.is_available()
device = torch.device("cuda" if cuda else "cpu")
if cuda:
    print(f"CUDA available: running on {torch.cuda.get_device_name(device)}")
else:
    print("CUDA not available: running on CPU")
print(f"torch {torch.__version__}, built with CUDA {torch.version.cuda}, "
      f"GPUs visible: {torch.cuda.device_count()}")

# %% [markdown]
# ## テンソルとモデルを移す
#
# テンソルは 1 つのデバイスの上にあります。`t.to(device)` は `device` 上のコピーを返し（すでにそこにあれば `t`
# そのもの）、`t` は元の場所に残ります。`device=` を指定してデバイス上に直接作ることもできます。モジュールは
# 違います。`model.to(device)` はパラメータとバッファを**その場で**移し、同じモジュールを返します。計算はデータの
# あるデバイスで実行され、出力もそこに置かれます。NumPy（したがって matplotlib）に渡すには CPU に戻します:
# `t.detach().cpu().numpy()`。

# %%
a = torch.arange(6.0).reshape(2, 3)
A = a.to(device)
print("a:", a.device, "| A = a.to(device):", A.device, "| a afterwards:", a.device)
print("created on the device:", torch.ones(2, 3, device=device).device)

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
moved = model.to(device)
print("model.to(device) returns the same module:", moved is model)
print("parameters on:", {p.device for p in model.parameters()})
out = model(A)
print("output on:", out.device, "| as NumPy:", out.detach().cpu().numpy().ravel())

# %% [markdown]
# PyTorch はデバイス間でデータを勝手に移しません。CPU のテンソルと CUDA のテンソルの演算はエラーになります
# （Python の数値と同じように扱われる 0 次元の CPU テンソルだけは例外です）。いちばんよくあるのは、GPU 上のモデルに
# CPU のバッチを渡す間違いです。

# %%
if cuda:
    try:
        model(a)
    except RuntimeError as error:
        print("RuntimeError:", str(error).splitlines()[0])
else:
    print("mixing devices needs a second device: skipped on CPU")

# %% [markdown]
# ## ピン留めメモリと非同期コピー
#
# 普通のホストメモリは*ページング可能*で、OS が物理的な置き場所を動かすことがあります。GPU のコピーエンジン（DMA）は
# *ページロックされた*（ピン留めされた）メモリしか読めないので、ページング可能なメモリからのコピーは、いったん
# ピン留めされた中継バッファを通ります。
#
# - `x.pin_memory()` はピン留めされたメモリ上の `x` のコピーを返します。そこからのコピーは GPU に直接送られます。
# - ピン留めされたメモリからの `x.to(device, non_blocking=True)` はコピーの完了を待たずに戻るので、その間に CPU は
#   次のバッチを準備できます。同じ CUDA ストリームに後から積まれた処理はコピーを待つので GPU 上の計算は
#   正しく行われ、結果を *CPU で*読むときだけ、先に `torch.cuda.synchronize()` が必要です。
# - `DataLoader(..., pin_memory=True)` はバッチをピン留めされたメモリに入れて返します。
#
# ピン留めは CUDA の機能で、CPU だけのマシンではピン留めする意味がありません。

# %%
if cuda:
    x = torch.randn(1024, 1024)
    pinned = x.pin_memory()
    print("x pinned:", x.is_pinned(), "| pinned copy:", pinned.is_pinned())
    x_gpu = pinned.to(device, non_blocking=True)
    torch.cuda.synchronize()
    print("asynchronous copy finished and correct:", torch.equal(x_gpu.cpu(), x))
    dataset = TensorDataset(torch.randn(64, 3))
    loader = DataLoader(dataset, batch_size=16, pin_memory=True)
    (batch,) = next(iter(loader))
    print("DataLoader(pin_memory=True) batch pinned:", batch.is_pinned())
    batch = batch.to(device, non_blocking=True)
else:
    print("pin_memory needs CUDA (page-locked memory serves copies to a GPU): "
          "skipped on CPU")

# %% [markdown]
# ## 混合精度
#
# `torch.autocast(device_type=device.type, dtype=...)` の中では、16 ビットで安全な演算（行列積、全結合層）は
# 16 ビットで計算され、精度に敏感な演算（損失、総和など）は float32 のまま計算されます。パラメータとその勾配は
# float32 のままです。CUDA では float16、CPU では bfloat16（CPU の autocast が対応する型）を使います。
#
# float16 は指数部が 5 ビットしかなく、約 $6 \times 10^{-8}$ より小さい勾配は 0 になります（アンダーフロー）。
# `torch.amp.GradScaler(device.type)` は `backward()` の前に損失に大きな倍率を掛け、更新の前に勾配をその倍率で
# 割ります（勾配がオーバーフローした更新はスキップします）。bfloat16 は float32 と同じ指数の範囲を持ち、スケーリングが
# 要らないので、スケーラーは float16 のときだけ有効にします。無効なら `scale()` は損失をそのまま返し、`step()` は
# `optimizer.step()` を呼ぶだけです。これらが現在の API（`torch.amp`）で、古い `torch.cuda.amp` のものは非推奨です
# （「最適化」の章の混合精度学習の節を参照）。
#
# 同じ小さな回帰ネットワークを、autocast ありとなしで 2 回学習させます:

# %%
amp_dtype = torch.float16 if device.type == "cuda" else torch.bfloat16
use_scaler = amp_dtype == torch.float16
print("autocast dtype:", amp_dtype, "| GradScaler enabled:", use_scaler)

torch.manual_seed(0)
X = torch.randn(512, 16)
Y = X @ torch.randn(16, 1) + 0.1 * torch.randn(512, 1)
X, Y = X.to(device), Y.to(device)


def train(use_amp, steps=200):
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 1)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    scaler = torch.amp.GradScaler(device.type, enabled=use_amp and use_scaler)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        with torch.autocast(device_type=device.type, dtype=amp_dtype,
                            enabled=use_amp):
            prediction = model(X)
            loss = F.mse_loss(prediction, Y)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        losses.append(loss.item())
    return model, scaler, prediction, loss, losses


model_amp, scaler, prediction, loss, losses_amp = train(use_amp=True)
print("inside autocast: prediction", prediction.dtype, "| loss", loss.dtype)
weight = model_amp[0].weight
print("after training: weights", weight.dtype, "| gradients", weight.grad.dtype)
if scaler.is_enabled():
    print("GradScaler's current scale:", scaler.get_scale())
losses_fp32 = train(use_amp=False)[-1]
print(f"loss at step 1:   mixed precision {losses_amp[0]:.4f}, "
      f"float32 {losses_fp32[0]:.4f}")
print(f"loss at step 200: mixed precision {losses_amp[-1]:.4f}, "
      f"float32 {losses_fp32[-1]:.4f}")
assert prediction.dtype == amp_dtype and loss.dtype == torch.float32
assert weight.dtype == torch.float32 and weight.grad.dtype == torch.float32
assert losses_amp[-1] < 0.05 * losses_amp[0]

# %% [markdown]
# ## CPU と GPU の時間を正しく測る
#
# CUDA のカーネルは**非同期**に実行されます。GPU 上の `a @ a` は処理をキューに積んだ時点で戻るので、その直後に
# 時計を読んでも起動の時間しか測れません。正しい計測では次のようにします。
#
# 1. 計測の前に一度実行します（ウォームアップ。メモリの確保、カーネルの選択、ライブラリの初期化は最初の呼び出しで
#    起こります）。
# 2. 時計を読む前に `torch.cuda.synchronize()` を呼び、GPU の処理が終わるのを待ちます。
# 3. 計測を何回か繰り返し、ときどき起こる遅い実行に左右されにくい中央値を報告します。
#
# 同じ関数で CPU の時間も測ります（CPU では同期は要りません）。GPU がなければ CPU だけを測ります。

# %%
def median_time(fn, device, repeats=7):
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


n = 1024
a_cpu = torch.randn(n, n)
cpu_s = median_time(lambda: a_cpu @ a_cpu, torch.device("cpu"))
print(f"{n}x{n} float32 matmul, median of 7 runs after a warm-up")
flop = 2 * n**3
threads = torch.get_num_threads()
print(f"  CPU, {threads} threads: {cpu_s * 1e3:.3f} ms, "
      f"{flop / cpu_s / 1e9:.1f} GFLOP/s")
if cuda:
    a_gpu = a_cpu.to(device)
    gpu_s = median_time(lambda: a_gpu @ a_gpu, device)
    print(f"  GPU: {gpu_s * 1e3:.3f} ms, {flop / gpu_s / 1e9:.1f} GFLOP/s")
    print(f"  speed-up: {cpu_s / gpu_s:.0f}x")
    start = time.perf_counter()
    _ = a_gpu @ a_gpu
    launch_s = time.perf_counter() - start
    torch.cuda.synchronize()
    print(f"  without synchronize(): {launch_s * 1e3:.3f} ms, the launch only")

    host = torch.randn(16 * 2**20)
    host_pinned = host.pin_memory()
    pageable_s = median_time(lambda: host.to(device), device)
    pinned_s = median_time(
        lambda: host_pinned.to(device, non_blocking=True), device)
    size_gb = host.numel() * host.element_size() / 1e9
    print(f"host -> GPU copy of {size_gb * 1e3:.0f} MB: "
          f"pageable {size_gb / pageable_s:.1f} GB/s, "
          f"pinned {size_gb / pinned_s:.1f} GB/s")
else:
    print("  no GPU: only the CPU timing")

# %% [markdown]
# これらの数値は、このページを実行したマシン（最初の出力行がデバイスを示します）のもので、その負荷によって
# 変わります。GPU が速いのは計算量が十分にあるときだけです。小さなテンソルではカーネル起動のオーバーヘッドが支配的に
# なり、GPU との間の往復の転送が計算そのものより高くつくこともあります。
#
# ## メモリの確認
#
# `torch.cuda.memory_allocated()` は参照が残っているテンソルが使っているバイト数、`torch.cuda.max_memory_allocated()` は
# 最後の `torch.cuda.reset_peak_memory_stats()` 以降のその最大値、`torch.cuda.memory_reserved()` は PyTorch の
# キャッシュアロケータがドライバから確保しているバイト数（解放されて再利用を待つ分を含む）です。
# `torch.cuda.empty_cache()` がドライバに返すのはその未使用のキャッシュだけで、まだ参照されているテンソルのメモリは、最後の
# 参照がなくなったとき（`del` など）に初めて解放されます。

# %%
if cuda:
    mib = 2**20
    props = torch.cuda.get_device_properties(device)
    name = torch.cuda.get_device_name(device)
    print(f"{name}: {props.total_memory / 2**30:.1f} GiB")
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    big = torch.empty(64, 1024, 1024, device=device)
    allocated = (torch.cuda.memory_allocated() - before) / mib
    print(f"after allocating 256 MiB: allocated +{allocated:.0f} MiB")
    del big
    allocated = (torch.cuda.memory_allocated() - before) / mib
    peak = (torch.cuda.max_memory_allocated() - before) / mib
    reserved = torch.cuda.memory_reserved() / mib
    print(f"after del: allocated +{allocated:.0f} MiB, peak +{peak:.0f} MiB, "
          f"reserved {reserved:.0f} MiB")
    torch.cuda.empty_cache()
    reserved = torch.cuda.memory_reserved() / mib
    print(f"after empty_cache(): reserved {reserved:.0f} MiB")
else:
    print("CUDA not available: the torch.cuda memory queries are skipped")
