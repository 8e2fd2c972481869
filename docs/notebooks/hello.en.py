# %% [markdown]
# # Notebook check: the sigmoid
#
# This page checks that a notebook (built from a jupytext source and executed at build time) renders in
# both languages. We compare the sigmoid $\sigma(x) = 1/(1 + e^{-x})$ from `dlref` with `torch`.
#
# $$
# \sigma'(x) = \sigma(x)\bigl(1 - \sigma(x)\bigr)
# $$

# %%
import torch

from dlref.activations import sigmoid, sigmoid_derivative

x = torch.linspace(-6, 6, 13, dtype=torch.float64)
torch.testing.assert_close(sigmoid(x), torch.sigmoid(x))
print("max |dlref - torch| =", (sigmoid(x) - torch.sigmoid(x)).abs().max().item())

# %% [markdown]
# The derivative is largest, $1/4$, at $x = 0$.

# %%
print(sigmoid_derivative(x).max().item())
