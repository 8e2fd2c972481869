# %% [markdown]
# # Working with the GPU
#
# The practical side of the chapter *GPU / CUDA*: choosing the device, moving tensors and models, pinned
# memory and asynchronous copies, mixed precision in a training loop, timing, and memory queries. The notebook
# runs on CUDA when a GPU is present and falls back to the CPU otherwise; the first output line says which.
# Parts that only make sense with CUDA print that they were skipped on a CPU.

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
# ## Moving tensors and models
#
# A tensor lives on one device. `t.to(device)` returns a copy on `device` (or `t` itself if it is already
# there) and leaves `t` where it was; a tensor can also be created on the device directly with `device=`.
# A module is different: `model.to(device)` moves its parameters and buffers **in place** and returns the same
# module. Computation runs on the device where the data is, and the output stays there; NumPy (and so
# matplotlib) needs it back on the CPU: `t.detach().cpu().numpy()`.

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
# PyTorch never moves data between devices by itself: an operation on a CPU tensor and a CUDA tensor is an
# error (only 0-dimensional CPU tensors, treated like Python numbers, are allowed). The most common mistake is
# feeding a CPU batch to a model on the GPU.

# %%
if cuda:
    try:
        model(a)
    except RuntimeError as error:
        print("RuntimeError:", str(error).splitlines()[0])
else:
    print("mixing devices needs a second device: skipped on CPU")

# %% [markdown]
# ## Pinned memory and asynchronous copies
#
# Ordinary host memory is *pageable*: the operating system may move it. The GPU's copy engine (DMA) reads only
# *page-locked* (pinned) memory, so a copy from pageable memory first goes through a pinned staging buffer.
#
# - `x.pin_memory()` returns a copy of `x` in pinned memory; copies from it go straight to the GPU.
# - `x.to(device, non_blocking=True)` from pinned memory returns before the copy has finished, so the CPU can
#   prepare the next batch meanwhile. Work queued afterwards on the same CUDA stream waits for the copy, so
#   GPU computations are correct; only reading the result *on the CPU* needs `torch.cuda.synchronize()` first.
# - `DataLoader(..., pin_memory=True)` returns its batches in pinned memory.
#
# Pinning is a CUDA feature; on a CPU-only machine there is no point in pinning.

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
# ## Mixed precision
#
# Under `torch.autocast(device_type=device.type, dtype=...)` operations that are safe in 16 bits (matrix
# products, linear layers) run in 16 bits, while precision-sensitive ones (the loss, reductions) stay in
# float32; the parameters and their gradients stay float32. On CUDA the notebook uses float16, on the CPU
# bfloat16 (the type CPU autocast supports).
#
# float16 has only 5 exponent bits: gradients below about $6 \times 10^{-8}$ underflow to 0.
# `torch.amp.GradScaler(device.type)` multiplies the loss by a large factor before `backward()` and divides the
# gradients by it before the update (skipping updates whose gradients overflowed). bfloat16 has the exponent
# range of float32 and needs no scaling, so the scaler is enabled only for float16; disabled, `scale()` returns
# the loss unchanged and `step()` just calls `optimizer.step()`. These are the current APIs (`torch.amp`); the
# older `torch.cuda.amp` ones are deprecated (see *Mixed-precision training* in the chapter *Optimisation*).
#
# The same small regression network is trained twice, with and without autocast:

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
# ## Timing CPU and GPU honestly
#
# CUDA kernels run **asynchronously**: `a @ a` on a GPU returns as soon as the work is queued, so a clock read
# right after it measures only the launch. An honest measurement
#
# 1. runs the operation once before measuring (warm-up: memory allocation, kernel selection and library
#    initialisation happen on the first call),
# 2. calls `torch.cuda.synchronize()` before reading the clock, so that the GPU has finished,
# 3. repeats the measurement several times and reports the median, which is robust to the occasional slow run.
#
# The same helper times the CPU (where no synchronisation is needed). Without a GPU only the CPU is timed.

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
# These numbers belong to the machine that executed this page (the first output line names the device) and
# vary with its load. A GPU wins only when there is enough work: for tiny tensors the launch overhead
# dominates, and a copy to the GPU and back can cost more than the computation.
#
# ## Memory queries
#
# `torch.cuda.memory_allocated()` counts the bytes held by live tensors, `torch.cuda.max_memory_allocated()` its
# peak since the last `torch.cuda.reset_peak_memory_stats()`, and `torch.cuda.memory_reserved()` the bytes
# PyTorch's caching allocator holds from the driver (including memory freed by tensors and kept for reuse).
# `torch.cuda.empty_cache()` returns only that unused cache; the memory of tensors still referenced is freed
# only when the last reference goes (with `del`, for instance).

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
