"""dlref: reference implementations of the formulas in the notes, verified against PyTorch.

The modules are the public API (``from dlref.activations import sigmoid``); ``python -m dlref verify`` checks
every function against the installed torch.
"""

from dlref import (
    activations,
    autograd,
    cnn,
    data,
    init,
    layers,
    linalg,
    losses,
    lr_scheduler,
    optim,
    regularization,
    rnn,
)

__version__ = "0.1.0"

__all__ = ["__version__", "activations", "autograd", "cnn", "data", "init", "layers", "linalg", "losses",
           "lr_scheduler", "optim", "regularization", "rnn"]
