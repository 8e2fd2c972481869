r"""Linear algebra of the notes: the matrix product, the elementwise product and the slope of a line.

Chapter: [Maths basics](../math.md). Every function is built from broadcasting and `sum` and is verified
against `torch.mm`, `torch.mul`, `torch.linalg.lstsq` and `torch.autograd`.
"""

from __future__ import annotations

from torch import Tensor

from dlref._checks import check_tensor

__all__ = [
    "matmul",
    "hadamard",
    "slope_through_origin",
    "matvec_derivative",
]


def _check_same_dtype_device(a: Tensor, b: Tensor, name_a: str, name_b: str) -> None:
    if b.dtype != a.dtype:
        raise TypeError(f"{name_b} must have the same dtype as {name_a} ({a.dtype}), got {b.dtype}")
    if b.device != a.device:
        raise ValueError(f"{name_b} must be on the same device as {name_a} ({a.device}), got {b.device}")


def matmul(a: Tensor, b: Tensor) -> Tensor:
    r"""Matrix product: entry $(i, j)$ is row $i$ of $A$ times column $j$ of $B$, summed.

    $$
    C_{ij} = \sum_{k=1}^{n} A_{ik} B_{kj}
    $$

    for $A \in \mathbb{R}^{m \times n}$, $B \in \mathbb{R}^{n \times p}$ and
    $C = AB \in \mathbb{R}^{m \times p}$. The inner dimensions ($n$) must agree; the outer ones ($m$, $p$)
    need not.

    For example, each entry of the product of two $2 \times 2$ matrices is a row of the first times a
    column of the second:

    $$
    \begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}
    \begin{pmatrix} 5 & 6 \\ 7 & 8 \end{pmatrix}
    = \begin{pmatrix} 1 \cdot 5 + 2 \cdot 7 & 1 \cdot 6 + 2 \cdot 8 \\
    3 \cdot 5 + 4 \cdot 7 & 3 \cdot 6 + 4 \cdot 8 \end{pmatrix}
    = \begin{pmatrix} 19 & 22 \\ 43 & 50 \end{pmatrix}
    $$

    Parameters
    ----------
    a : Tensor
        Matrix $A$ of shape `(m, n)`, floating point.
    b : Tensor
        Matrix $B$ of shape `(n, p)`, same dtype and device as `a`.

    Returns
    -------
    Tensor
        $C = AB$ of shape `(m, p)`.

    Notes
    -----
    The sum is computed literally: the broadcast product $A_{ik} B_{kj}$ of shape `(m, n, p)`, then `sum`
    over $k$. That takes $mnp$ memory where `torch.mm` needs only $mp$; it is a reference, not a fast
    kernel. `torch.mm(a, b)` computes the same sum but in another order (blocked BLAS kernels, fused
    multiply-add), so the two agree to rounding, not bit for bit. Each order is within about
    $\tfrac{n u}{2} \sum_k |A_{ik}||B_{kj}|$ of the exact $C_{ij}$ ($u$ = machine epsilon,
    `torch.finfo(dtype).eps`), so they differ by at most twice that; on 2000 random products with
    $n \le 8$ the largest difference was 0.7 of the single bound, in float32 and in float64. No argument
    makes them bit-identical; `a @ b` and `torch.matmul(a, b)` give the same as `torch.mm(a, b)` for 2-D
    inputs.

    Both matrices must have the same dtype, like `torch.mm` (which raises `RuntimeError` on mixed dtypes;
    dlref raises `TypeError`).

    Examples
    --------
    >>> A = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64, device=device)
    >>> B = torch.tensor([[5.0, 6.0], [7.0, 8.0]], dtype=torch.float64, device=device)
    >>> matmul(A, B).tolist()  # [[1*5 + 2*7, 1*6 + 2*8], [3*5 + 4*7, 3*6 + 4*8]]
    [[19.0, 22.0], [43.0, 50.0]]
    >>> torch.testing.assert_close(matmul(A, B), torch.mm(A, B))
    >>> a = torch.randn(4, 3, dtype=torch.float64, device=device)
    >>> b = torch.randn(3, 5, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(matmul(a, b), torch.mm(a, b))

    See Also
    --------
    hadamard : the elementwise product $A \odot B$, a different operation.
    """
    a = check_tensor(a, "a", ndim=2)
    b = check_tensor(b, "b", ndim=2)
    _check_same_dtype_device(a, b, "a", "b")
    if a.shape[1] != b.shape[0]:
        raise ValueError(
            f"inner dimensions must agree: a has shape {tuple(a.shape)} and b has shape {tuple(b.shape)} "
            f"({a.shape[1]} != {b.shape[0]})"
        )
    return (a[:, :, None] * b[None, :, :]).sum(dim=1)  # C_ij = Σ_k A_ik B_kj  (product (m, n, p), sum over k)


def hadamard(a: Tensor, b: Tensor) -> Tensor:
    r"""Hadamard (elementwise) product: multiply entries in the same position.

    $$
    (A \odot B)_{ij} = A_{ij} B_{ij}
    $$

    Parameters
    ----------
    a : Tensor
        Tensor of any shape, floating point.
    b : Tensor
        Tensor whose shape broadcasts with `a`'s (the two shapes are aligned from the right, and each pair
        of sizes is equal or one of them is 1), floating point.

    Returns
    -------
    Tensor
        $A \odot B$, of the broadcast shape, in the promoted dtype (as `torch.mul`).

    Notes
    -----
    The notes define $A \odot B$ for two matrices of the same shape. `torch.mul` (and the `*` operator)
    also broadcasts: a size-1 dimension is repeated to match the other tensor, and missing leading
    dimensions count as size 1, so a `(3, 1)` column times a `(4,)` row gives a `(3, 4)` table. dlref follows
    torch; with equal shapes the two definitions coincide. The result is bit-identical to `torch.mul`.

    Examples
    --------
    >>> A = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64, device=device)
    >>> B = torch.tensor([[5.0, 6.0], [7.0, 8.0]], dtype=torch.float64, device=device)
    >>> hadamard(A, B).tolist()
    [[5.0, 12.0], [21.0, 32.0]]
    >>> torch.testing.assert_close(hadamard(A, B), torch.mul(A, B), rtol=0.0, atol=0.0)
    >>> col = torch.randn(3, 1, dtype=torch.float64, device=device)
    >>> row = torch.randn(4, dtype=torch.float64, device=device)
    >>> torch.testing.assert_close(hadamard(col, row), torch.mul(col, row), rtol=0.0, atol=0.0)

    See Also
    --------
    matmul : the matrix product $AB$, a different operation.
    """
    a = check_tensor(a, "a")
    b = check_tensor(b, "b")
    # aligned from the right, each pair of sizes must be equal or contain a 1 (torch.broadcast_shapes would
    # check the same, but its first call imports sympy: over a second)
    if any(m != n and 1 not in (m, n) for m, n in zip(reversed(a.shape), reversed(b.shape))):
        raise ValueError(f"a and b must have broadcastable shapes, got {tuple(a.shape)} and {tuple(b.shape)}")
    return a * b  # (A ⊙ B)_ij = A_ij B_ij


def slope_through_origin(x: Tensor, y: Tensor) -> Tensor:
    r"""Least-squares slope of a line through the origin, $y \approx a x$.

    $$
    a = \frac{\sum_{n=1}^{N} x_n y_n}{\sum_{n=1}^{N} x_n^2}
    $$

    This $a$ minimises the sum of squared errors $\sum_{n} (y_n - a x_n)^2$: its derivative
    $-2 \sum_n x_n (y_n - a x_n)$ vanishes exactly there.

    Parameters
    ----------
    x : Tensor
        Inputs $x_n$, shape `(N,)`, floating point, not all zero.
    y : Tensor
        Targets $y_n$, shape `(N,)`, same dtype and device as `x`.

    Returns
    -------
    Tensor
        The slope $a$, a 0-d tensor.

    Notes
    -----
    The notes write $a = \sum_n \frac{x_n y_n}{x_n^2}$, a sum of ratios: that is $\sum_n y_n / x_n$, which is
    not the least-squares slope (it is not even defined when some $x_n = 0$). The ratio of the two sums above
    is the correct one.

    `torch.linalg.lstsq(x[:, None], y[:, None]).solution` solves the same problem for a one-column matrix
    (via a QR factorisation, so it agrees to rounding, not bit for bit); it returns a `(1, 1)` matrix, whose
    single entry is $a$. dlref divides `x` by $\max_n |x_n|$ before summing (the ratio does not change), so
    $\sum_n x_n^2$ can neither overflow nor underflow (in float32, $x_n^2$ overflows once
    $|x_n| > 1.8 \times 10^{19}$, and loses digits or becomes 0 once $|x_n| < 10^{-19}$).

    Examples
    --------
    >>> x = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64, device=device)
    >>> y = torch.tensor([2.1, 3.9, 6.2, 7.8], dtype=torch.float64, device=device)
    >>> a = slope_through_origin(x, y)
    >>> torch.testing.assert_close(a, torch.linalg.lstsq(x[:, None], y[:, None]).solution[0, 0])
    >>> round(a.item(), 4)
    1.99
    >>> round((x * y / x**2).sum().item(), 4)  # the notes' sum of ratios: wrong
    8.0667

    See Also
    --------
    dlref.losses.mse_loss : the squared error that this slope minimises.
    """
    x = check_tensor(x, "x", ndim=1)
    y = check_tensor(y, "y", ndim=1)
    _check_same_dtype_device(x, y, "x", "y")
    if y.shape != x.shape:
        raise ValueError(f"y must have the same length as x: got {y.shape[0]} and {x.shape[0]}")
    if x.numel() == 0:
        raise ValueError("x must have at least one element, got shape (0,)")
    scale = x.detach().abs().amax()
    if scale == 0:
        raise ValueError("slope undefined: x must not be all zero (then every slope fits equally well)")
    u = x / scale  # x_n / max|x|: the ratio below is unchanged, and u_n² cannot overflow
    return (u * y).sum() / (u * u).sum() / scale  # a = Σ x_n y_n / Σ x_n²


def matvec_derivative(a: Tensor) -> Tensor:
    r"""Gradient of the linear function $a^\top x$ with respect to $x$: the vector $a$ itself.

    $$
    \frac{\partial}{\partial x}\left(a^\top x\right) = a
    $$

    Since $a^\top x = \sum_i a_i x_i$, the partial derivative with respect to $x_j$ is $a_j$, whatever $x$ is.

    Parameters
    ----------
    a : Tensor
        Column vector $a$, shape `(n,)`, floating point.

    Returns
    -------
    Tensor
        The gradient, a new tensor equal to `a` (shape `(n,)`).

    Notes
    -----
    The notes write $\frac{\delta}{\delta x}(A^t x) = A$ for two column vectors ("縦行列") $A$ and $x$; the
    symbol for a partial derivative is $\partial$, and the transpose is written $a^\top$. The gradient is
    written as a column, like $x$ (the "denominator layout" that torch's autograd also uses: a gradient has
    the shape of its input); in the numerator layout the derivative is the row $a^\top$.

    Examples
    --------
    >>> a = torch.randn(5, dtype=torch.float64, device=device)
    >>> x = torch.randn(5, dtype=torch.float64, device=device, requires_grad=True)
    >>> (autograd,) = torch.autograd.grad(torch.dot(a, x), x)
    >>> torch.testing.assert_close(matvec_derivative(a), autograd, rtol=0.0, atol=0.0)

    See Also
    --------
    matmul : the product $a^\top x$ is `matmul(a[None, :], x[:, None])`.
    dlref.autograd.numerical_grad : the same gradient by finite differences.
    """
    a = check_tensor(a, "a", ndim=1)
    return a.clone()  # ∂(aᵀx)/∂x_j = a_j
