"""The contract of the file format: networks, hyperparameters, presets and the limits a decoder
accepts. Everything a header can name is defined here once.

This module imports neither torch nor numba, so parsing options, listing a file and reporting
an error stay fast. `format.py` derives the header's parameter block from the fields below, the
CLI its options, `validate` its checks: a new hyperparameter is one field of ModelConfig.
Ids and presets are part of the format: never reuse an id, never change a preset (a changed
preset gets a new name and a new id; tests/test_contract.py holds a frozen copy of each).
"""

from __future__ import annotations

import math
from dataclasses import Field, asdict, dataclass, field, fields, replace
from typing import Any

from .errors import RnnzipError


@dataclass(frozen=True)
class Network:
    """A network family: how it is built and how it runs."""

    id: int  # stored in headers
    cell: str  # "lstm" or "gru"
    stateful: bool  # True: state carried from step to step; False: a window re-run every step
    attention: bool  # attends over its last top-layer outputs
    directions: int  # 2: bidirectional (the reference design's window networks); 0: no network
    compiled: bool = False  # the bitwise engine's own network (numba, in its loop); else PyTorch

    @property
    def gates(self) -> int:
        return 4 if self.cell == "lstm" else 3

    @property
    def torch(self) -> bool:
        """Whether it runs in PyTorch (and its frames record the environment that decodes them)."""
        return bool(self.directions) and not self.compiled


NETWORKS: dict[str, Network] = {
    "none": Network(0, "none", stateful=True, attention=False, directions=0),  # the bitwise engine alone
    "lstm": Network(1, "lstm", stateful=True, attention=False, directions=1),
    "gru": Network(2, "gru", stateful=True, attention=False, directions=1),
    "lstm-att": Network(3, "lstm", stateful=True, attention=True, directions=1),
    "gru-att": Network(4, "gru", stateful=True, attention=True, directions=1),
    # an LSTM with coupled input and forget gates, in the bitwise engine's compiled loop (bitwise/lstm.py)
    "cifg": Network(5, "cifg", stateful=True, attention=False, directions=1, compiled=True),
    "seed-lstm-att": Network(16, "lstm", stateful=False, attention=True, directions=2),
    "seed-gru-att": Network(17, "gru", stateful=False, attention=True, directions=2),
}
NETWORK_BY_ID: dict[int, str] = {spec.id: name for name, spec in NETWORKS.items()}

# Limits on what a header may ask for, checked before anything is allocated: a corrupt or
# hostile header must not make the decoder allocate gigabytes or run for days.
MAX_FRAME_LENGTH = 1 << 30  # original bytes in one frame (and the largest --block-size)
MAX_PARAMETERS = 60_000_000  # network weights; the seed-lstm-att preset has about 39 million
MAX_TABLE_BYTES = 1 << 30  # the hybrid's context-count table
MAX_THREADS = 16  # intra-op threads a frame may record
EXACT_CONTEXT_ORDERS = 2  # context orders with exact (unhashed) rows of their own
CM_SHARED_CONTEXTS = 48  # the bitwise engine's shared contexts (bitwise/registry.py lists them; a change there
# recompiles it, so numba never runs a cached kernel with another count)


@dataclass(frozen=True)
class Param:
    """How one hyperparameter is stored, limited and offered on the command line."""

    help: str
    wire: str  # struct code in a header's explicit parameter block; "" = stored on its own
    low: float = 0  # inclusive limits...
    high: float = 0
    open_low: bool = False  # ...unless open
    open_high: bool = False
    off: int | None = None  # a value below `low` that turns the feature off
    since: int = 3  # the format version that added it; older headers mean `off`
    part: str = "network"  # what it configures: "streams", "network", "hybrid" or "bitwise"

    def allows(self, value: float) -> bool:
        if value == self.off:
            return True
        above = value > self.low if self.open_low else value >= self.low
        below = value < self.high if self.open_high else value <= self.high
        return above and below and math.isfinite(value)

    def describe(self) -> str:
        text = f"{'(' if self.open_low else '['}{self.low:g}, {self.high:g}{')' if self.open_high else ']'}"
        return text if self.off is None else f"{self.off} or {text}"


def _param(
    help: str, wire: str, low: float, high: float, *, open_low: bool = False, open_high: bool = False,
    off: int | None = None, since: int = 3, part: str = "network",
) -> Any:  # fmt: skip
    return field(metadata={"param": Param(help, wire, low, high, open_low, open_high, off, since, part)})


@dataclass(frozen=True)
class ModelConfig:
    """The hyperparameters of one model frame. No field has a default: a frame's parameters
    come from a preset or its header, never from defaults. Field order is the order of the
    header's explicit parameter block (docs/FORMAT.md)."""

    network: str = field(metadata={"param": Param("network family", "B")})  # stored as its id
    batch_size: int = _param("parallel streams B (0: chosen from the input length)", "", 0, 4096, part="streams")
    seed: int = _param("weight initialisation seed", "I", 0, 2**32 - 1)
    seq_length: int = _param(
        "T: steps between training updates (truncated BPTT length); a window network's window", "H", 1, 1024
    )
    hidden_size: int = _param("recurrent state width H", "H", 1, 4096)
    num_layers: int = _param("stacked recurrent layers", "B", 1, 8)
    embed_size: int = _param("byte embedding width", "H", 1, 4096)
    attention_window: int = _param("top-layer outputs attended to (attention networks)", "H", 2, 1024)
    learning_rate: float = _param("Adam learning rate at the start of a frame", "d", 0, 1, open_low=True)
    final_learning_rate: float = _param(
        "learning rate at the frame's last update (geometric decay)", "d", 0, 1, open_low=True
    )
    beta1: float = _param("Adam beta1", "d", 0, 1, open_high=True)
    beta2: float = _param("Adam beta2", "d", 0, 1, open_high=True)
    clip: float = _param("gradient norm clip", "d", 0, 1e6, open_low=True)
    context_order: int = _param("hybrid: context models of orders 1..N (0: none)", "B", 0, 8, part="hybrid")
    table_bits: int = _param("hybrid: log2 rows of the hashed context table", "B", 10, 24, part="hybrid")
    match_min: int = _param("hybrid: the match model's context length (0: none)", "B", 2, 8, off=0, part="hybrid")
    cm_bits: int = _param(
        "bitwise engine: log2 bytes of its context table (0: the byte-level engine)",
        "B",
        16,
        30,
        off=0,
        since=4,
        part="bitwise",
    )
    cm_contexts: int = _param(
        "bitwise engine: shared contexts used, the most useful first (0 with the byte-level engine)", "B", 4,
        CM_SHARED_CONTEXTS,
        off=0, since=4, part="bitwise",
    )  # fmt: skip
    prior: int = _param(
        "1: the engine's network starts from the prior shipped in the package (0: from random weights)", "B", 1, 1,
        off=0, since=5,
    )  # fmt: skip
    frozen_layers: int = _param(
        "how many of the network's lowest layers keep the prior's weights while coding (all: only the softmax "
        "learns; 0: every weight)", "B", 1, 8, off=0, since=5,
    )  # fmt: skip

    def with_overrides(self, **overrides: Any) -> ModelConfig:
        """A copy with the non-None overrides applied (the CLI passes None for unset options)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def in_use(self) -> dict[str, Any]:
        """The parameters of the parts this configuration runs (what `rnnzip -l` shows)."""
        parts = {"streams", "network" if NETWORKS[self.network].directions else "",
                 "hybrid" if self.context_order else "", "bitwise" if self.cm_bits else ""}  # fmt: skip
        unused = _UNUSED_BY_COMPILED if NETWORKS[self.network].compiled else ()
        return {
            f.name: getattr(self, f.name) for f, param in parameters() if param.part in parts and f.name not in unused
        }


_UNUSED_BY_COMPILED = ("embed_size", "attention_window", "beta1")  # the engine's network has none of them


def parameters() -> list[tuple[Field[Any], Param]]:
    """Every hyperparameter with its contract, in header order."""
    return [(f, f.metadata["param"]) for f in fields(ModelConfig)]


def estimated_parameters(cfg: ModelConfig, vocab: int = 256) -> int:
    """An upper bound on the network's parameter count, computed without building it."""
    net = NETWORKS[cfg.network]
    if not net.directions:
        return 0
    if net.compiled:  # bitwise/lstm.py: gates, byte rows, softmax
        h, layers = cfg.hidden_size, cfg.num_layers
        return layers * (2 * h + 1 + vocab) * 3 * h + (layers * h + 1) * vocab
    h, e = cfg.hidden_size, cfg.embed_size
    total = (vocab + 1) * e
    width_in = e
    for _ in range(cfg.num_layers):
        total += net.directions * net.gates * h * (width_in + h + 2)
        width_in = net.directions * h
    return total + 2 * width_in * (width_in + vocab + 1)


def exact_context_rows(orders: int, vocab: int) -> int:
    """Rows of the hybrid's count table for the contexts of the exact orders."""
    return sum(vocab**k for k in range(1, min(orders, EXACT_CONTEXT_ORDERS) + 1))


def context_table_bytes(orders: int, table_bits: int, vocab: int = 256) -> int:
    """The hybrid's count table: exact rows, 2**table_bits hashed rows, and their tags."""
    return (exact_context_rows(orders, vocab) + (1 << table_bits)) * (vocab + 1)


def validate(cfg: ModelConfig) -> ModelConfig:
    """Raise RnnzipError naming the first field outside its limits; return cfg otherwise."""
    if cfg.network not in NETWORKS:
        raise RnnzipError(f"network={cfg.network!r} is unknown (one of {', '.join(NETWORKS)})")
    for f, param in parameters()[1:]:
        value = getattr(cfg, f.name)
        if type(value) not in (int, float) or not param.allows(value):
            raise RnnzipError(f"{f.name}={value!r} is out of range ({param.describe()})")
        if f.type == "int" and not isinstance(value, int):
            raise RnnzipError(f"{f.name}={value!r} must be an integer")
    if cfg.context_order and not NETWORKS[cfg.network].stateful:
        raise RnnzipError(f"{cfg.network} takes no context models (context_order must be 0)")
    if bool(cfg.cm_bits) != bool(cfg.cm_contexts):
        raise RnnzipError("cm_bits and cm_contexts are both 0 (byte-level engine) or both set (bitwise engine)")
    if cfg.cm_bits and cfg.context_order:
        raise RnnzipError("the bitwise engine replaces the hybrid's side models: cm_bits needs context_order 0")
    if not cfg.cm_bits and not NETWORKS[cfg.network].directions:
        raise RnnzipError("network 'none' codes with the bitwise engine alone: it needs cm_bits > 0")
    if NETWORKS[cfg.network].compiled and (not cfg.cm_bits or cfg.batch_size > 1):
        raise RnnzipError(f"{cfg.network} runs in the bitwise engine on one stream: it needs cm_bits > 0, batch_size 1")
    if (cfg.prior or cfg.frozen_layers) and not NETWORKS[cfg.network].compiled:
        raise RnnzipError("prior and frozen_layers configure the engine's own network (cifg)")
    if cfg.frozen_layers and not (cfg.prior and cfg.frozen_layers <= cfg.num_layers):
        raise RnnzipError("frozen_layers keeps layers of the prior: it needs prior 1 and at most num_layers")
    if cfg.match_min and not cfg.context_order:
        raise RnnzipError("the match model is mixed with the context models: match_min needs context_order > 0")
    params = estimated_parameters(cfg)
    if params > MAX_PARAMETERS:
        raise RnnzipError(f"network too large: about {params:,} parameters (limit {MAX_PARAMETERS:,})")
    tables = context_table_bytes(cfg.context_order, cfg.table_bits) if cfg.context_order else 1 << cfg.cm_bits
    if tables > MAX_TABLE_BYTES:
        raise RnnzipError(f"context tables too large: {tables >> 20:,} MiB (limit {MAX_TABLE_BYTES >> 20:,})")
    return cfg


# ----------------------------------------------------------------------------------- presets

# The networks alone: LSTM 256, embed 64, T 20, Adam (0, 0.9999), lr 1e-2 -> 2e-3, clip 1.
_LSTM = ModelConfig(
    network="lstm", batch_size=0, seed=1234, seq_length=20, hidden_size=256, num_layers=1, embed_size=64,
    attention_window=16, learning_rate=1e-2, final_learning_rate=2e-3, beta1=0.0, beta2=0.9999, clip=1.0,
    context_order=0, table_bits=18, match_min=0, cm_bits=0, cm_contexts=0, prior=0, frozen_layers=0,
)  # fmt: skip
# The hybrid: the network mixed with order-0..6 context models, text contexts and a match model.
_HYBRID = replace(_LSTM, hidden_size=192, context_order=6, table_bits=20, match_min=6)
# The reference design (REFERENCE.md): a bidirectional 2-layer network re-run over the last 15
# bytes at every step, 64 streams, one Adam step per step. Slow on a CPU by design.
_SEED = ModelConfig(
    network="seed-gru-att", batch_size=64, seed=1234, seq_length=15, hidden_size=1024, num_layers=2,
    embed_size=512, attention_window=16, learning_rate=5e-4, final_learning_rate=5e-4, beta1=0.9, beta2=0.999,
    clip=4.0, context_order=0, table_bits=18, match_min=0, cm_bits=0, cm_contexts=0, prior=0, frozen_layers=0,
)  # fmt: skip
# The bitwise context-mixing engine alone (a 128 MiB table), and with the LSTM as one of its inputs
# (levels 5-9 run every context; docs/MEASUREMENTS.md, "Contexts").
_CM = replace(_LSTM, network="none", cm_bits=27, cm_contexts=CM_SHARED_CONTEXTS)
# With a network, 4 streams: the 8-16 of auto_batch_size cost the context models more than the network
# gives (docs/MEASUREMENTS.md, "Networks in the engine").
_CM_LSTM = replace(_LSTM, batch_size=4, hidden_size=256, cm_bits=27, cm_contexts=CM_SHARED_CONTEXTS)

# The engine with its own network, an LSTM of 2 layers of 128 cells in its compiled loop (bitwise/lstm.py):
# windows of up to 20 bytes, Adam (beta2 0.999) at 0.02 decaying to 0.002 (docs/MEASUREMENTS.md, "The network").
_CM_CIFG = replace(
    _CM, network="cifg", hidden_size=128, num_layers=2, seq_length=20, learning_rate=0.02,
    final_learning_rate=0.002, beta2=0.999, clip=10.0,
)  # fmt: skip

# Levels 6-9 start the network from the prior (prior.py; trained on ../shared/prior-corpus); --no-prior
# runs "level-N-no-prior". 6-7: only the softmax learns while coding (at 0.002); 8-9: the top layer and the
# softmax, at 0.0005 (the first layer learning too was larger and 1.2 times slower; docs/MEASUREMENTS.md,
# "The prior").
_CM_PRIOR = replace(_CM_CIFG, prior=1, learning_rate=0.0005, final_learning_rate=0.0005)
_CM_PRIOR_TOP = replace(_CM_PRIOR, frozen_layers=1)
_CM_PRIOR_SOFTMAX = replace(_CM_PRIOR, frozen_layers=2, learning_rate=0.002, final_learning_rate=0.002)

# id -> (name, parameters). Ids are stored in headers: never reuse or renumber one.
_TABLE: dict[int, tuple[str, ModelConfig]] = {
    # levels: the bitwise engine with more contexts and larger tables
    31: ("level-1", replace(_CM, cm_bits=24, cm_contexts=7)),
    32: ("level-2", replace(_CM, cm_bits=25, cm_contexts=12)),
    33: ("level-3", replace(_CM, cm_bits=25, cm_contexts=17)),
    34: ("level-4", replace(_CM, cm_bits=26, cm_contexts=22)),
    35: ("level-5", replace(_CM, cm_bits=26)),
    36: ("level-6-no-prior", _CM),
    # 7-9: larger tables (enwik6 with 31 contexts: 128 MiB 207,769 bytes, 256 MiB 207,569; 35 contexts:
    # 256 MiB 207,287, 512 MiB 207,244); they pay on inputs much larger than the table
    37: ("level-7-no-prior", replace(_CM, cm_bits=28)),
    38: ("cm-29", replace(_CM, cm_bits=29)),  # levels 8 and 9 of rnnzip 0.3, without the network
    39: ("cm-30", replace(_CM, cm_bits=30)),
    # 8-9 without the prior: the engine's own network learns from random weights
    42: ("level-8-no-prior", replace(_CM_CIFG, cm_bits=29)),
    43: ("level-9-no-prior", replace(_CM_CIFG, cm_bits=30)),
    # 6-9: the network starts from the prior
    44: ("level-6", _CM_PRIOR_SOFTMAX),
    45: ("level-7", replace(_CM_PRIOR_SOFTMAX, cm_bits=28)),
    46: ("level-8-every-weight", replace(_CM_PRIOR, cm_bits=29)),  # levels 8-9 until 2026-12-06
    47: ("level-9-every-weight", replace(_CM_PRIOR, cm_bits=30)),
    48: ("level-8", replace(_CM_PRIOR_TOP, cm_bits=29)),
    49: ("level-9", replace(_CM_PRIOR_TOP, cm_bits=30)),
    # the engine with a network as one of its inputs, in 4 streams: on enwik5 the streams cost the
    # context models 0.6% (level 6 in 4 streams 24,924 bytes against 24,772) and the network gives
    # back 0.3% (LSTM 256 24,910; LSTM-attention 256 24,851), at 6-8 times the time
    40: ("cm-lstm", _CM_LSTM),
    41: ("cm-lstm-att", replace(_CM_LSTM, network="lstm-att", cm_bits=28)),
    # the byte-level hybrid of format 3 (rnnzip 0.1): the network mixed with count models
    1: ("hybrid-1", replace(_HYBRID, hidden_size=64, embed_size=32, context_order=4, table_bits=18)),
    2: ("hybrid-2", replace(_HYBRID, hidden_size=96, embed_size=32, context_order=5, table_bits=19)),
    3: ("hybrid-3", replace(_HYBRID, hidden_size=128, context_order=5)),
    4: ("hybrid-4", replace(_HYBRID, hidden_size=128)),
    5: ("hybrid-5", replace(_HYBRID, hidden_size=160)),
    6: ("hybrid-6", _HYBRID),
    7: ("hybrid-7", replace(_HYBRID, hidden_size=256)),
    8: ("hybrid-8", replace(_HYBRID, network="lstm-att", hidden_size=256, table_bits=21)),
    9: ("hybrid-9", replace(_HYBRID, network="lstm-att", hidden_size=384, table_bits=21, context_order=7)),
    # the networks alone, at a common size, for comparing them
    10: ("lstm", _LSTM),
    11: ("gru", replace(_LSTM, network="gru")),
    12: ("lstm-att", replace(_LSTM, network="lstm-att")),
    13: ("gru-att", replace(_LSTM, network="gru-att")),
    20: ("seed-gru-att", _SEED),
    21: ("seed-lstm-att", replace(_SEED, network="seed-lstm-att")),
}

PRESETS: dict[str, ModelConfig] = {name: cfg for name, cfg in _TABLE.values()}
PRESET_BY_ID: dict[int, ModelConfig] = {pid: cfg for pid, (_, cfg) in _TABLE.items()}
LEVELS = range(1, 10)
DEFAULT_LEVEL = 6


def preset_id(cfg: ModelConfig) -> int:
    """The id of the preset equal to cfg but for the batch size (stored on its own in every
    header), or 0 when cfg must be stored explicitly."""
    key = replace(cfg, batch_size=0)
    return next((pid for pid, p in PRESET_BY_ID.items() if replace(p, batch_size=0) == key), 0)


def preset_name(cfg: ModelConfig) -> str | None:
    """The name of the preset whose id a header stores for cfg, if any."""
    pid = preset_id(cfg)
    return _TABLE[pid][0] if pid else None


def level_preset(level: int, use_prior: bool = True) -> ModelConfig:
    if level not in LEVELS:
        raise ValueError(f"level must be 1..9, not {level!r}")
    return PRESETS[without_prior(f"level-{level}") if not use_prior else f"level-{level}"]


def without_prior(name: str) -> str:
    """The preset that --no-prior runs instead of preset `name` (itself when it has no prior)."""
    return f"{name}-no-prior" if f"{name}-no-prior" in PRESETS else name
