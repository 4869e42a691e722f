"""The side models of a hybrid predictor and their mixer, as one unit: the network's
log-probabilities go in, the mixed logits come out."""

from __future__ import annotations

import numpy as np
import torch
from numba import njit

from ...contract import ModelConfig
from . import context
from .context import ContextModels
from .match import MatchModel
from .mixer import Mixer

# Rates measured on enwik5, alice29 and small files: layer 1 0.003-0.005 within 0.1% (0.02
# diverges), layer 2 0.0005 (0: +0.3%, 0.002: +0.1%).
MIXER_RATE, FINAL_RATE = 0.004, 0.0005
# Layer-1 selectors: (orders with a known context, match bucket) and (previous symbol, match
# bucket). A third by the previous two symbols measured 0.2% worse (too many rows to learn).
SETS = 2
MATCH_BUCKETS = 4  # none, < 8, < 16, >= 16; layer 2 and the calibration are selected by it
# initial layer-1 weights: the highest order most, the network (random at first) less; the text
# contexts a little (measured: 0.1 is 0.1-0.8% smaller than 0 on every file tried, 0.2 worse)
NETWORK_WEIGHT, TOP_ORDER_WEIGHT, MATCH_WEIGHT, TEXT_WEIGHT = 0.3, 0.5, 0.5, 0.1


@njit(cache=True)
def _inputs(
    network, logp, expected, length, known, history, orders, features, selected, final_selected
):  # pragma: no cover
    """Assemble the mixer's inputs (B, J, V) and the weight rows each stream selects."""
    batch, _vocab = network.shape
    levels = logp.shape[1]
    match = features.shape[1] > levels + 1
    for b in range(batch):
        features[b, 0, :] = network[b]
        features[b, 1 : levels + 1, :] = logp[b]
        n = length[b]
        bucket = (n > 0) + (n >= 8) + (n >= 16)
        if match:
            features[b, levels + 1, :] = 0.0
            if n > 0:
                features[b, levels + 1, expected[b]] = 1.0
        selected[b, 0] = known[b] * MATCH_BUCKETS + bucket
        previous = np.int64(history[b] & np.uint64(0xFF))
        selected[b, 1] = (orders + 1 + previous) * MATCH_BUCKETS + bucket
        final_selected[b] = bucket


class SideModels:
    def __init__(self, cfg: ModelConfig, alphabet: np.ndarray, batch: int, steps: int, device: str) -> None:
        vocab = len(alphabet)
        orders = cfg.context_order
        self.context = ContextModels(orders, cfg.table_bits, alphabet, batch, context.TEXT_CONTEXTS)
        self.match = MatchModel(cfg.match_min, batch, steps) if cfg.match_min else None
        # network, orders 0..K, text contexts, match
        inputs = 1 + (orders + 1 + context.TEXT_CONTEXTS) + int(self.match is not None)
        initial = np.zeros(inputs)
        initial[0], initial[orders + 1] = NETWORK_WEIGHT, TOP_ORDER_WEIGHT
        initial[orders + 2 : orders + 2 + context.TEXT_CONTEXTS] = TEXT_WEIGHT
        if self.match is not None:
            initial[-1] = MATCH_WEIGHT
        rows = (orders + 1 + vocab) * MATCH_BUCKETS
        self.mixer = Mixer(initial, SETS, rows, MATCH_BUCKETS, batch, vocab, MIXER_RATE, FINAL_RATE)
        self.features = np.zeros((batch, inputs, vocab), dtype=np.float32)
        self.selected = np.zeros((batch, SETS), dtype=np.int64)
        self.final_selected = np.zeros(batch, dtype=np.int64)
        self.no_match = np.zeros(batch, dtype=np.int64)
        self.orders, self.device = orders, device

    def mix(self, network_logp: torch.Tensor) -> torch.Tensor:
        """(B, V) the network's log-probabilities -> (B, V) mixed logits."""
        probs, known = self.context.features()
        logp = torch.log(torch.from_numpy(probs)).numpy()
        expected, length = self.match.features() if self.match is not None else (self.no_match, self.no_match)
        _inputs(
            network_logp.cpu().numpy(),
            logp,
            expected,
            length,
            known,
            self.context.history,
            self.orders,
            self.features,
            self.selected,
            self.final_selected,
        )
        logits = self.mixer.logits_of(self.features, self.selected, self.final_selected)
        return torch.from_numpy(logits).to(self.device)

    def update(self, coded: np.ndarray, active: int, probs: torch.Tensor) -> None:
        self.mixer.learn(probs.cpu().numpy(), coded, active)
        self.context.update(coded, active)
        if self.match is not None:
            self.match.update(coded)
