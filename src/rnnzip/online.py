"""Online predictors: a network plus its training schedule, stepped identically by both sides.

Each step the engine asks for the next-symbol distribution of every stream, codes the true
symbols, and hands them back with `observe`, which may train the network.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from .contract import NETWORKS, ModelConfig
from .models import build_network
from .models.recurrent import RecurrentNet, RecurrentState
from .models.window import WindowNet
from .training import Trainer


def _build(cfg: ModelConfig, vocab: int, device: str) -> RecurrentNet | WindowNet:
    with torch.random.fork_rng(devices=[]):  # seed the weights without touching the caller's RNG
        torch.manual_seed(cfg.seed)
        return build_network(cfg, vocab).to(device)


class _Background:
    """One job at a time on a second thread (torch releases the GIL inside its kernels) with
    the caller's intra-op thread count (OpenMP keeps it per thread); `wait` returns when the
    job is done and re-raises its exception."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self, job: Callable[[], None]) -> None:
        threads = torch.get_num_threads()

        def run() -> None:
            try:
                torch.set_num_threads(threads)
                job()
            except BaseException as e:
                self.error = e

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        if self.error is not None:
            raise self.error


class StatefulPredictor:
    """A recurrent network carried from step to step; every T steps one truncated-BPTT update
    over the last T steps of all streams, re-run from the state saved at the window's start.

    The update runs on a second thread while the next window is predicted by a copy of the
    weights (`live`); the copy takes the new weights at the end of that window. So window k+2
    is predicted with the training of windows up to k, on both sides alike, and training mostly
    overlaps coding on a machine with two cores. With side models (context_order > 0), the
    network's prediction is mixed with theirs; the network still trains on its own loss."""

    def __init__(self, cfg: ModelConfig, alphabet: np.ndarray, steps: int, device: str) -> None:
        vocab = len(alphabet)
        net = _build(cfg, vocab, device)
        assert isinstance(net, RecurrentNet)
        self.net = net
        self.live = copy.deepcopy(self.net).requires_grad_(False)
        self.live.input_gates = self.gates = self.net.input_gates_table()
        batch, self.T, self.device = cfg.batch_size, cfg.seq_length, device
        self.side = None
        if cfg.context_order:  # the byte-level hybrid's count models
            from .bytelevel.hybrid.side import SideModels

            self.side = SideModels(cfg, alphabet, batch, steps, device)
        self.trainer = Trainer(self.net, cfg, steps // self.T)
        self.training = _Background()
        self.steps_left = steps
        self.state = self.saved = self.net.initial_state(batch, device)
        # row 0: the symbols before the window; row t+1: those coded at step t of the window
        self.window = np.full((self.T + 1, batch), self.net.start_symbol, dtype=np.int64)
        self.active = np.zeros((self.T, 1), dtype=np.int64)  # active streams at each step
        self.t = 0

    @torch.no_grad()
    def probabilities(self) -> torch.Tensor:
        x = torch.from_numpy(self.window[self.t : self.t + 1]).to(self.device)
        logits, self.next_state = self.live(x, self.state)
        if self.side is not None:
            logits = self.side.mix(torch.log_softmax(logits[0], dim=-1)).unsqueeze(0)
        self.probs = torch.softmax(logits[0], dim=-1)  # (B, V)
        return self.probs

    def observe(self, coded: np.ndarray, active: int) -> None:
        self.state = self.next_state
        if self.side is not None:
            self.side.update(coded, active, self.probs)
        self.window[self.t + 1] = coded
        self.active[self.t] = active
        self.t += 1
        self.steps_left -= 1
        if self.t == self.T:
            self.training.wait()
            with torch.no_grad():
                for live, trained in zip(self.live.parameters(), self.net.parameters(), strict=True):
                    live.copy_(trained)
            self.live.input_gates = self.gates
            if self.steps_left:  # no update after the frame's last prediction
                inputs, targets = (
                    torch.from_numpy(a.copy()).to(self.device) for a in (self.window[:-1], self.window[1:])
                )
                mask = torch.from_numpy(np.arange(self.window.shape[1]) < self.active).to(self.device)
                saved = self.saved
                self.training.start(lambda: self._train(inputs, targets, mask, saved))
            self.window[0] = self.window[-1]
            self.t, self.saved = 0, self.state

    def close(self) -> None:
        """Wait for the update in flight (a thread must not outlive its frame)."""
        self.training.wait()

    def _train(self, inputs: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor, saved: RecurrentState) -> None:
        logits, _ = self.net(inputs, saved)  # (T, B, V)
        losses = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="none")
        weights = mask.flatten().to(losses.dtype)
        self.trainer.update((losses * weights).sum() / weights.sum())
        self.gates = self.net.input_gates_table()


class WindowPredictor:
    """The reference design: re-run the network over the last W symbols of each stream at every
    step, one Adam update per step on that step's loss; the first symbol is coded uniformly."""

    def __init__(self, cfg: ModelConfig, alphabet: np.ndarray, steps: int, device: str) -> None:
        vocab = len(alphabet)
        self.net = _build(cfg, vocab, device)
        self.vocab, self.W, self.batch, self.device = vocab, cfg.seq_length, cfg.batch_size, device
        self.trainer = Trainer(self.net, cfg, steps)
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

    def close(self) -> None:
        pass


def make_predictor(
    cfg: ModelConfig, alphabet: np.ndarray, steps: int, device: str
) -> StatefulPredictor | WindowPredictor:
    """The predictor of a frame whose symbols index `alphabet` (the byte values present)."""
    cls = StatefulPredictor if NETWORKS[cfg.network].stateful else WindowPredictor
    return cls(cfg, alphabet, steps, device)
