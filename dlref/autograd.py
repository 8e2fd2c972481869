r"""Automatic differentiation by hand: the chain rule, and the finite-difference gradient that checks autograd.

Chapter: [Automatic differentiation](../autograd.md). `chain_rule` multiplies the local derivatives along a
chain of elementwise functions, which is what backpropagation does layer by layer; `numerical_grad` needs
only the values of a function, so it can check any gradient that autograd (or a hand derivation) produces.
Both are verified against `torch.autograd.grad`.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable

import torch
from torch import Tensor

from dlref._checks import check_number, check_tensor

__all__ = ["chain_rule", "numerical_grad"]


def _scalar(value: object) -> Tensor:
    """The value of ``f`` as a 0-d tensor; raise unless it is a single number."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            shape = tuple(value.shape)
            raise ValueError(f"f must return a scalar (a tensor with one element), got shape {shape}")
        return value.reshape(())
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return torch.tensor(float(value), dtype=torch.float64)
    raise TypeError(f"f must return a scalar tensor or a real number, got {type(value).__name__}")


def chain_rule(*local_grads: Tensor) -> Tensor:
    r"""Gradient of a composition of elementwise functions: the product of the local derivatives (chain rule).

    For $\mathcal{L}(y)$ with $y = f(x)$, the gradient arriving from upstream, $\partial \mathcal{L} / \partial y$
    (how sensitive the loss is to $y$), times the local derivative of the step, $\partial y / \partial x$,
    is the gradient with respect to its input, which is passed on downstream:

    $$
    \frac{\partial \mathcal{L}}{\partial x}
    = \frac{\partial \mathcal{L}}{\partial y} \cdot \frac{\partial y}{\partial x}
    $$

    Repeated along a chain, e.g. two layers $z_1 = \omega_1 x$, $a_1 = \phi(z_1)$, $z_2 = \omega_2 a_1$,
    $a_2 = \phi(z_2)$ and a loss $\mathcal{L}(a_2)$, the gradient with respect to the first weight is the
    product of all the local derivatives, written from the loss back to the weight:

    $$
    \frac{\partial \mathcal{L}}{\partial \omega_1}
    = \frac{\partial \mathcal{L}}{\partial a_2} \cdot \frac{\partial a_2}{\partial z_2}
    \cdot \frac{\partial z_2}{\partial a_1} \cdot \frac{\partial a_1}{\partial z_1}
    \cdot \frac{\partial z_1}{\partial \omega_1}
    $$

    Parameters
    ----------
    *local_grads : Tensor
        The factors, from the loss side to the input side: first the upstream gradient
        $\partial \mathcal{L} / \partial y$, then one local derivative per step. At least one; floating
        point; shapes that broadcast together (a 0-d tensor is a scalar factor); all on one device.

    Returns
    -------
    Tensor
        Their product, of the broadcast shape, in the promoted dtype (as `torch.mul`), multiplied from left
        to right.

    Notes
    -----
    The product is elementwise because each step here is an elementwise (or scalar) function: its
    Jacobian $\partial y / \partial x$ is diagonal, so "upstream gradient times Jacobian" is the upstream
    gradient times the diagonal. For a general step, e.g. $y = Wx$, the local derivative is a matrix and the
    product is a vector-Jacobian product, $\frac{\partial \mathcal{L}}{\partial x} = W^\top
    \frac{\partial \mathcal{L}}{\partial y}$; this is what each `grad_fn` node of torch's autograd computes
    in `backward()`, without ever forming the Jacobian.

    torch has no function that multiplies given local derivatives: the torch counterpart is autograd itself,
    run on a composition whose local derivatives are the factors. Starting from the loss side is the order
    of backpropagation (reverse mode); multiplication is commutative, so the order changes the result only
    by rounding.

    Examples
    --------
    Two factors, $\mathcal{L} = y^2$ with $y = \sin x$ elementwise:

    >>> x = torch.randn(5, dtype=torch.float64, device=device, requires_grad=True)
    >>> y = torch.sin(x)
    >>> loss = (y**2).sum()
    >>> (expected,) = torch.autograd.grad(loss, x)
    >>> dL_dy, dy_dx = 2 * y.detach(), torch.cos(x.detach())
    >>> torch.testing.assert_close(chain_rule(dL_dy, dy_dx), expected)

    A scalar network with two sigmoid layers and the loss $\mathcal{L} = (a_2 - t)^2$: each local
    derivative by hand, their product against autograd:

    >>> from dlref.activations import sigmoid, sigmoid_derivative
    >>> opts = dict(dtype=torch.float64, device=device)
    >>> x, t = torch.tensor(0.5, **opts), torch.tensor(1.0, **opts)
    >>> w1 = torch.tensor(0.8, **opts, requires_grad=True)
    >>> w2 = torch.tensor(-1.2, **opts)
    >>> z1 = w1 * x
    >>> a1 = sigmoid(z1)
    >>> z2 = w2 * a1
    >>> a2 = sigmoid(z2)
    >>> loss = (a2 - t) ** 2
    >>> (expected,) = torch.autograd.grad(loss, w1)
    >>> grad = chain_rule(
    ...     2 * (a2 - t).detach(),           # dL/da2
    ...     sigmoid_derivative(z2.detach()),  # da2/dz2
    ...     w2,                               # dz2/da1
    ...     sigmoid_derivative(z1.detach()),  # da1/dz1
    ...     x,                                # dz1/dw1
    ... )
    >>> torch.testing.assert_close(grad, expected)

    See Also
    --------
    dlref.activations.sigmoid_derivative : the local derivative of a sigmoid layer.
    numerical_grad : the same gradients without any derivative, by finite differences.
    """
    if not local_grads:
        raise ValueError("chain_rule needs at least one local gradient (the upstream gradient dL/dy)")
    grads = [check_tensor(g, f"local_grads[{i}]") for i, g in enumerate(local_grads)]
    for i, g in enumerate(grads[1:], start=1):
        if g.device != grads[0].device:
            raise ValueError(f"local_grads[{i}] must be on the same device as local_grads[0] "
                             f"({grads[0].device}), got {g.device}")
    # aligned from the right, the sizes at each position other than 1 must agree (torch.broadcast_shapes would
    # check the same, but its first call imports sympy: over a second)
    for sizes in itertools.zip_longest(*(reversed(g.shape) for g in grads), fillvalue=1):
        if len({n for n in sizes if n != 1}) > 1:
            shapes = ", ".join(str(tuple(g.shape)) for g in grads)
            raise ValueError(f"local_grads must have shapes that broadcast together, got {shapes}")
    out = grads[0].clone()
    for g in grads[1:]:  # one loop over the factors (the steps of the chain), not over elements
        out = out * g  # ∂L/∂x = ∂L/∂y · ∂y/∂x
    return out


def numerical_grad(f: Callable[[Tensor], Tensor], x: Tensor, eps: float = 1e-6) -> Tensor:
    r"""Gradient of a scalar function by central differences, one coordinate at a time.

    $$
    \frac{\partial f}{\partial x_i}(x)
    \approx \frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}{2 \varepsilon}
    $$

    where $e_i$ is the $i$-th unit vector (1 in position $i$, 0 elsewhere). The error has two parts, a
    truncation error that shrinks with $\varepsilon$ and a rounding error that grows as $\varepsilon$
    shrinks ($u$ is the machine epsilon of the dtype):

    $$
    \left| \text{error} \right|
    \approx \frac{\varepsilon^2}{6} \left| \frac{\partial^3 f}{\partial x_i^3} \right|
    + \frac{u \, |f|}{\varepsilon}
    $$

    Parameters
    ----------
    f : callable
        Scalar function: takes a tensor shaped like `x` and returns a tensor with one element (or a
        Python number).
    x : Tensor
        Point at which to differentiate; any shape, floating point (float64 recommended, see Notes).
    eps : float, default 1e-6
        Step $\varepsilon > 0$. Each $x_i \pm \varepsilon$ must differ from $x_i$ in `x`'s dtype.

    Returns
    -------
    Tensor
        The approximate gradient $\nabla f(x)$, same shape, dtype and device as `x`; not differentiable
        (it is computed under `torch.no_grad`).

    Notes
    -----
    **Truncation against rounding.** Taylor's theorem gives
    $f(x \pm \varepsilon e_i) = f \pm \varepsilon \partial_i f + \frac{\varepsilon^2}{2} \partial_i^2 f
    \pm \frac{\varepsilon^3}{6} \partial_i^3 f + O(\varepsilon^4)$; in the difference the even terms cancel,
    so the quotient is $\partial_i f + \frac{\varepsilon^2}{6} \partial_i^3 f + O(\varepsilon^4)$ (a forward
    difference $(f(x + \varepsilon e_i) - f(x))/\varepsilon$ is only first order, $\frac{\varepsilon}{2}
    \partial_i^2 f$). But each value of $f$ carries a rounding error of about $u|f|$, and dividing their
    difference by $2\varepsilon$ turns it into $u|f|/\varepsilon$ (here $|f|$ is the size of the values that
    $f$ computes on the way, e.g. of the partial sums when $f$ adds many terms). The sum of the two is
    smallest near $\varepsilon \approx (3u|f| / |\partial_i^3 f|)^{1/3}$, where the error is of order
    $u^{2/3}$.

    **Why float64.** With $u = 2.2 \times 10^{-16}$ (float64) and the default $\varepsilon = 10^{-6}$, the
    two terms are about $10^{-13}$ and $10^{-10}$ (for $f$ and its derivatives of order 1): good enough to
    check a gradient to 8 digits. In float32, $u = 1.2 \times 10^{-7}$ makes the rounding term about
    $0.1\,|f|$ at $\varepsilon = 10^{-6}$ (errors of 100% are typical); the best step, about $10^{-2}$,
    still leaves errors of $10^{-5}$ to $10^{-4}$. Worse, $x_i \pm 10^{-6}$ rounds back to $x_i$ once
    $|x_i| > 32$ (then this function raises `ValueError`). This is why `torch.autograd.gradcheck` wants
    float64 inputs.

    **The step actually taken.** dlref divides by $(x_i + \varepsilon) - (x_i - \varepsilon)$ as computed in
    `x`'s dtype, which is $2\varepsilon$ in exact arithmetic. When $|x_i|$ is large, $x_i \pm \varepsilon$ are
    rounded and the true step differs from $2\varepsilon$ by up to a unit in the last place of $x_i$
    (a relative error of $u|x_i|/\varepsilon$, $2 \times 10^{-6}$ at $|x_i| = 10^4$ in float64); dividing by
    the step really taken removes that error. `torch.autograd.gradcheck` divides by $2\varepsilon$.

    There is one Python loop over the elements of `x`: $f$ is a black box, so each coordinate costs two
    calls of $f$ ($2 \times$ `x.numel()` in all). That is why finite differences only *check* gradients,
    while backpropagation gets all of them for about the cost of one call.

    Examples
    --------
    >>> f = lambda x: torch.sin(x).sum() + (x**2).prod()
    >>> x = torch.randn(3, 4, dtype=torch.float64, device=device, requires_grad=True)
    >>> (autograd,) = torch.autograd.grad(f(x), x)
    >>> torch.testing.assert_close(numerical_grad(f, x), autograd, rtol=1e-7, atol=1e-8)

    The truncation error is $\frac{\varepsilon^2}{6} f'''$; for $\sin$ at 1, $f''' = -\cos 1$:

    >>> one = torch.ones(1, dtype=torch.float64, device=device)
    >>> error = numerical_grad(lambda x: torch.sin(x).sum(), one, eps=1e-3) - torch.cos(one)
    >>> torch.testing.assert_close(error, -torch.cos(one) * 1e-3**2 / 6, rtol=1e-3, atol=0.0)

    See Also
    --------
    dlref.linalg.matvec_derivative : a gradient known in closed form, $\nabla_x (a^\top x) = a$.
    """
    if not callable(f):
        raise TypeError(f"f must be callable (a scalar function of x), got {type(f).__name__}")
    x = check_tensor(x, "x")
    eps = check_number(eps, "eps", low=0.0, low_open=True)
    if not math.isfinite(eps):
        raise ValueError(f"eps must be a finite positive number, got {eps}")
    flat = x.detach().reshape(-1)
    plus, minus = flat + eps, flat - eps  # x_i + ε and x_i − ε, rounded to x's dtype
    step = plus - minus  # the step really taken: 2ε up to that rounding
    if bool((step == 0).any()):
        i = int((step == 0).nonzero()[0])
        raise ValueError(
            f"eps={eps:g} is too small for x in {x.dtype}: x_i ± eps rounds back to "
            f"x_i = {flat[i].item():g}; use a larger eps or float64"
        )
    diff = torch.empty_like(flat)
    with torch.no_grad():
        for i in range(flat.numel()):  # the one loop over elements: f is a black box, two calls per x_i
            x_plus, x_minus = flat.clone(), flat.clone()
            x_plus[i], x_minus[i] = plus[i], minus[i]  # x + ε e_i and x − ε e_i
            diff[i] = _scalar(f(x_plus.view(x.shape))) - _scalar(f(x_minus.view(x.shape)))
    return (diff / step).view(x.shape)  # (f(x + ε e_i) − f(x − ε e_i)) / 2ε, with 2ε as really taken
