"""Online predictors: a network plus its training schedule, stepped identically by both sides.

Each step the engine asks for the next-symbol distribution of every stream, codes the true
symbols, and hands them back with `observe`, which may train the network.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .config import ModelConfig
from .models import NETWORKS
from .predictors.side import SideModels


def learning_rates(cfg: ModelConfig, updates: int) -> list[float]:
    """Geometric decay from learning_rate to final_learning_rate over a frame's updates."""
    ratio = cfg.final_learning_rate / cfg.learning_rate
    last = max(1, updates - 1)
    return [cfg.learning_rate * ratio ** (k / last) for k in range(max(1, updates))]


class _Trainer:
    """Adam with gradient-norm clipping and the frame's learning-rate schedule."""

    def __init__(self, net: torch.nn.Module, cfg: ModelConfig, updates: int) -> None:
        self.params = list(net.parameters())
        self.opt = torch.optim.Adam(self.params, lr=cfg.learning_rate, betas=(cfg.beta1, cfg.beta2),
                                    foreach=False, fused=True)
        self.clip, self.rates, self.done = cfg.clip, learning_rates(cfg, updates), 0

    def update(self, loss: torch.Tensor) -> None:
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, self.clip)
        self.opt.param_groups[0]["lr"] = self.rates[min(self.done, len(self.rates) - 1)]
        self.opt.step()
        self.done += 1


def _build(cfg: ModelConfig, vocab: int, device: str) -> torch.nn.Module:
    with torch.random.fork_rng(devices=[]):  # seed the weights without touching the caller's RNG
        torch.manual_seed(cfg.seed)
        return NETWORKS[cfg.network].build(cfg, vocab).to(device)


class StatefulPredictor:
    """A recurrent network carried from step to step; every T steps one truncated-BPTT update
    over the last T steps of all streams, re-run from the state saved at the window's start.
    With side models (context_order > 0), the network's prediction is mixed with theirs; the
    network still trains on its own loss."""

    def __init__(self, cfg: ModelConfig, vocab: int, steps: int, device: str) -> None:
        self.net = _build(cfg, vocab, device)
        batch, self.T, self.device = cfg.batch_size, cfg.seq_length, device
        self.side = SideModels(cfg, vocab, batch, steps, device) if cfg.context_order else None
        self.trainer = _Trainer(self.net, cfg, steps // self.T)
        self.steps_left = steps
        self.state = self.saved = self.net.initial_state(batch, device)
        self.x = torch.full((1, batch), self.net.start_symbol, dtype=torch.long, device=device)
        self.inputs = torch.empty(self.T, batch, dtype=torch.long, device=device)
        self.targets = torch.empty_like(self.inputs)
        self.mask = torch.empty(self.T, batch, dtype=torch.bool, device=device)
        self.streams = torch.arange(batch, device=device)
        self.t = 0

    @torch.no_grad()
    def probabilities(self) -> torch.Tensor:
        logits, self.next_state = self.net(self.x, self.state)
        if self.side is not None:
            logits = self.side.mix(torch.log_softmax(logits[0], dim=-1)).unsqueeze(0)
        self.probs = torch.softmax(logits[0], dim=-1)  # (B, V)
        return self.probs

    def observe(self, coded: np.ndarray, active: int) -> None:
        symbols = torch.from_numpy(coded).to(self.device, torch.long)
        self.state = self.next_state
        if self.side is not None:
            self.side.update(coded, active, self.probs, symbols)
        self.inputs[self.t] = self.x[0]
        self.targets[self.t] = symbols
        self.mask[self.t] = self.streams < active
        self.x = symbols.view(1, -1)
        self.t += 1
        self.steps_left -= 1
        if self.t == self.T:
            if self.steps_left:  # no update after the frame's last prediction
                self._train()
            self.t, self.saved = 0, self.state

    def _train(self) -> None:
        logits, _ = self.net(self.inputs, self.saved)  # (T, B, V)
        losses = F.cross_entropy(logits.flatten(0, 1), self.targets.flatten(), reduction="none")
        mask = self.mask.flatten().to(losses.dtype)
        self.trainer.update((losses * mask).sum() / mask.sum())


class WindowPredictor:
    """The reference design: re-run the network over the last W symbols of each stream at every
    step, one Adam update per step on that step's loss; the first symbol is coded uniformly."""

    def __init__(self, cfg: ModelConfig, vocab: int, steps: int, device: str) -> None:
        self.net = _build(cfg, vocab, device)
        self.vocab, self.W, self.batch, self.device = vocab, cfg.seq_length, cfg.batch_size, device
        self.trainer = _Trainer(self.net, cfg, steps)
        self.windows: torch.Tensor | None = None  # (B, W)

    def probabilities(self) -> torch.Tensor:
        if self.windows is None:
            return torch.ones(self.batch, self.vocab, device=self.device)
        self.logits = self.net(self.windows)  # (B, padded V), kept for the update
        return torch.softmax(self.logits.detach()[:, : self.vocab], dim=-1)

    def observe(self, coded: np.ndarray, active: int) -> None:
        symbols = torch.from_numpy(coded).to(self.device, torch.long)
        if self.windows is None:
            self.windows = symbols.view(-1, 1).repeat(1, self.W)
            return
        self.trainer.update(F.cross_entropy(self.logits[:active], symbols[:active]))
        self.windows = torch.cat([self.windows[:, 1:], symbols.view(-1, 1)], dim=1)


def make_predictor(cfg: ModelConfig, vocab: int, steps: int, device: str) -> StatefulPredictor | WindowPredictor:
    cls = StatefulPredictor if NETWORKS[cfg.network].stateful else WindowPredictor
    return cls(cfg, vocab, steps, device)
