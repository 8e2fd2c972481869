"""dlref: reference implementations of the formulas in the notes, verified against PyTorch.

The modules are the public API (``from dlref.activations import sigmoid``); see the API pages of the site.
"""

from dlref import activations

__version__ = "0.1.0"

__all__ = ["__version__", "activations"]
