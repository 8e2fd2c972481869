r"""Weight initialisation: fan in/out, the He (Kaiming) and Xavier (Glorot) spreads, and their draws.

Chapter: [Parameter initialisation](../init.md). The spreads are plain Python floats computed in the same
order of floating-point operations as `torch.nn.init`; the draws use the same sampling primitive
(`Tensor.normal_` / `Tensor.uniform_`) so that, from the same generator state, they are bit-identical to
`nn.init.kaiming_normal_`, `nn.init.kaiming_uniform_`, `nn.init.xavier_normal_` and `nn.init.xavier_uniform_`
with their default arguments. `default_uniform_bound` is the bound of the initialisation that `nn.Linear` and
`nn.Conv*d` actually use when they are created (not He's).

The constant, uniform and normal initialisers of the notes (`nn.init.zeros_`, `ones_`, `constant_`,
`uniform_`, `normal_`) are single tensor methods (`torch.zeros`, `Tensor.uniform_(-a, a)`,
`Tensor.normal_(0, σ)`) and need no reference implementation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from dlref._checks import check_positive_int

__all__ = [
    "fan_in_and_fan_out",
    "kaiming_normal_std",
    "kaiming_uniform_bound",
    "xavier_normal_std",
    "xavier_uniform_bound",
    "default_uniform_bound",
    "kaiming_normal",
    "kaiming_uniform",
    "xavier_normal",
    "xavier_uniform",
]


def _check_shape(shape: object) -> tuple[int, ...]:
    if isinstance(shape, Tensor) or not isinstance(shape, (tuple, list, torch.Size)):
        raise TypeError(
            f"shape must be a tuple or list of ints (e.g. weight.shape), got {type(shape).__name__}"
        )
    if len(shape) < 2:
        raise ValueError(
            "shape must have at least 2 dimensions (fan in and fan out are undefined for fewer), "
            f"got {tuple(shape)}"
        )
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, int):
            raise TypeError(f"shape must hold ints, got {tuple(shape)!r}")
        if s < 1:
            raise ValueError(f"shape must hold positive sizes, got {tuple(shape)}")
    return tuple(int(s) for s in shape)


def _empty(shape: tuple[int, ...], generator: object, dtype: object) -> Tensor:
    """A new tensor to draw into: on the generator's device (default device without one), in ``dtype``."""
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
    if dtype is not None and not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"dtype must be a floating-point torch.dtype or None, got {dtype!r}")
    device = generator.device if generator is not None else None
    return torch.empty(shape, dtype=dtype, device=device)


def fan_in_and_fan_out(shape: Sequence[int]) -> tuple[int, int]:
    r"""Number of inputs and outputs that each weight of a layer connects, from the weight's shape.

    $$
    \mathrm{fan}_{\mathrm{in}} = s_1 \prod_{k \ge 2} s_k, \qquad
    \mathrm{fan}_{\mathrm{out}} = s_0 \prod_{k \ge 2} s_k
    $$

    for a weight of shape $(s_0, s_1, s_2, \dots)$: `(out_features, in_features)` for `nn.Linear`,
    `(out_channels, in_channels, kH, kW)` for `nn.Conv2d` (the product over $k \ge 2$ is the receptive
    field, 1 for a matrix).

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight, at least 2 dimensions, every size positive (a `torch.Size` works).

    Returns
    -------
    tuple of int
        `(fan_in, fan_out)`.

    Notes
    -----
    torch computes the same thing in its private `nn.init._calculate_fan_in_and_fan_out`, which every
    `nn.init.kaiming_*_` / `nn.init.xavier_*_` calls; it also refuses fewer than 2 dimensions (dlref raises
    `ValueError` naming `shape`; dlref additionally refuses sizes of 0, for which the spreads divide by 0).
    The fans assume the weight is used as `x @ W.T` (torch's layout); for a weight used as `x @ W`, pass the
    transposed shape.

    Examples
    --------
    >>> fan_in_and_fan_out((64, 3, 3, 3))  # nn.Conv2d(3, 64, kernel_size=3).weight.shape
    (27, 576)
    >>> w = torch.empty(64, 3, 3, 3, device=device)
    >>> fan_in_and_fan_out(w.shape) == nn.init._calculate_fan_in_and_fan_out(w)
    True

    See Also
    --------
    kaiming_normal_std : uses $\mathrm{fan}_{\mathrm{in}}$.
    xavier_normal_std : uses both fans.
    """
    shape = _check_shape(shape)
    receptive_field = math.prod(shape[2:])  # ∏_{k≥2} s_k (1 for a matrix)
    return shape[1] * receptive_field, shape[0] * receptive_field  # fan_in = s_1·∏, fan_out = s_0·∏


def kaiming_normal_std(fan_in: int) -> float:
    r"""Standard deviation of the He (Kaiming) normal initialisation, made for ReLU layers.

    $$
    \sigma = \sqrt{\frac{2}{\mathrm{fan}_{\mathrm{in}}}}
    $$

    Parameters
    ----------
    fan_in : int
        Number of inputs of each unit, positive (see `fan_in_and_fan_out`).

    Returns
    -------
    float
        $\sigma$.

    Notes
    -----
    `nn.init.kaiming_normal_(w)` with its defaults (`a=0`, `mode="fan_in"`, `nonlinearity="leaky_relu"`)
    uses $\sigma = \mathrm{gain}/\sqrt{\mathrm{fan}_{\mathrm{in}}}$ with the leaky-ReLU gain
    $\sqrt{2/(1 + a^2)}$, which for $a = 0$ is $\sqrt 2$, the gain of ReLU: the default is He's formula.
    (`mode="fan_out"` puts $\mathrm{fan}_{\mathrm{out}}$ in the denominator; another `a` or
    `nonlinearity` changes the gain.) dlref evaluates $\sqrt 2 / \sqrt{\mathrm{fan}_{\mathrm{in}}}$ in that
    order, as torch does, so the float is identical (the literal $\sqrt{2/\mathrm{fan}_{\mathrm{in}}}$ can
    differ in the last bit).

    Examples
    --------
    >>> nn.init.calculate_gain("leaky_relu", 0) == nn.init.calculate_gain("relu") == 2 ** 0.5
    True
    >>> kaiming_normal_std(27) == nn.init.calculate_gain("relu") / 27 ** 0.5
    True
    >>> w = nn.init.kaiming_normal_(torch.empty(5000, 27, dtype=torch.float64, device=device))
    >>> abs(w.std().item() / kaiming_normal_std(27) - 1) < 0.01
    True

    See Also
    --------
    kaiming_normal : draws $W_{ij} \sim \mathcal{N}(0, \sigma^2)$.
    kaiming_uniform_bound : the uniform variant.
    """
    fan_in = check_positive_int(fan_in, "fan_in")
    return math.sqrt(2.0) / math.sqrt(fan_in)  # σ = √2 / √fan_in = √(2 / fan_in), in torch's order


def kaiming_uniform_bound(fan_in: int) -> float:
    r"""Bound $a$ of the He (Kaiming) uniform initialisation $\mathcal{U}(-a, a)$.

    $$
    a = \sqrt{\frac{6}{\mathrm{fan}_{\mathrm{in}}}}
    $$

    The uniform distribution on $(-a, a)$ has variance $a^2/3 = 2/\mathrm{fan}_{\mathrm{in}}$, the same as
    the He normal initialisation.

    Parameters
    ----------
    fan_in : int
        Number of inputs of each unit, positive.

    Returns
    -------
    float
        $a$.

    Notes
    -----
    `nn.init.kaiming_uniform_(w)` with its defaults (`a=0`, `mode="fan_in"`, `nonlinearity="leaky_relu"`,
    gain $\sqrt 2$) uses this bound; torch computes it as
    $\sqrt 3 \cdot (\sqrt 2 / \sqrt{\mathrm{fan}_{\mathrm{in}}})$ and so does dlref, so the float is
    identical. torch's `a` is the negative slope of the leaky ReLU, not this bound.

    Examples
    --------
    >>> kaiming_uniform_bound(27) == 3 ** 0.5 * (2 ** 0.5 / 27 ** 0.5)
    True
    >>> w = nn.init.kaiming_uniform_(torch.empty(5000, 27, dtype=torch.float64, device=device))
    >>> bool(w.abs().max() <= kaiming_uniform_bound(27))
    True

    See Also
    --------
    kaiming_uniform : draws from $\mathcal{U}(-a, a)$.
    kaiming_normal_std : the normal variant.
    """
    fan_in = check_positive_int(fan_in, "fan_in")
    return math.sqrt(3.0) * (math.sqrt(2.0) / math.sqrt(fan_in))  # a = √3·σ = √(6 / fan_in), in torch's order


def xavier_normal_std(fan_in: int, fan_out: int) -> float:
    r"""Standard deviation of the Xavier (Glorot) normal initialisation, made for tanh/sigmoid layers.

    $$
    \sigma = \sqrt{\frac{2}{\mathrm{fan}_{\mathrm{in}} + \mathrm{fan}_{\mathrm{out}}}}
    $$

    Parameters
    ----------
    fan_in, fan_out : int
        Numbers of inputs and outputs of each unit, positive (see `fan_in_and_fan_out`).

    Returns
    -------
    float
        $\sigma$.

    Notes
    -----
    `nn.init.xavier_normal_(w)` with its default `gain=1.0` uses exactly this $\sigma$ (a `gain` multiplies
    it; `nn.init.calculate_gain("tanh")` is $5/3$).

    Examples
    --------
    >>> xavier_normal_std(27, 576) == (2.0 / (27 + 576)) ** 0.5
    True
    >>> w = nn.init.xavier_normal_(torch.empty(2000, 1000, dtype=torch.float64, device=device))
    >>> abs(w.std().item() / xavier_normal_std(1000, 2000) - 1) < 0.01
    True

    See Also
    --------
    xavier_normal : draws $W_{ij} \sim \mathcal{N}(0, \sigma^2)$.
    xavier_uniform_bound : the uniform variant.
    """
    fan_in = check_positive_int(fan_in, "fan_in")
    fan_out = check_positive_int(fan_out, "fan_out")
    return math.sqrt(2.0 / float(fan_in + fan_out))  # σ = √(2 / (fan_in + fan_out))


def xavier_uniform_bound(fan_in: int, fan_out: int) -> float:
    r"""Bound $a$ of the Xavier (Glorot) uniform initialisation $\mathcal{U}(-a, a)$.

    $$
    a = \sqrt{\frac{6}{\mathrm{fan}_{\mathrm{in}} + \mathrm{fan}_{\mathrm{out}}}}
    $$

    Parameters
    ----------
    fan_in, fan_out : int
        Numbers of inputs and outputs of each unit, positive.

    Returns
    -------
    float
        $a$.

    Notes
    -----
    `nn.init.xavier_uniform_(w)` with its default `gain=1.0` uses this bound; torch computes it as
    $\sqrt 3 \cdot \sqrt{2/(\mathrm{fan}_{\mathrm{in}} + \mathrm{fan}_{\mathrm{out}})}$ and so does dlref, so
    the float is identical.

    Examples
    --------
    >>> xavier_uniform_bound(27, 576) == 3 ** 0.5 * (2.0 / (27 + 576)) ** 0.5
    True
    >>> w = nn.init.xavier_uniform_(torch.empty(64, 3, 3, 3, dtype=torch.float64, device=device))
    >>> bool(w.abs().max() <= xavier_uniform_bound(27, 576))
    True

    See Also
    --------
    xavier_uniform : draws from $\mathcal{U}(-a, a)$.
    xavier_normal_std : the normal variant.
    """
    fan_in = check_positive_int(fan_in, "fan_in")
    fan_out = check_positive_int(fan_out, "fan_out")
    return math.sqrt(3.0) * math.sqrt(2.0 / float(fan_in + fan_out))  # a = √3·σ = √(6 / (fan_in + fan_out))


def default_uniform_bound(fan_in: int) -> float:
    r"""Bound $a$ of torch's *default* initialisation of `nn.Linear` and `nn.Conv*d`, $\mathcal{U}(-a, a)$.

    $$
    a = \frac{1}{\sqrt{\mathrm{fan}_{\mathrm{in}}}}
    $$

    Every `nn.Linear` / `nn.Conv1d` / `nn.Conv2d` / `nn.Conv3d` draws its weight (and its bias) from
    $\mathcal{U}(-a, a)$ when it is created. This is **not** He initialisation: He's bound
    $\sqrt{6/\mathrm{fan}_{\mathrm{in}}}$ is $\sqrt 6 \approx 2.45$ times larger, and the variance
    $a^2/3 = 1/(3\,\mathrm{fan}_{\mathrm{in}})$ is 6 times smaller than He's $2/\mathrm{fan}_{\mathrm{in}}$.

    Parameters
    ----------
    fan_in : int
        Number of inputs of each unit, positive: `in_features` for `nn.Linear`,
        `in_channels * kH * kW` for `nn.Conv2d` (see `fan_in_and_fan_out`).

    Returns
    -------
    float
        $a$, the float torch uses for the weight.

    Notes
    -----
    The layers' `reset_parameters` calls `nn.init.kaiming_uniform_(weight, a=math.sqrt(5))`: the leaky-ReLU
    gain with negative slope $\sqrt 5$ is $\sqrt{2/(1 + 5)} = 1/\sqrt 3$, and the bound
    $\sqrt 3 \cdot \mathrm{gain} / \sqrt{\mathrm{fan}_{\mathrm{in}}} = 1/\sqrt{\mathrm{fan}_{\mathrm{in}}}$.
    dlref evaluates it in torch's order, so the float is the one torch passes to `Tensor.uniform_` for the
    weight; it can be one ulp below the literal `1 / math.sqrt(fan_in)` (e.g. `0.24999999999999997` for
    $\mathrm{fan}_{\mathrm{in}} = 16$), which is what torch uses for the **bias**.

    Examples
    --------
    >>> default_uniform_bound(16), 1 / 16 ** 0.5
    (0.24999999999999997, 0.25)
    >>> _ = torch.manual_seed(0)
    >>> layer = nn.Linear(16, 3, device=device)
    >>> _ = torch.manual_seed(0)
    >>> a = default_uniform_bound(16)
    >>> torch.equal(layer.weight.detach(), torch.empty(3, 16, device=device).uniform_(-a, a))
    True
    >>> conv = nn.Conv2d(3, 64, kernel_size=3, dtype=torch.float64, device=device)  # fan_in = 3·3·3 = 27
    >>> bool(conv.weight.abs().max() <= default_uniform_bound(27))
    True

    See Also
    --------
    kaiming_uniform_bound : He's bound $\sqrt{6/\mathrm{fan}_{\mathrm{in}}}$, for ReLU layers.
    fan_in_and_fan_out : $\mathrm{fan}_{\mathrm{in}}$ from the shape.
    """
    fan_in = check_positive_int(fan_in, "fan_in")
    gain = math.sqrt(2.0 / (1 + math.sqrt(5) ** 2))  # leaky-ReLU gain √(2/(1 + a²)) with a = √5: 1/√3
    return math.sqrt(3.0) * (gain / math.sqrt(fan_in))  # a = √3 · gain / √fan_in = 1/√fan_in, in torch's order


def kaiming_normal(shape: Sequence[int], *, generator: torch.Generator | None = None,
                   dtype: torch.dtype | None = None) -> Tensor:
    r"""A new weight drawn from the He (Kaiming) normal initialisation.

    $$
    W_{ij} \sim \mathcal{N}\left(0, \frac{2}{\mathrm{fan}_{\mathrm{in}}}\right)
    $$

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight, at least 2 dimensions (`(out_features, in_features)`,
        `(out_channels, in_channels, kH, kW)`, ...).
    generator : torch.Generator, optional
        Source of the random numbers; the tensor is created on its device. Default: torch's global
        generator and the default device.
    dtype : torch.dtype, optional
        Floating-point dtype of the result; default `torch.get_default_dtype()`.

    Returns
    -------
    Tensor
        A new tensor of shape `shape`, not requiring grad.

    Notes
    -----
    Equal, bit for bit, to `nn.init.kaiming_normal_(torch.empty(shape), generator=g)` with torch's default
    arguments (`a=0, mode="fan_in", nonlinearity="leaky_relu"`, whose gain $\sqrt 2$ is ReLU's) when `g`
    starts in the same state: both call `Tensor.normal_(0, σ, generator=g)` with the same float $\sigma$.

    Examples
    --------
    >>> g1, g2 = torch.Generator(device).manual_seed(0), torch.Generator(device).manual_seed(0)
    >>> w = kaiming_normal((64, 3, 3, 3), generator=g1, dtype=torch.float64)
    >>> empty = torch.empty(64, 3, 3, 3, dtype=torch.float64, device=device)
    >>> ref = nn.init.kaiming_normal_(empty, generator=g2)
    >>> torch.equal(w, ref)
    True

    See Also
    --------
    kaiming_normal_std : $\sigma = \sqrt{2/\mathrm{fan}_{\mathrm{in}}}$.
    fan_in_and_fan_out : $\mathrm{fan}_{\mathrm{in}}$ from the shape.
    """
    shape = _check_shape(shape)
    fan_in, _ = fan_in_and_fan_out(shape)
    std = kaiming_normal_std(fan_in)  # σ = √(2 / fan_in)
    return _empty(shape, generator, dtype).normal_(0, std, generator=generator)  # W_ij ~ N(0, σ²)


def kaiming_uniform(shape: Sequence[int], *, generator: torch.Generator | None = None,
                    dtype: torch.dtype | None = None) -> Tensor:
    r"""A new weight drawn from the He (Kaiming) uniform initialisation.

    $$
    W_{ij} \sim \mathcal{U}\left(
    -\sqrt{\frac{6}{\mathrm{fan}_{\mathrm{in}}}},
    \sqrt{\frac{6}{\mathrm{fan}_{\mathrm{in}}}}
    \right)
    $$

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight, at least 2 dimensions (`(out_features, in_features)`,
        `(out_channels, in_channels, kH, kW)`, ...).
    generator : torch.Generator, optional
        Source of the random numbers; the tensor is created on its device. Default: torch's global
        generator and the default device.
    dtype : torch.dtype, optional
        Floating-point dtype of the result; default `torch.get_default_dtype()`.

    Returns
    -------
    Tensor
        A new tensor of shape `shape`, not requiring grad.

    Notes
    -----
    Equal, bit for bit, to `nn.init.kaiming_uniform_(torch.empty(shape), generator=g)` with torch's default
    arguments (`a=0`: gain $\sqrt 2$) when `g` starts in the same state.

    `nn.Linear` and `nn.Conv2d` do **not** use this by default: their `reset_parameters` calls
    `kaiming_uniform_(weight, a=math.sqrt(5))`, a leaky-ReLU gain $\sqrt{2/(1+5)} = \sqrt{1/3}$, so their
    bound is
    $\sqrt 3 \cdot \sqrt{1/3}/\sqrt{\mathrm{fan}_{\mathrm{in}}} = 1/\sqrt{\mathrm{fan}_{\mathrm{in}}}$,
    $\sqrt 6$ times smaller than He's. For He initialisation of a layer, call
    `nn.init.kaiming_uniform_(layer.weight)` (or `kaiming_normal_`) yourself.

    Examples
    --------
    >>> g1, g2 = torch.Generator(device).manual_seed(0), torch.Generator(device).manual_seed(0)
    >>> w = kaiming_uniform((128, 64), generator=g1, dtype=torch.float64)
    >>> ref = nn.init.kaiming_uniform_(torch.empty(128, 64, dtype=torch.float64, device=device), generator=g2)
    >>> torch.equal(w, ref)
    True

    `nn.Linear(16, 3)` draws its weight from $\mathcal{U}(-1/\sqrt{16}, 1/\sqrt{16})$, not from He's
    $\mathcal{U}(-\sqrt{6/16}, \sqrt{6/16})$:

    >>> _ = torch.manual_seed(0)
    >>> layer = nn.Linear(16, 3, device=device)
    >>> _ = torch.manual_seed(0)
    >>> default = torch.empty(3, 16, device=device).uniform_(-1 / 16 ** 0.5, 1 / 16 ** 0.5)
    >>> torch.testing.assert_close(layer.weight.detach(), default)
    >>> round(kaiming_uniform_bound(16) / (1 / 16 ** 0.5), 12)  # He's bound is √6 times larger
    2.449489742783

    See Also
    --------
    kaiming_uniform_bound : $a = \sqrt{6/\mathrm{fan}_{\mathrm{in}}}$.
    kaiming_normal : the normal variant.
    """
    shape = _check_shape(shape)
    fan_in, _ = fan_in_and_fan_out(shape)
    bound = kaiming_uniform_bound(fan_in)  # a = √(6 / fan_in)
    return _empty(shape, generator, dtype).uniform_(-bound, bound, generator=generator)  # W_ij ~ U(−a, a)


def xavier_normal(shape: Sequence[int], *, generator: torch.Generator | None = None,
                  dtype: torch.dtype | None = None) -> Tensor:
    r"""A new weight drawn from the Xavier (Glorot) normal initialisation.

    $$
    W_{ij} \sim \mathcal{N}\left(0, \frac{2}{\mathrm{fan}_{\mathrm{in}} + \mathrm{fan}_{\mathrm{out}}}\right)
    $$

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight, at least 2 dimensions (`(out_features, in_features)`,
        `(out_channels, in_channels, kH, kW)`, ...).
    generator : torch.Generator, optional
        Source of the random numbers; the tensor is created on its device. Default: torch's global
        generator and the default device.
    dtype : torch.dtype, optional
        Floating-point dtype of the result; default `torch.get_default_dtype()`.

    Returns
    -------
    Tensor
        A new tensor of shape `shape`, not requiring grad.

    Notes
    -----
    Equal, bit for bit, to `nn.init.xavier_normal_(torch.empty(shape), generator=g)` with its default
    `gain=1.0` when `g` starts in the same state.

    Examples
    --------
    >>> g1, g2 = torch.Generator(device).manual_seed(0), torch.Generator(device).manual_seed(0)
    >>> w = xavier_normal((128, 64), generator=g1, dtype=torch.float64)
    >>> ref = nn.init.xavier_normal_(torch.empty(128, 64, dtype=torch.float64, device=device), generator=g2)
    >>> torch.equal(w, ref)
    True

    See Also
    --------
    xavier_normal_std : $\sigma = \sqrt{2/(\mathrm{fan}_{\mathrm{in}} + \mathrm{fan}_{\mathrm{out}})}$.
    xavier_uniform : the uniform variant.
    """
    shape = _check_shape(shape)
    std = xavier_normal_std(*fan_in_and_fan_out(shape))  # σ = √(2 / (fan_in + fan_out))
    return _empty(shape, generator, dtype).normal_(0.0, std, generator=generator)  # W_ij ~ N(0, σ²)


def xavier_uniform(shape: Sequence[int], *, generator: torch.Generator | None = None,
                   dtype: torch.dtype | None = None) -> Tensor:
    r"""A new weight drawn from the Xavier (Glorot) uniform initialisation.

    $$
    W_{ij} \sim \mathcal{U}\left(
    -\sqrt{\frac{6}{\mathrm{fan}_{\mathrm{in}} + \mathrm{fan}_{\mathrm{out}}}},
    \sqrt{\frac{6}{\mathrm{fan}_{\mathrm{in}} + \mathrm{fan}_{\mathrm{out}}}}
    \right)
    $$

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight, at least 2 dimensions (`(out_features, in_features)`,
        `(out_channels, in_channels, kH, kW)`, ...).
    generator : torch.Generator, optional
        Source of the random numbers; the tensor is created on its device. Default: torch's global
        generator and the default device.
    dtype : torch.dtype, optional
        Floating-point dtype of the result; default `torch.get_default_dtype()`.

    Returns
    -------
    Tensor
        A new tensor of shape `shape`, not requiring grad.

    Notes
    -----
    Equal, bit for bit, to `nn.init.xavier_uniform_(torch.empty(shape), generator=g)` with its default
    `gain=1.0` when `g` starts in the same state.

    Examples
    --------
    >>> g1, g2 = torch.Generator(device).manual_seed(0), torch.Generator(device).manual_seed(0)
    >>> w = xavier_uniform((64, 3, 3, 3), generator=g1, dtype=torch.float64)
    >>> empty = torch.empty(64, 3, 3, 3, dtype=torch.float64, device=device)
    >>> ref = nn.init.xavier_uniform_(empty, generator=g2)
    >>> torch.equal(w, ref)
    True

    See Also
    --------
    xavier_uniform_bound : $a = \sqrt{6/(\mathrm{fan}_{\mathrm{in}} + \mathrm{fan}_{\mathrm{out}})}$.
    xavier_normal : the normal variant.
    """
    shape = _check_shape(shape)
    bound = xavier_uniform_bound(*fan_in_and_fan_out(shape))  # a = √(6 / (fan_in + fan_out))
    return _empty(shape, generator, dtype).uniform_(-bound, bound, generator=generator)  # W_ij ~ U(−a, a)
