"""Named, frozen parameter sets. A preset's id is stored in headers instead of its parameters,
so a preset must never change: a changed preset gets a new name and a new id."""

from __future__ import annotations

from .config import ModelConfig

_BASE = ModelConfig()  # lstm, hidden 256, embed 64, T 20, Adam (0, 0.9999), lr 1e-2 -> 2e-3, clip 1
_ATT = _BASE.with_overrides(network="lstm-att")
# hybrid: the network mixed with order-0..6 context models and a match model
_HYBRID = _BASE.with_overrides(hidden_size=192, context_order=6, table_bits=20, match_min=6)

# id -> (name, config). Ids are part of the file format: never reuse or renumber one.
_TABLE: dict[int, tuple[str, ModelConfig]] = {
    # levels: larger networks and context tables trade speed and memory for ratio
    1: ("level-1", _HYBRID.with_overrides(hidden_size=64, embed_size=32, context_order=4, table_bits=18)),
    2: ("level-2", _HYBRID.with_overrides(hidden_size=96, embed_size=32, context_order=5, table_bits=19)),
    3: ("level-3", _HYBRID.with_overrides(hidden_size=128, context_order=5)),
    4: ("level-4", _HYBRID.with_overrides(hidden_size=128)),
    5: ("level-5", _HYBRID.with_overrides(hidden_size=160)),
    6: ("level-6", _HYBRID),
    7: ("level-7", _HYBRID.with_overrides(hidden_size=256)),
    8: ("level-8", _HYBRID.with_overrides(network="lstm-att", hidden_size=256, table_bits=21)),
    9: ("level-9", _HYBRID.with_overrides(network="lstm-att", hidden_size=384, table_bits=21, context_order=7)),
    # the networks alone, at a common size, for comparing them
    10: ("lstm", _BASE),
    11: ("gru", _BASE.with_overrides(network="gru")),
    12: ("lstm-att", _ATT),
    13: ("gru-att", _ATT.with_overrides(network="gru-att")),
    # The reference design (REFERENCE.md): a bidirectional 2-layer network re-run over the last
    # 15 bytes at every step, 64 streams, one Adam step per step. Slow on a CPU by design.
    20: ("seed-gru-att", ModelConfig(
        network="seed-gru-att", batch_size=64, seq_length=15, hidden_size=1024, num_layers=2,
        embed_size=512, learning_rate=5e-4, final_learning_rate=5e-4, beta1=0.9, beta2=0.999,
        clip=4.0, seed=1234)),
    21: ("seed-lstm-att", ModelConfig(
        network="seed-lstm-att", batch_size=64, seq_length=15, hidden_size=1024, num_layers=2,
        embed_size=512, learning_rate=5e-4, final_learning_rate=5e-4, beta1=0.9, beta2=0.999,
        clip=4.0, seed=1234)),
}

PRESETS: dict[str, ModelConfig] = {name: cfg for name, cfg in _TABLE.values()}
PRESET_BY_ID: dict[int, ModelConfig] = {pid: cfg for pid, (_, cfg) in _TABLE.items()}
DEFAULT_LEVEL = 6
LEVELS = range(1, 10)


def preset_id(cfg: ModelConfig) -> int:
    """The lowest id of a preset equal to cfg but for the batch size (stored on its own in every
    header), or 0 when cfg must be stored explicitly."""
    key = cfg.with_overrides(batch_size=0)
    return next((pid for pid, p in PRESET_BY_ID.items() if p.with_overrides(batch_size=0) == key), 0)


def level_preset(level: int) -> ModelConfig:
    if level not in LEVELS:
        raise ValueError(f"level must be 1..9, not {level!r}")
    return PRESETS[f"level-{level}"]


def auto_batch_size(length: int) -> int:
    """Streams for an input of `length` bytes: fewer streams learn faster (the network sees
    longer streams), more streams run faster. One per 12,500 bytes up to 8 (enwik5: 8), then one
    per 62,500 bytes up to 32 (enwik6: 16), at least 4. Measured: alice29 37,681 bytes at 12
    streams and 37,585 at 8; enwik6 235,959 at 32 and 234,259 at 16."""
    return max(4, min(8, length // 12_500), min(32, length // 62_500))
