"""The stateful networks: embedding -> L-layer LSTM/GRU -> optional attention -> output layer.

One `forward` serves both prediction (T = 1, one step of every stream) and training (T steps
re-run from the state saved at the window's start). A single prediction step runs the cell
equations directly on the same weights (about twice as fast as torch's RNN call for a few
streams); encoder and decoder both predict through it, so they agree to the bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ..contract import ModelConfig


@dataclass
class RecurrentState:
    rnn: torch.Tensor | tuple[torch.Tensor, torch.Tensor]  # (L, B, H), or (h, c) for an LSTM
    memory: torch.Tensor | None  # (B, W-1, H) last top-layer outputs, for attention


class RecurrentNet(nn.Module):
    def __init__(self, cell: str, vocab: int, cfg: ModelConfig, attention: bool) -> None:
        super().__init__()
        self.cell, self.vocab, self.width = cell, vocab, cfg.hidden_size
        self.layers = cfg.num_layers
        self.embed = nn.Embedding(vocab + 1, cfg.embed_size)  # index `vocab` = start of stream
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(cfg.embed_size, cfg.hidden_size, cfg.num_layers)
        self.window = cfg.attention_window if attention else 0
        if attention:
            self.query = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.out = nn.Linear(cfg.hidden_size * (2 if attention else 1), vocab)
        self.input_gates: torch.Tensor | None = None  # input_gates_table(), kept by the owner
        self._weights: list[list[nn.Parameter]] | None = None

    @torch.no_grad()
    def input_gates_table(self) -> torch.Tensor:
        """(V+1, G*H): every symbol's first-layer input gates, embedding @ W_ih^T + b_ih (and,
        for an LSTM, + b_hh, which is added to the same gates)."""
        w_ih, _, b_ih, b_hh = self.rnn.all_weights[0]
        return torch.addmm(self._input_bias(b_ih, b_hh), self.embed.weight, w_ih.t())

    def _input_bias(self, b_ih: torch.Tensor, b_hh: torch.Tensor) -> torch.Tensor:
        return b_ih + b_hh if self.cell == "lstm" else b_ih

    @property
    def start_symbol(self) -> int:
        return self.vocab

    def initial_state(self, batch: int, device: str) -> RecurrentState:
        h = torch.zeros(self.layers, batch, self.width, device=device)
        rnn = (h, torch.zeros_like(h)) if self.cell == "lstm" else h
        memory = torch.zeros(batch, self.window - 1, self.width, device=device) if self.window else None
        return RecurrentState(rnn, memory)

    def forward(self, x: torch.Tensor, state: RecurrentState) -> tuple[torch.Tensor, RecurrentState]:
        """x: (T, B) symbols -> logits (T, B, V) and the state after the last step."""
        y, state = self.hidden(x, state)
        return self.out(y), state

    def hidden(self, x: torch.Tensor, state: RecurrentState) -> tuple[torch.Tensor, RecurrentState]:
        """x: (T, B) symbols -> the output layer's input (T, B, H or 2H) and the next state."""
        if x.shape[0] == 1 and not torch.is_grad_enabled():
            y, rnn_state = self._step(x[0], state.rnn)
        else:
            y, rnn_state = self.rnn(self.embed(x), state.rnn)  # (T, B, H)
        if not self.window:
            return y, RecurrentState(rnn_state, None)
        assert state.memory is not None
        ys = y.transpose(0, 1)  # (B, T, H)
        history = torch.cat([state.memory, ys], dim=1)  # (B, W-1+T, H)
        query = self.query(ys) / math.sqrt(self.width)  # (B, T, H)
        scores = torch.bmm(query, history.transpose(1, 2))  # (B, T, W-1+T)
        steps = ys.shape[1]
        if steps > 1:  # output t attends to history positions t..t+W-1 only
            pos = torch.arange(history.shape[1], device=x.device)
            t = torch.arange(steps, device=x.device).unsqueeze(1)
            scores = scores.masked_fill((pos < t) | (pos > t + self.window - 1), float("-inf"))
        context = torch.bmm(torch.softmax(scores, dim=-1), history)  # (B, T, H)
        y = torch.cat([ys, context], dim=-1).transpose(0, 1)  # (T, B, 2H)
        return y, RecurrentState(rnn_state, history[:, history.shape[1] - self.window + 1 :])

    def _step(
        self, symbols: torch.Tensor, state: torch.Tensor | tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor | tuple[torch.Tensor, torch.Tensor]]:
        """One step of the stacked cells (torch's LSTM/GRU equations): symbols (B,) -> y (1, B, H).
        The first layer's input gates come from `input_gates` when the owner keeps it current
        (one row per symbol instead of a matrix product per step); few, fused ops, since at a
        few streams the per-op overhead is what costs."""
        if self._weights is None:  # all_weights builds new lists at every access
            self._weights = self.rnn.all_weights
        hs, cs = [], []
        x = symbols
        for k in range(self.layers):
            w_ih, w_hh, b_ih, b_hh = self._weights[k]
            if k == 0 and self.input_gates is not None:
                gi = self.input_gates[x]
            else:
                x = self.embed(x) if k == 0 else x
                gi = torch.addmm(self._input_bias(b_ih, b_hh), x, w_ih.t())
            if self.cell == "lstm":
                gates = torch.addmm(gi, state[0][k], w_hh.t())
                i, f, _, o = torch.sigmoid(gates).chunk(4, dim=1)
                c = torch.addcmul(f * state[1][k], i, torch.tanh(gates[:, 2 * self.width : 3 * self.width]))
                x = o * torch.tanh(c)
                cs.append(c)
            else:
                h = state[k]
                gh = torch.addmm(b_hh, h, w_hh.t())
                ir, iz, in_ = gi.chunk(3, dim=1)
                hr, hz, hn = gh.chunk(3, dim=1)
                z = torch.sigmoid(iz + hz)
                n = torch.tanh(in_ + torch.sigmoid(ir + hr) * hn)
                x = n + z * (h - n)
            hs.append(x)
        h_all = x.unsqueeze(0) if self.layers == 1 else torch.stack(hs)
        if self.cell != "lstm":
            return x.unsqueeze(0), h_all
        return x.unsqueeze(0), (h_all, cs[0].unsqueeze(0) if self.layers == 1 else torch.stack(cs))
