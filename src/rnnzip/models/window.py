"""The reference design's network: a bidirectional LSTM/GRU re-run over the last W bytes.

Embedding(V, E) -> bidirectional L-layer LSTM/GRU -> attention pooling (a linear score per time
step, softmax over time, weighted sum) -> Linear(2H, V). The vocabulary is rounded up to a
multiple of 8, as the reference did.
"""

from __future__ import annotations

import torch
from torch import nn

from ..contract import ModelConfig


class WindowNet(nn.Module):
    def __init__(self, cell: str, vocab: int, cfg: ModelConfig) -> None:
        super().__init__()
        padded = -(-vocab // 8) * 8
        self.vocab = vocab
        self.embed = nn.Embedding(padded, cfg.embed_size)
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(cfg.embed_size, cfg.hidden_size, cfg.num_layers, bidirectional=True, batch_first=True)
        self.score = nn.Linear(2 * cfg.hidden_size, 1)
        self.out = nn.Linear(2 * cfg.hidden_size, padded)

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        """windows: (B, W) symbols -> logits (B, padded V) for the byte that follows each window."""
        y, _ = self.rnn(self.embed(windows))  # (B, W, 2H)
        weights = torch.softmax(self.score(y), dim=1)  # (B, W, 1)
        pooled = (weights * y).sum(dim=1)  # (B, 2H)
        return self.out(pooled)
