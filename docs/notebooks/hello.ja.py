# %% [markdown]
# # ノートブックの動作確認: シグモイド
#
# このページは、ノートブック（jupytext のソースからビルド時に実行したもの）が両方の言語で表示されることを
# 確かめるためのものです。
# シグモイド関数 $\sigma(x) = 1/(1 + e^{-x})$ の値を `dlref` と `torch` で比べます。
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
# 導関数の最大値は $x = 0$ での $1/4$ です。

# %%
print(sigmoid_derivative(x).max().item())
