r"""Epochs, iterations and batch sizes: how many parameter updates a data loader gives.

Chapter: [Data](../data.md). Verified against `len(torch.utils.data.DataLoader(...))`. The functions
take and return Python ints and use integer arithmetic only, so they are exact for any size.
"""

from __future__ import annotations

from dlref._checks import check_positive_int

__all__ = ["iterations_per_epoch", "last_batch_size", "total_iterations"]


def _check_drop_last(drop_last: object) -> bool:
    if not isinstance(drop_last, bool):
        raise TypeError(f"drop_last must be a bool, got {type(drop_last).__name__}")
    return drop_last


def iterations_per_epoch(n_samples: int, batch_size: int, drop_last: bool = False) -> int:
    r"""Number of mini-batches (iterations, parameter updates) in one epoch.

    $$
    I =
    \begin{cases}
    \left\lceil N / B \right\rceil & \text{drop\_last = False} \\
    \left\lfloor N / B \right\rfloor & \text{drop\_last = True}
    \end{cases}
    $$

    Parameters
    ----------
    n_samples : int
        $N \ge 1$, the number of samples in the dataset.
    batch_size : int
        $B \ge 1$, the number of samples per mini-batch.
    drop_last : bool, default False
        Whether the last, incomplete batch (when $B$ does not divide $N$) is dropped.

    Returns
    -------
    int
        $I$, what `len(DataLoader(dataset, batch_size=B, drop_last=drop_last))` returns.

    Notes
    -----
    The relation $N = I \cdot B$ holds only when $B$ divides $N$. Otherwise the last batch holds
    $N - (I - 1)B < B$ samples, or, with `drop_last=True`, the $N \bmod B$ remaining samples are skipped in
    that epoch ($I = 0$ when $N < B$). The count is computed with integer division; `math.ceil(N / B)`
    goes through a float and is wrong once $N > 2^{53}$.

    Examples
    --------
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> dataset = TensorDataset(torch.zeros(1000, device=device))
    >>> iterations_per_epoch(1000, 64), len(DataLoader(dataset, batch_size=64))
    (16, 16)
    >>> iterations_per_epoch(1000, 64, True), len(DataLoader(dataset, batch_size=64, drop_last=True))
    (15, 15)
    >>> iterations_per_epoch(2**53 + 1, 1) == len(DataLoader(range(2**53 + 1), batch_size=1)) == 2**53 + 1
    True

    See Also
    --------
    last_batch_size : how many samples the last batch holds.
    total_iterations : over several epochs.
    """
    n = check_positive_int(n_samples, "n_samples")
    b = check_positive_int(batch_size, "batch_size")
    if _check_drop_last(drop_last):
        return n // b  # ⌊N / B⌋: the incomplete batch is dropped
    return -(-n // b)  # ⌈N / B⌉ = −⌊−N / B⌋


def last_batch_size(n_samples: int, batch_size: int) -> int:
    r"""Number of samples in the last mini-batch of an epoch (with `drop_last=False`).

    $$
    B_{\mathrm{last}} = N - (I - 1) B
    $$

    Parameters
    ----------
    n_samples : int
        $N \ge 1$, the number of samples in the dataset.
    batch_size : int
        $B \ge 1$, the number of samples per mini-batch.

    Returns
    -------
    int
        $B_{\mathrm{last}}$ with $1 \le B_{\mathrm{last}} \le B$, where $I = \lceil N / B \rceil$ is
        `iterations_per_epoch(N, B)`: the size of the last batch a `DataLoader(dataset, batch_size=B)` yields.

    Notes
    -----
    The notes' relation "image_num = iteration × batch_size", $N = I \cdot B$, holds only when $B$ divides
    $N$. In general the first $I - 1$ batches are full and the last one holds the rest:
    $N = (I - 1) B + B_{\mathrm{last}}$, so $B_{\mathrm{last}} = B$ exactly when $B$ divides $N$.
    With `drop_last=True` this last batch is skipped when it is incomplete: every batch then holds $B$
    samples, an epoch uses $\lfloor N / B \rfloor B$ of them and $N \bmod B$ are left out.

    Examples
    --------
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> batches = list(DataLoader(TensorDataset(torch.arange(1000, device=device)), batch_size=64))
    >>> last_batch_size(1000, 64), len(batches[-1][0])
    (40, 40)
    >>> (iterations_per_epoch(1000, 64) - 1) * 64 + last_batch_size(1000, 64)  # N = (I - 1) B + B_last
    1000
    >>> last_batch_size(1024, 64)  # B divides N: the last batch is full
    64

    See Also
    --------
    iterations_per_epoch : $I$, the number of batches.
    """
    n = check_positive_int(n_samples, "n_samples")
    b = check_positive_int(batch_size, "batch_size")
    return n - (iterations_per_epoch(n, b) - 1) * b  # B_last = N − (I − 1) B


def total_iterations(n_samples: int, batch_size: int, epochs: int, drop_last: bool = False) -> int:
    r"""Number of mini-batches (parameter updates) in a whole training run.

    $$
    I_{\mathrm{total}} = I \cdot E
    $$

    Parameters
    ----------
    n_samples : int
        $N \ge 1$, the number of samples in the dataset.
    batch_size : int
        $B \ge 1$, the number of samples per mini-batch.
    epochs : int
        $E \ge 1$, the number of passes over the dataset.
    drop_last : bool, default False
        Whether the last, incomplete batch of each epoch is dropped.

    Returns
    -------
    int
        $I \cdot E$, with $I$ from `iterations_per_epoch`.

    Examples
    --------
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> loader = DataLoader(TensorDataset(torch.zeros(1000, device=device)), batch_size=64, drop_last=True)
    >>> updates = sum(1 for epoch in range(3) for batch in loader)  # what a training loop counts
    >>> total_iterations(1000, 64, epochs=3, drop_last=True), len(loader) * 3, updates
    (45, 45, 45)
    >>> total_iterations(50000, 128, epochs=30)
    11730

    See Also
    --------
    iterations_per_epoch : $I$ for one epoch.
    """
    epochs = check_positive_int(epochs, "epochs")
    return iterations_per_epoch(n_samples, batch_size, drop_last) * epochs  # I_total = I · E
