"""The mixer of a hybrid predictor: geometric mixing of the network and the side models, learned
by online gradient descent at every step.

logits = mean over s in S of sum_j w[s, j] * F_j, with inputs F: the network's log-probabilities,
log p_k of every context order 0..K, and the match model's predicted symbol (one-hot). Two weight
sets are selected per stream: one by the longest context seen so far and the match length, one
by the previous symbol and the match length. After each step, both move along the gradient of
the coded symbol's log loss, F[y] - E_p[F]. Torch without autograd; both sides compute the same
floats.
"""

from __future__ import annotations

import torch

MATCH_BUCKETS = 4  # none, < 8, < 16, >= 16
# initial weights: trust the network and the highest order about equally, the match a little
NETWORK_WEIGHT, TOP_ORDER_WEIGHT, MATCH_WEIGHT = 0.5, 0.5, 0.5


class Mixer:
    def __init__(self, orders: int, has_match: bool, vocab: int, rate: float, device: str) -> None:
        self.rate = rate
        inputs = 1 + orders + 1 + int(has_match)  # network, orders 0..K, match
        self.by_order = (orders + 1) * MATCH_BUCKETS  # first selector's sets, then the second's
        self.weights = torch.zeros((self.by_order + vocab * MATCH_BUCKETS, inputs), device=device)
        self.weights[:, 0] = NETWORK_WEIGHT
        self.weights[:, orders + 1] = TOP_ORDER_WEIGHT
        if has_match:
            self.weights[:, -1] = MATCH_WEIGHT

    def logits(self, features: torch.Tensor, seen: torch.Tensor, previous: torch.Tensor,
               length: torch.Tensor) -> torch.Tensor:
        """features (B, J, V), seen (B,) orders with a known context, previous (B,) symbol,
        length (B,) match length -> (B, V)."""
        bucket = (length > 0).long() + (length >= 8).long() + (length >= 16).long()
        self.selected = torch.stack([seen * MATCH_BUCKETS + bucket,
                                     self.by_order + previous * MATCH_BUCKETS + bucket], dim=1)  # (B, 2)
        self.features = features
        return 0.5 * (self.weights[self.selected] @ features).sum(dim=1)

    def learn(self, probs: torch.Tensor, symbols: torch.Tensor, active: int) -> None:
        """One gradient step on each active stream's log loss, given the coded probabilities."""
        f = self.features[:active]
        target = f.gather(2, symbols[:active].view(-1, 1, 1).expand(-1, f.shape[1], 1)).squeeze(2)
        expected = (f * probs[:active].unsqueeze(1)).sum(dim=2)
        step = self.rate * (target - expected)  # (active, J)
        for i in range(self.selected.shape[1]):
            self.weights.index_add_(0, self.selected[:active, i], step)
