"""Pretrain the engine's network in PyTorch: the same architecture as bitwise/lstm.py (a CIFG-LSTM whose
layers read the previous byte through a table of rows; a softmax over every layer's h), trained by
truncated backpropagation over long stretches in batches, for several passes: what the online pass of
train.py (one byte at a time, windows of 20) cannot afford. On a GPU when there is one, else on the CPU.

    python prior/train_torch.py --init prior/checkpoints/at-0098M.npz --hours 2
    # the measured pass (docs/MEASUREMENTS.md, "The prior"), after a 20 MB pilot at --lr 5e-4 --final 5e-5:
    python prior/train_torch.py --init PILOT.npz --batch 256 --steps 50 --lr 7e-4 --final 3e-5 --passes 1

It reads the same stream and held-out text as train.py (reshuffled each pass) and writes checkpoints
in train.py's format to prior/checkpoints-torch/ (git-ignored), so that export.py ships them: the
weights from PyTorch, Adam's second moments measured by the engine's own code (`calibrate`: the
engine's Adam at rate 0 over 256 KB of training text), since levels 6-9 go on learning with them.
Held-out bits per byte (the engine's code, float32 activations of activations.py) go to
prior/train-torch-log.tsv.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import torch
import train  # prior/train.py: the corpus, its split and the engine's scoring
from torch import nn

from rnnzip.bitwise.lstm import BETA2_POWER, FINAL_RATE, LEARNING_RATE, MAX_WINDOW, WINDOW, Lstm

HERE = Path(__file__).resolve().parent
State = tuple[torch.Tensor, torch.Tensor]  # h and c, (L, B, H) each


class Cifg(nn.Module):
    """bitwise/lstm.py's network, its weights split by role (the engine keeps them in one array per layer)."""

    def __init__(self, hidden: int, layers: int) -> None:
        super().__init__()
        H, L = hidden, layers
        self.hidden, self.layers = H, L
        self.own = nn.Parameter(torch.empty(L, H, 3 * H).uniform_(-1, 1) / math.sqrt(2 * H))
        self.below = nn.Parameter(torch.empty(max(L - 1, 1), H, 3 * H).uniform_(-1, 1) / math.sqrt(2 * H))
        self.bias = nn.Parameter(torch.zeros(L, 3 * H))
        self.embed = nn.Parameter(torch.zeros(L, 256, 3 * H))
        self.out = nn.Parameter(torch.empty(L * H, 256).uniform_(-1, 1) / math.sqrt(L * H))
        self.out_bias = nn.Parameter(torch.zeros(256))

    def forward(self, inputs: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """inputs (S, B) bytes; state (L, B, H) h and c -> logits (S, B, 256) of the bytes that follow, state."""
        H = self.hidden
        h0, c0 = state
        below = None
        hs, cs, every = [], [], []
        for layer in range(self.layers):
            x = self.embed[layer][inputs] + self.bias[layer]  # (S, B, 3H): all steps at once
            if below is not None:
                x = x + below @ self.below[layer - 1]
            h, c, own = h0[layer], c0[layer], self.own[layer]
            steps = []
            for s in range(inputs.shape[0]):
                pre = torch.addmm(x[s], h, own)
                forget = torch.sigmoid(pre[:, :H])
                candidate = torch.tanh(pre[:, H : 2 * H])
                out = torch.sigmoid(pre[:, 2 * H :])
                c = forget * c + (1 - forget) * candidate
                h = out * torch.tanh(c)
                steps.append(h)
            below = torch.stack(steps)
            every.append(below)
            hs.append(h)
            cs.append(c)
        logits = torch.cat(every, dim=2) @ self.out + self.out_bias
        return logits, (torch.stack(hs), torch.stack(cs))

    def load_engine(self, saved: dict[str, np.ndarray]) -> None:
        """Weights from the engine's arrays; a network of fewer cells per layer (H0) grows: its cells keep
        their weights, the new cells' incoming weights start random and their outgoing ones at zero, so
        that the grown network computes the same distributions until it learns."""
        H, L = self.hidden, self.layers
        w = saved["weights"].astype(np.float32)
        h0 = w.shape[1] // 2
        if w.shape[0] != L or h0 > H:
            raise ValueError(f"cannot start {L} x {H} cells from {w.shape[0]} x {h0}")
        # the old gate columns [g H0, (g + 1) H0) go to [g H, g H + H0)
        columns = np.concatenate([np.arange(g * H, g * H + h0) for g in range(3)])
        with torch.no_grad():
            self.own[:, h0:] = 0  # the new cells' h reach no old gate
            self.own[:, :h0, columns] = torch.from_numpy(w[:, :h0])
            if L > 1:
                self.below[:, h0:] = 0
                self.below[:, :h0, columns] = torch.from_numpy(w[1:, h0 : 2 * h0])
            self.bias.zero_()
            self.bias[:, columns] = torch.from_numpy(w[:, 2 * h0])
            self.embed.zero_()
            self.embed[:, :, columns] = torch.from_numpy(saved["embed"].astype(np.float32))
            out = torch.from_numpy(saved["output"].astype(np.float32))
            self.out.zero_()
            for layer in range(L):
                self.out[layer * H : layer * H + h0] = out[layer * h0 : (layer + 1) * h0]
            self.out_bias.copy_(out[L * h0])

    def engine_arrays(self) -> dict[str, np.ndarray]:
        """weights (L, 2H + 1, 3H), embed (L, 256, 3H), output (L H + 1, 256) in the engine's layout."""
        H, L = self.hidden, self.layers
        weights = np.zeros((L, 2 * H + 1, 3 * H), dtype=np.float32)
        weights[:, :H] = self.own.detach().cpu().numpy()
        if L > 1:
            weights[1:, H : 2 * H] = self.below.detach().cpu().numpy()
        weights[:, 2 * H] = self.bias.detach().cpu().numpy()
        output = np.concatenate([self.out.detach().cpu().numpy(), self.out_bias.detach().cpu().numpy()[None]])
        return {"weights": weights, "embed": self.embed.detach().cpu().numpy(), "output": output}


def calibrate(arrays: dict[str, np.ndarray], text: np.ndarray) -> Lstm:
    """The engine's network with these weights and the second moments its own Adam measures over `text`
    at rate 0 (full windows from the first byte, as a prior's network codes)."""
    net = train.engine_network(arrays)
    net.settings[LEARNING_RATE] = net.settings[FINAL_RATE] = 0.0
    net.counters[WINDOW] = net.counters[MAX_WINDOW]
    train.lstm_forward(net, 0, 0)
    train.train(net, text)
    net.settings[BETA2_POWER] = 0.0
    return net


def engine_scores(arrays: dict[str, np.ndarray], evals: dict[str, np.ndarray]) -> list[float]:
    """Held-out bits per byte under the engine's own code."""
    return [train.score(train.engine_network(arrays), evals[p]) / evals[p].size for p in train.PARTS]


def lanes(stream: np.ndarray, batch: int) -> torch.Tensor:
    """The stream cut into `batch` contiguous lanes, (length, batch)."""
    n = stream.size // batch
    return torch.from_numpy(stream[: n * batch].reshape(batch, n).T.copy())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--init", type=Path, help="start from this checkpoint (else random); of fewer cells: grown")
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=100, help="bytes per truncated backpropagation")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--final", type=float, default=1e-4)
    ap.add_argument("--passes", type=float, default=3.0, help="passes over the stream (the rate decays over them)")
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--every", type=float, default=600, help="seconds between checkpoints")
    ap.add_argument("--limit", type=int, default=0, help="train on the stream's first N bytes (tests)")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--held-out", type=int, default=train.HELD_OUT_BYTES, help="bytes per part scored (<= default)")
    ap.add_argument("--calibrate", type=int, default=256 << 10, help="bytes that measure Adam's moments")
    ap.add_argument("--out", type=Path, default=HERE / "checkpoints-torch")
    ap.add_argument("--log", type=Path, default=HERE / "train-torch-log.tsv")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    texts, rows = train.documents()
    evals = {part: text[: args.held_out] for part, text in train.held_out_texts(texts, rows).items()}
    model = Cifg(args.hidden, args.layers)
    made_from = ""  # the recipe of what --init was, before this command's
    if args.init:
        init = dict(np.load(args.init))
        model.load_engine(init)
        made_from = train.provenance(init) + "; then "
    model.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr)
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.log
    if not log.exists():
        log.write_text("trained_bytes\ttrain_bpb\t" + "\t".join(f"{p}_bpb" for p in train.PARTS) + "\tseconds\n")
    first = train.training_stream(texts, rows, 1)
    total = int(len(first if not args.limit else first[: args.limit]) * args.passes)
    trained, start_epoch, start_t, elapsed = 0, 0, 0, 0.0
    state = (torch.zeros(args.layers, args.batch, args.hidden, device=device),) * 2
    resume = args.out / "resume.pt"
    if resume.exists():  # the model, Adam, the position and the lanes' state of the last checkpoint
        saved = torch.load(resume, map_location=device)
        model.load_state_dict(saved["model"])
        optimiser.load_state_dict(saved["optimiser"])
        trained, start_epoch, start_t, elapsed = saved["trained"], saved["epoch"], saved["t"], saved["seconds"]
        state = (saved["h"], saved["c"])
        print(f"resumed at {trained:,} of {total:,}", flush=True)
    started, deadline = time.time() - elapsed, time.time() + args.hours * 3600
    bits, counted, last = 0.0, 0, time.time()
    epochs = math.ceil(args.passes)
    for epoch in range(start_epoch, epochs):
        stream = first if epoch == 0 else train.training_stream(texts, rows, 1 + epoch)
        if args.limit:
            stream = stream[: args.limit]
        data = lanes(np.frombuffer(stream, dtype=np.uint8).astype(np.int64), args.batch).to(device)
        starts = range(0, data.shape[0] - args.steps - 1, args.steps)
        for t in range(start_t if epoch == start_epoch else 0, starts.stop, args.steps):  # from where it stopped
            rate = max(args.final, args.lr * 0.5 * (1 + math.cos(math.pi * min(trained / total, 1))))
            for group in optimiser.param_groups:
                group["lr"] = rate
            logits, state = model(data[t : t + args.steps], state)
            state = (state[0].detach(), state[1].detach())
            loss = nn.functional.cross_entropy(logits.reshape(-1, 256), data[t + 1 : t + args.steps + 1].reshape(-1))
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            trained += args.steps * args.batch
            bits += loss.item() / math.log(2)
            counted += 1
            done = trained >= total or time.time() > deadline or (epoch == epochs - 1 and t == starts[-1])
            if time.time() - last > args.every or done:
                checkpoint(model, args, made_from, first, evals, trained, bits / counted, time.time() - started, log)
                torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "trained": trained,
                            "epoch": epoch, "t": t + args.steps, "seconds": time.time() - started,
                            "h": state[0], "c": state[1]}, args.out / "resume.tmp")  # fmt: skip
                (args.out / "resume.tmp").replace(resume)
                bits, counted, last = 0.0, 0, time.time()
            if done:
                return
        state = (torch.zeros_like(state[0]), torch.zeros_like(state[1]))


def checkpoint(model: Cifg, args: argparse.Namespace, made_from: str, stream: bytes, evals: dict[str, np.ndarray],
               trained: int, train_bpb: float, seconds: float, log: Path) -> None:  # fmt: skip
    """The weights in train.py's checkpoint format, Adam's moments calibrated; their held-out scores."""
    arrays = model.engine_arrays()
    text = np.frombuffer(stream[: args.calibrate], dtype=np.uint8).astype(np.int64)
    net = calibrate(arrays, text)
    scores = engine_scores(arrays, evals)
    path = args.out / f"at-{trained >> 20:05d}M.npz"
    options = sorted((k, v) for k, v in vars(args).items() if k not in ("out", "log"))
    command = made_from + "prior/train_torch.py " + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in options)
    np.savez(path, position=trained, trainer=np.frombuffer(command.encode(), dtype=np.uint8), **net._asdict())
    (args.out / "latest.npz").write_bytes(path.read_bytes())
    with log.open("a") as f:
        f.write(f"{trained}\t{train_bpb:.4f}\t" + "\t".join(f"{s:.4f}" for s in scores) + f"\t{seconds:.0f}\n")
    print(trained, f"{train_bpb:.4f}", [f"{s:.3f}" for s in scores], f"{seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
