"""Cases for :mod:`dlref.data`: counts checked against ``len(DataLoader(TensorDataset(torch.zeros(n))))``."""

from __future__ import annotations

import torch
from torch.utils.data import BatchSampler, DataLoader, SequentialSampler, TensorDataset

from dlref import data as D
from dlref.cases._core import Bad, Case, Draw, Sample


def loader_len(n_samples: int, batch_size: int, drop_last: bool = False) -> int:
    """``len`` of a DataLoader over ``n_samples`` samples."""
    return len(DataLoader(TensorDataset(torch.zeros(n_samples)), batch_size=batch_size, drop_last=drop_last))


def torch_last_batch_size(n_samples: int, batch_size: int) -> int:
    """Size of the last batch of indices torch's sampler makes (what ``DataLoader`` batches by), drop_last=False."""
    return len(list(BatchSampler(SequentialSampler(range(n_samples)), batch_size, drop_last=False))[-1])


def _torch_total_iterations(n_samples, batch_size, epochs, drop_last=False):
    return loader_len(n_samples, batch_size, drop_last) * epochs


def _n_b(d: Draw) -> tuple[int, int]:
    n = d.int(1, 3000)
    if d.edge:  # batch of one sample, the whole set, one more than the set
        return n, d.choice([1, n, n + 1])
    return n, d.int(1, 700)


def _per_epoch(d: Draw) -> Sample:
    n, b = _n_b(d)
    return Sample(n, b, drop_last=d.bool())


def _last(d: Draw) -> Sample:
    return Sample(*_n_b(d))


def _total(d: Draw) -> Sample:
    n, b = _n_b(d)
    return Sample(n, b, d.int(1, 200), drop_last=d.bool())


def _bad_rows() -> list[tuple[dict, type[Exception], str, str]]:
    return [
        ({"n_samples": 0}, ValueError, "n_samples must be a positive integer", "zero n_samples"),
        ({"n_samples": -5}, ValueError, "n_samples must be a positive integer", "negative n_samples"),
        ({"n_samples": 10.0}, TypeError, "n_samples must be an int", "float n_samples"),
        ({"n_samples": True}, TypeError, "n_samples must be an int, got bool", "bool n_samples"),
        ({"batch_size": 0}, ValueError, "batch_size must be a positive integer", "zero batch_size"),
        ({"batch_size": -1}, ValueError, "batch_size must be a positive integer", "negative batch_size"),
        ({"batch_size": "4"}, TypeError, "batch_size must be an int", "str batch_size"),
        ({"drop_last": 1}, TypeError, "drop_last must be a bool", "int drop_last"),
        ({"drop_last": None}, TypeError, "drop_last must be a bool", "None drop_last"),
    ]


def _bads(base: dict, rows) -> list[Bad]:
    return [Bad(Sample(**{**base, **change}), exc, match, why) for change, exc, match, why in rows]


def _bad_per_epoch():
    return _bads({"n_samples": 10, "batch_size": 4, "drop_last": False}, _bad_rows())


def _bad_last():
    return _bads({"n_samples": 10, "batch_size": 4}, [r for r in _bad_rows() if "drop_last" not in r[0]])


def _bad_total():
    return _bads({"n_samples": 10, "batch_size": 4, "epochs": 3, "drop_last": False}, _bad_rows() + [
        ({"epochs": 0}, ValueError, "epochs must be a positive integer", "zero epochs"),
        ({"epochs": -2}, ValueError, "epochs must be a positive integer", "negative epochs"),
        ({"epochs": 1.5}, TypeError, "epochs must be an int", "float epochs"),
        ({"epochs": False}, TypeError, "epochs must be an int, got bool", "bool epochs"),
    ])


CASES = [
    Case("data.iterations_per_epoch", D.iterations_per_epoch, loader_len,
         "len(DataLoader(TensorDataset(torch.zeros(n_samples)), batch_size, drop_last=drop_last))",
         _per_epoch, exact=True, dtypes=(None,), bad=_bad_per_epoch),
    Case("data.last_batch_size", D.last_batch_size, torch_last_batch_size,
         "len(list(BatchSampler(SequentialSampler(range(n_samples)), batch_size, drop_last=False))[-1])",
         _last, exact=True, dtypes=(None,), bad=_bad_last),
    Case("data.total_iterations", D.total_iterations, _torch_total_iterations,
         "len(DataLoader(TensorDataset(torch.zeros(n_samples)), batch_size, drop_last=drop_last)) * epochs",
         _total, exact=True, dtypes=(None,), bad=_bad_total),
]
