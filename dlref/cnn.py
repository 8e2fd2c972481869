r"""Convolution and pooling: the layers of a convolutional neural network.

Chapter: [Convolutional networks](../cnn.md). Every function takes images as `(N, C, H, W)` tensors, is built
from slicing, zero padding and a sum over channels, and is verified against `torch.nn.functional.conv2d`,
`nn.MaxPool2d` and `nn.AvgPool2d`.
"""

from __future__ import annotations

import torch
from torch import Tensor

from dlref._checks import check_nonnegative_int, check_pair, check_positive_int, check_tensor

__all__ = [
    "conv2d_output_size",
    "conv2d",
    "conv2d_input_grad",
    "conv2d_weight_grad",
    "max_pool2d",
    "avg_pool2d",
]


def conv2d_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    r"""Length of one spatial side of a convolution's (or pooling's) output.

    $$
    N = \left\lfloor \frac{W - F + 2P}{S} \right\rfloor + 1
    $$

    where $W$ is the input side, $F$ the kernel side, $P$ the zero padding on each border and $S$ the stride.
    With a dilation $D$ (the spacing between kernel taps; $D = 1$ is an ordinary, dense kernel) the kernel
    spans $D(F - 1) + 1$ inputs and the general formula is

    $$
    N = \left\lfloor \frac{W + 2P - D(F - 1) - 1}{S} \right\rfloor + 1
    $$

    Parameters
    ----------
    size : int
        Input side $W \ge 1$ (height or width).
    kernel_size : int
        Kernel side $F \ge 1$.
    stride : int, default 1
        Step $S \ge 1$ between two kernel positions.
    padding : int, default 0
        Zeros $P \ge 0$ added on each border.
    dilation : int, default 1
        Spacing $D \ge 1$ between kernel taps.

    Returns
    -------
    int
        Output side $N \ge 1$: the number of positions where the (dilated) kernel fits inside the padded input.

    Raises
    ------
    ValueError
        If the dilated kernel $D(F - 1) + 1$ is larger than the padded input $W + 2P$ (torch raises
        `RuntimeError` there), or a size, stride or dilation is not positive, or the padding is negative.

    Notes
    -----
    The notes write $N = \frac{W - F + 2P}{S} + 1$ without the floor, which is not an integer when $S$ does not divide
    $W - F + 2P$: the kernel cannot start at a fractional position, so the last incomplete step is dropped
    (torch's `ceil_mode=False`, the default for pooling and the only mode of convolution). `nn.Conv2d` needs
    no extra arguments to agree.

    Examples
    --------
    >>> conv = nn.Conv2d(1, 1, kernel_size=3, stride=2, padding=1).double().to(device)
    >>> conv(torch.zeros(1, 1, 6, 6, dtype=torch.float64, device=device)).shape[-1]
    3
    >>> conv2d_output_size(6, 3, stride=2, padding=1)
    3
    >>> (6 - 3 + 2 * 1) / 2 + 1  # the notes' formula without the floor: not even an integer
    3.5
    >>> conv = nn.Conv2d(1, 1, kernel_size=3, dilation=2).double().to(device)
    >>> conv(torch.zeros(1, 1, 9, 9, dtype=torch.float64, device=device)).shape[-1]
    5
    >>> conv2d_output_size(9, 3, dilation=2)
    5

    See Also
    --------
    conv2d : the convolution whose output has this size.
    max_pool2d : pooling uses the same formula with $D = 1$.
    """
    size = check_positive_int(size, "size")
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    stride = check_positive_int(stride, "stride")
    padding = check_nonnegative_int(padding, "padding")
    dilation = check_positive_int(dilation, "dilation")
    span = dilation * (kernel_size - 1) + 1  # the dilated kernel covers D(F − 1) + 1 inputs
    if span > size + 2 * padding:
        raise ValueError(
            f"kernel_size (dilated: {span}) must not be larger than the padded input, "
            f"size + 2*padding = {size + 2 * padding}"
        )
    return (size + 2 * padding - span) // stride + 1  # N = ⌊(W + 2P − D(F − 1) − 1) / S⌋ + 1


def _output_hw(x: Tensor, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int]
               ) -> tuple[int, int]:
    """Output height and width, with the kernel-too-large error phrased for `x`."""
    if x.shape[-2] == 0 or x.shape[-1] == 0:
        raise ValueError(f"x must have a positive height and width, got shape {tuple(x.shape)}")
    sizes = []
    for side, k, s, p in zip(x.shape[-2:], kernel, stride, padding):
        try:
            sizes.append(conv2d_output_size(side, k, s, p))
        except ValueError as exc:
            raise ValueError(
                f"kernel_size {kernel} must not be larger than the padded input: x has spatial size "
                f"{tuple(x.shape[-2:])} and padding {padding}"
            ) from exc
    return sizes[0], sizes[1]


def _pad(x: Tensor, padding: tuple[int, int], value: float) -> Tensor:
    """`x` surrounded by `padding` rows and columns of `value` (a new tensor; `x` is untouched)."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    n, c, h, w = x.shape
    out = torch.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=x.dtype, device=x.device)
    out[:, :, ph:ph + h, pw:pw + w] = x  # the original image in the middle; autograd flows through the copy
    return out


def _window(xp: Tensor, i: int, j: int, out_hw: tuple[int, int], stride: tuple[int, int]) -> Tensor:
    """The inputs that kernel offset (i, j) meets at every output position: a strided slice of the last two dims."""
    (ho, wo), (sh, sw) = out_hw, stride
    return xp[:, :, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw]  # x_p[n, c, S·h + i, S·w + j]


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple[int, int] = 1,
           padding: int | tuple[int, int] = 0) -> Tensor:
    r"""2-D convolution layer (as in deep learning: a cross-correlation, the kernel is not flipped).

    $$
    y_{n,o,h,w} = b_o + \sum_{c=1}^{C_{\mathrm{in}}} \sum_{i=0}^{k_H - 1} \sum_{j=0}^{k_W - 1}
    K_{o,c,i,j}\, \tilde{x}_{n,c,\,S_H h + i,\; S_W w + j}
    $$

    where $\tilde{x}$ is the input with $P_H$ rows and $P_W$ columns of zeros added on each border, and
    $h, w$ run from 0 to the output sizes given by [conv2d_output_size][dlref.cnn.conv2d_output_size].

    Parameters
    ----------
    x : Tensor
        Input images `(N, C_in, H, W)`, floating point.
    weight : Tensor
        Kernels $K$ of shape `(C_out, C_in, kH, kW)`, same dtype as `x`.
    bias : Tensor or None, default None
        Bias $b$ of shape `(C_out,)`, or `None` for no bias.
    stride : int or (int, int), default 1
        Step $(S_H, S_W)$ between kernel positions.
    padding : int or (int, int), default 0
        Zeros $(P_H, P_W)$ added on each border.

    Returns
    -------
    Tensor
        Feature maps `(N, C_out, H_out, W_out)`: one map per kernel.

    Raises
    ------
    ValueError
        If the kernel is larger than the padded input (torch raises `RuntimeError`), the channels of `x` and
        `weight` differ, or a stride is not positive or a padding negative.

    Notes
    -----
    In mathematics the convolution flips the kernel,
    $(x * K)_{h,w} = \sum_{i,j} K_{i,j}\, x_{h - i,\, w - j}$; deep-learning "convolution" layers, torch's
    `F.conv2d` / `nn.Conv2d` included, slide the kernel without flipping it (cross-correlation), as written
    above. The two agree when the kernel is rotated by 180°: `K.flip(-2, -1)`. Since the kernel is learnt,
    the difference does not matter for training. `F.conv2d` agrees with the default `dilation=1`, `groups=1`.

    On CUDA GPUs that support it, torch computes float32 convolutions in TensorFloat-32 by default
    (`torch.backends.cudnn.conv.fp32_precision` is `"tf32"`): the factors are rounded to 10 mantissa bits, so
    `F.conv2d` then differs from the float32 sum by about $10^{-3}$ relative. `torch.backends.fp32_precision =
    "ieee"` restores full float32 precision (dlref's matrix products never use TF32 unless asked to).

    dlref loops over the $k_H k_W$ kernel offsets: each offset $(i, j)$ meets a strided slice of the padded
    input, which is multiplied by $K_{:,:,i,j}$ with a sum over channels (a matrix product).

    Examples
    --------
    >>> x = torch.randn(2, 3, 7, 6, dtype=torch.float64, device=device)
    >>> w = torch.randn(4, 3, 3, 2, dtype=torch.float64, device=device)
    >>> b = torch.randn(4, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(conv2d(x, w, b, stride=(2, 1), padding=1),
    ...                            F.conv2d(x, w, b, stride=(2, 1), padding=1))

    The flipped kernel of the mathematical convolution gives a different result, except for symmetric
    kernels:

    >>> bool(torch.allclose(conv2d(x, w.flip(-2, -1)), F.conv2d(x, w)))
    False

    See Also
    --------
    conv2d_output_size : $H_{\mathrm{out}}$ and $W_{\mathrm{out}}$.
    conv2d_input_grad : the gradient with respect to `x`.
    conv2d_weight_grad : the gradient with respect to `weight`.
    max_pool2d : the layer that usually follows (after an activation).
    """
    x = check_tensor(x, "x", ndim=4)
    weight = check_tensor(weight, "weight", ndim=4)
    if weight.dtype != x.dtype:
        raise TypeError(f"weight must have the same dtype as x ({x.dtype}), got {weight.dtype}")
    c_out, c_in, kh, kw = weight.shape
    if c_in != x.shape[1]:
        raise ValueError(
            f"weight must have C_in = {x.shape[1]} input channels to match x {tuple(x.shape)}, "
            f"got weight {tuple(weight.shape)}"
        )
    if bias is not None:
        bias = check_tensor(bias, "bias", ndim=1)
        if bias.shape[0] != c_out:
            raise ValueError(f"bias must have shape ({c_out},) to match weight, got {tuple(bias.shape)}")
        if bias.dtype != x.dtype:
            raise TypeError(f"bias must have the same dtype as x ({x.dtype}), got {bias.dtype}")
    stride = check_pair(stride, "stride", minimum=1)
    padding = check_pair(padding, "padding", minimum=0)
    if kh == 0 or kw == 0:
        raise ValueError(f"weight must have a positive kernel height and width, got shape {tuple(weight.shape)}")
    out_hw = _output_hw(x, (kh, kw), stride, padding)

    n, (ho, wo) = x.shape[0], out_hw
    # x̃ with channels first, (C_in, N, H_p, W_p): one matrix product per offset then covers the whole batch
    xp = _pad(x, padding, 0.0).transpose(0, 1)
    y = None
    for i in range(kh):  # loop over the kH·kW kernel offsets, not over pixels
        for j in range(kw):
            patch = _window(xp, i, j, out_hw, stride).reshape(c_in, n * ho * wo)  # x̃[n, c, S_H h + i, S_W w + j]
            term = weight[:, :, i, j] @ patch  # Σ_c K[o, c, i, j] · x̃[n, c, S_H h + i, S_W w + j]
            y = term if y is None else y + term  # Σ_{i,j}
    y = y.reshape(c_out, n, ho, wo)
    if bias is not None:
        y = y + bias[:, None, None, None]  # + b_o
    return y.transpose(0, 1).contiguous()  # back to (N, C_out, H_out, W_out)


def _check_conv_grad_shapes(input_shape: tuple[int, ...], weight_shape: tuple[int, ...], grad_output: Tensor,
                            stride: tuple[int, int], padding: tuple[int, int]) -> tuple[int, int]:
    """Check that `grad_output` is the gradient of a conv2d output for these shapes; return (H_out, W_out)."""
    n, c_in, h, w = input_shape
    c_out, c_in_w, kh, kw = weight_shape
    if c_in_w != c_in:
        raise ValueError(f"weight must have C_in = {c_in} input channels to match the input {tuple(input_shape)}, "
                         f"got weight {tuple(weight_shape)}")
    if h == 0 or w == 0 or kh == 0 or kw == 0:
        raise ValueError(f"the input and the kernel must have positive sides, got {tuple(input_shape)} and "
                         f"{tuple(weight_shape)}")
    try:
        out_hw = conv2d_output_size(h, kh, stride[0], padding[0]), conv2d_output_size(w, kw, stride[1], padding[1])
    except ValueError as exc:
        raise ValueError(f"kernel_size {(kh, kw)} must not be larger than the padded input: the input has spatial "
                         f"size {(h, w)} and padding {padding}") from exc
    if tuple(grad_output.shape) != (n, c_out, *out_hw):
        raise ValueError(f"grad_output must have the shape of the conv2d output, (N, C_out, H_out, W_out) = "
                         f"{(n, c_out, *out_hw)}, got {tuple(grad_output.shape)}")
    return out_hw


def _check_shape(shape: object, name: str) -> tuple[int, ...]:
    if not (isinstance(shape, (tuple, list, torch.Size)) and len(shape) == 4
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in shape)):
        raise TypeError(f"{name} must be a sequence of 4 non-negative ints, got {shape!r}")
    return tuple(int(v) for v in shape)


def conv2d_input_grad(input_shape: tuple[int, int, int, int], weight: Tensor, grad_output: Tensor,
                      stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> Tensor:
    r"""Gradient of a loss with respect to the input of [conv2d][dlref.cnn.conv2d] (backpropagation).

    $$
    \frac{\partial \mathcal{L}}{\partial \tilde{x}_{n,c,p,q}} = \sum_{o=1}^{C_{\mathrm{out}}}
    \sum_{i=0}^{k_H - 1} \sum_{j=0}^{k_W - 1} K_{o,c,i,j}\, \delta_{n,o,\,(p - i)/S_H,\; (q - j)/S_W}
    $$

    where $\delta_{n,o,h,w} = \partial \mathcal{L} / \partial y_{n,o,h,w}$ is the gradient arriving from the
    layer above and terms whose indices $(p - i)/S_H$, $(q - j)/S_W$ are not integers or out of range are 0.
    The gradient with respect to $x$ is this gradient with respect to the padded input $\tilde{x}$ with the
    padding cut off.

    Parameters
    ----------
    input_shape : sequence of 4 ints
        The shape `(N, C_in, H, W)` of the input `x` (with a stride above 1, several input sizes give the same
        output size, so it cannot be deduced from `grad_output`).
    weight : Tensor
        Kernels $K$ of shape `(C_out, C_in, kH, kW)`, floating point.
    grad_output : Tensor
        $\delta$, of the shape of the convolution's output, `(N, C_out, H_out, W_out)`, same dtype as `weight`.
    stride : int or (int, int), default 1
        The stride $(S_H, S_W)$ of the convolution.
    padding : int or (int, int), default 0
        The padding $(P_H, P_W)$ of the convolution.

    Returns
    -------
    Tensor
        $\partial \mathcal{L} / \partial x$, of shape `input_shape`.

    Notes
    -----
    The convolution is linear in $x$, so this is an ordinary derivative (the notes' claim that convolution is
    not differentiable is wrong). Each output $y_{n,o,h,w}$ received $K_{o,c,i,j}\,\tilde{x}_{n,c,S_H h + i,
    S_W w + j}$, so each kernel offset $(i, j)$ sends $\sum_o K_{o,c,i,j}\,\delta_{n,o,h,w}$ back to input
    position $(S_H h + i, S_W w + j)$: dlref loops over the offsets and adds these products into a strided
    slice of a zero tensor. With stride 1 this is a "full" cross-correlation of $\delta$ (padded with
    $k - 1$ zeros) with the kernel rotated by 180°, i.e. a transposed convolution (`F.conv_transpose2d`).
    `torch.nn.grad.conv2d_input(input_shape, weight, grad_output, stride, padding)` agrees (its defaults
    `dilation=1`, `groups=1`).

    Examples
    --------
    >>> x = torch.randn(2, 3, 7, 7, dtype=torch.float64, device=device, requires_grad=True)
    >>> K = torch.randn(4, 3, 3, 3, dtype=torch.float64, device=device)
    >>> delta = torch.randn(2, 4, 4, 4, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(conv2d_input_grad(x.shape, K, delta, stride=2, padding=1),
    ...                            torch.nn.grad.conv2d_input(x.shape, K, delta, stride=2, padding=1))
    >>> (conv2d(x, K, stride=2, padding=1) * delta).sum().backward()  # autograd: the same
    >>> torch.testing.assert_close(x.grad, conv2d_input_grad(x.shape, K, delta, stride=2, padding=1))

    See Also
    --------
    conv2d : the forward pass.
    conv2d_weight_grad : the gradient with respect to the kernels.
    """
    input_shape = _check_shape(input_shape, "input_shape")
    weight = check_tensor(weight, "weight", ndim=4)
    grad_output = check_tensor(grad_output, "grad_output", ndim=4)
    if grad_output.dtype != weight.dtype:
        raise TypeError(f"grad_output must have the same dtype as weight ({weight.dtype}), got {grad_output.dtype}")
    stride = check_pair(stride, "stride", minimum=1)
    padding = check_pair(padding, "padding", minimum=0)
    (ho, wo) = _check_conv_grad_shapes(input_shape, tuple(weight.shape), grad_output, stride, padding)
    n, c_in, h, w = input_shape
    (c_out, _, kh, kw), (sh, sw), (ph, pw) = weight.shape, stride, padding
    grad_t = grad_output.transpose(0, 1).reshape(c_out, n * ho * wo)  # δ as (C_out, N·H_out·W_out)
    # ∂L/∂x̃ with channels first, (C_in, N, H + 2P_H, W + 2P_W); filled offset by offset
    grad_xp = grad_output.new_zeros((c_in, n, h + 2 * ph, w + 2 * pw))
    for i in range(kh):  # loop over the kH·kW kernel offsets, not over pixels
        for j in range(kw):
            term = (weight[:, :, i, j].T @ grad_t).reshape(c_in, n, ho, wo)  # Σ_o K[o, c, i, j] · δ[n, o, h, w]
            grad_xp[:, :, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw] += term  # at (S_H h + i, S_W w + j)
    return grad_xp[:, :, ph:ph + h, pw:pw + w].transpose(0, 1).contiguous()  # cut off the padding


def conv2d_weight_grad(x: Tensor, weight_shape: tuple[int, int, int, int], grad_output: Tensor,
                       stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> Tensor:
    r"""Gradient of a loss with respect to the kernels of [conv2d][dlref.cnn.conv2d] (backpropagation).

    $$
    \frac{\partial \mathcal{L}}{\partial K_{o,c,i,j}} = \sum_{n} \sum_{h} \sum_{w}
    \delta_{n,o,h,w}\, \tilde{x}_{n,c,\,S_H h + i,\; S_W w + j}
    $$

    where $\delta_{n,o,h,w} = \partial \mathcal{L} / \partial y_{n,o,h,w}$ is the gradient arriving from the
    layer above and $\tilde{x}$ the zero-padded input. The gradient with respect to the bias is
    $\sum_{n,h,w} \delta_{n,o,h,w}$.

    Parameters
    ----------
    x : Tensor
        The convolution's input `(N, C_in, H, W)`, floating point.
    weight_shape : sequence of 4 ints
        The shape `(C_out, C_in, kH, kW)` of the kernels.
    grad_output : Tensor
        $\delta$, of the shape of the convolution's output, `(N, C_out, H_out, W_out)`, same dtype as `x`.
    stride : int or (int, int), default 1
        The stride $(S_H, S_W)$ of the convolution.
    padding : int or (int, int), default 0
        The padding $(P_H, P_W)$ of the convolution.

    Returns
    -------
    Tensor
        $\partial \mathcal{L} / \partial K$, of shape `weight_shape`.

    Notes
    -----
    The convolution is linear in $K$: $K_{o,c,i,j}$ multiplies the same strided slice of $\tilde{x}$ that
    [conv2d][dlref.cnn.conv2d] uses for offset $(i, j)$, so its gradient is that slice weighted by $\delta$ and
    summed over the batch and the output positions, a cross-correlation of the input with $\delta$.
    `torch.nn.grad.conv2d_weight(x, weight_shape, grad_output, stride, padding)` agrees (its defaults
    `dilation=1`, `groups=1`).

    Examples
    --------
    >>> x = torch.randn(2, 3, 7, 7, dtype=torch.float64, device=device)
    >>> K = torch.randn(4, 3, 3, 3, dtype=torch.float64, device=device, requires_grad=True)
    >>> delta = torch.randn(2, 4, 4, 4, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(conv2d_weight_grad(x, K.shape, delta, stride=2, padding=1),
    ...                            torch.nn.grad.conv2d_weight(x, K.shape, delta, stride=2, padding=1))
    >>> (conv2d(x, K, stride=2, padding=1) * delta).sum().backward()  # autograd: the same
    >>> torch.testing.assert_close(K.grad, conv2d_weight_grad(x, K.shape, delta, stride=2, padding=1))

    See Also
    --------
    conv2d : the forward pass.
    conv2d_input_grad : the gradient with respect to the input.
    """
    x = check_tensor(x, "x", ndim=4)
    weight_shape = _check_shape(weight_shape, "weight_shape")
    grad_output = check_tensor(grad_output, "grad_output", ndim=4)
    if grad_output.dtype != x.dtype:
        raise TypeError(f"grad_output must have the same dtype as x ({x.dtype}), got {grad_output.dtype}")
    stride = check_pair(stride, "stride", minimum=1)
    padding = check_pair(padding, "padding", minimum=0)
    out_hw = _check_conv_grad_shapes(tuple(x.shape), weight_shape, grad_output, stride, padding)
    (n, c_in), (c_out, _, kh, kw), (ho, wo) = x.shape[:2], weight_shape, out_hw
    grad_t = grad_output.transpose(0, 1).reshape(c_out, n * ho * wo)  # δ as (C_out, N·H_out·W_out)
    xp = _pad(x, padding, 0.0).transpose(0, 1)  # x̃ with channels first, (C_in, N, H_p, W_p)
    grads = []
    for i in range(kh):  # loop over the kH·kW kernel offsets
        for j in range(kw):
            patch = _window(xp, i, j, out_hw, stride).reshape(c_in, n * ho * wo)  # x̃[n, c, S_H h + i, S_W w + j]
            grads.append(grad_t @ patch.T)  # ∂L/∂K[o, c, i, j] = Σ_{n,h,w} δ[n, o, h, w] · x̃[n, c, S_H h + i, ...]
    return torch.stack(grads, dim=-1).reshape(c_out, c_in, kh, kw)  # offsets (i, j) in row-major order


def _pool_args(x: Tensor, kernel_size, stride, padding) -> tuple[tuple[int, int], ...]:
    x = check_tensor(x, "x", ndim=4)
    kernel = check_pair(kernel_size, "kernel_size", minimum=1)
    stride = kernel if stride is None else check_pair(stride, "stride", minimum=1)
    padding = check_pair(padding, "padding", minimum=0)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"padding must be at most half of kernel_size {kernel}, got {padding}")
    return kernel, stride, padding, _output_hw(x, kernel, stride, padding)


def max_pool2d(x: Tensor, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> Tensor:
    r"""2-D max pooling: the largest value of each window, channel by channel.

    $$
    y_{n,c,h,w} = \max_{0 \le i < k_H,\; 0 \le j < k_W} \tilde{x}_{n,c,\,S_H h + i,\; S_W w + j}
    $$

    where $\tilde{x}$ is the input with $P_H$ rows and $P_W$ columns of $-\infty$ added on each border.

    Parameters
    ----------
    x : Tensor
        Input `(N, C, H, W)`, floating point.
    kernel_size : int or (int, int)
        Window size $(k_H, k_W)$.
    stride : int or (int, int) or None, default None
        Step $(S_H, S_W)$ between windows; `None` means `kernel_size` (windows that do not overlap).
    padding : int or (int, int), default 0
        Border $(P_H, P_W)$ of $-\infty$, at most half of `kernel_size`.

    Returns
    -------
    Tensor
        `(N, C, H_out, W_out)`, sizes from [conv2d_output_size][dlref.cnn.conv2d_output_size]: the channels are
        kept, the spatial sides shrink.

    Raises
    ------
    ValueError
        If the padding is more than half the kernel or the window is larger than the padded input (torch raises
        `RuntimeError` for both), or a size or stride is not positive.

    Notes
    -----
    Pooling has no learnable parameters and works on each channel separately (no sum over channels, unlike
    [conv2d][dlref.cnn.conv2d]). The padding is $-\infty$, so it never wins the maximum. `nn.MaxPool2d`
    agrees with its defaults `dilation=1`, `ceil_mode=False` (the floor of the output-size formula). Where
    a window holds several equal maxima, torch sends the whole gradient to one of them and dlref splits it
    among them; the values agree.

    Examples
    --------
    >>> x = torch.randn(2, 3, 7, 8, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(max_pool2d(x, 3, stride=2, padding=1),
    ...                            nn.MaxPool2d(3, stride=2, padding=1)(x), rtol=0.0, atol=0.0)
    >>> max_pool2d(x, 2).shape
    torch.Size([2, 3, 3, 4])

    See Also
    --------
    avg_pool2d : the mean instead of the maximum.
    conv2d_output_size : $H_{\mathrm{out}}$ and $W_{\mathrm{out}}$.
    """
    kernel, stride, padding, out_hw = _pool_args(x, kernel_size, stride, padding)
    xp = _pad(x, padding, float("-inf"))  # x̃: −∞ padding never wins the max
    y = torch.full((*x.shape[:2], *out_hw), float("-inf"), dtype=x.dtype, device=x.device)
    for i in range(kernel[0]):  # loop over the kernel offsets
        for j in range(kernel[1]):
            patch = _window(xp, i, j, out_hw, stride)  # x̃[n, c, S_H h + i, S_W w + j]
            y = torch.maximum(y, patch)  # max over (i, j)
    return y


def avg_pool2d(x: Tensor, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> Tensor:
    r"""2-D average pooling: the mean of each window, channel by channel.

    $$
    y_{n,c,h,w} = \frac{1}{k_H k_W} \sum_{i=0}^{k_H - 1} \sum_{j=0}^{k_W - 1}
    \tilde{x}_{n,c,\,S_H h + i,\; S_W w + j}
    $$

    where $\tilde{x}$ is the input with $P_H$ rows and $P_W$ columns of zeros added on each border.

    Parameters
    ----------
    x : Tensor
        Input `(N, C, H, W)`, floating point.
    kernel_size : int or (int, int)
        Window size $(k_H, k_W)$.
    stride : int or (int, int) or None, default None
        Step $(S_H, S_W)$ between windows; `None` means `kernel_size` (windows that do not overlap).
    padding : int or (int, int), default 0
        Border $(P_H, P_W)$ of zeros, at most half of `kernel_size`.

    Returns
    -------
    Tensor
        `(N, C, H_out, W_out)`, sizes from [conv2d_output_size][dlref.cnn.conv2d_output_size].

    Raises
    ------
    ValueError
        If the padding is more than half the kernel or the window is larger than the padded input (torch raises
        `RuntimeError` for both), or a size or stride is not positive.

    Notes
    -----
    Pooling has no learnable parameters and works on each channel separately. The padded zeros count in the
    mean: a window at the border is always divided by $k_H k_W$, even where part of it lies in the padding.
    That is torch's default `count_include_pad=True`; `nn.AvgPool2d(..., count_include_pad=False)` divides
    by the number of real inputs in the window instead, and differs at the borders. `nn.AvgPool2d` agrees
    with its defaults `ceil_mode=False`, `count_include_pad=True`, `divisor_override=None`.

    Examples
    --------
    >>> x = torch.randn(2, 3, 7, 8, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(avg_pool2d(x, 3, stride=2, padding=1), nn.AvgPool2d(3, stride=2, padding=1)(x))
    >>> ones = torch.ones(1, 1, 2, 2, dtype=torch.float64, device=device)
    >>> avg_pool2d(ones, 2, stride=1, padding=1)[0, 0, 0, 0].item()  # 1 input and 3 padded zeros
    0.25
    >>> nn.AvgPool2d(2, stride=1, padding=1, count_include_pad=False)(ones)[0, 0, 0, 0].item()
    1.0

    See Also
    --------
    max_pool2d : the maximum instead of the mean.
    conv2d_output_size : $H_{\mathrm{out}}$ and $W_{\mathrm{out}}$.
    """
    kernel, stride, padding, out_hw = _pool_args(x, kernel_size, stride, padding)
    xp = _pad(x, padding, 0.0)  # x̃: zero padding, counted in the mean
    total = None
    for i in range(kernel[0]):  # loop over the kernel offsets
        for j in range(kernel[1]):
            patch = _window(xp, i, j, out_hw, stride)  # x̃[n, c, S_H h + i, S_W w + j]
            total = patch if total is None else total + patch  # Σ_{i,j}
    return total / (kernel[0] * kernel[1])  # divided by k_H·k_W
