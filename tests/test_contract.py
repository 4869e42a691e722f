"""The contract: frozen presets, every parameter through a real header, limits, and a start-up
that loads neither torch nor numba unless a frame is coded."""

from __future__ import annotations

import io
import math
import subprocess
import sys
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rnnzip.contract import NETWORK_BY_ID, NETWORKS, PRESET_BY_ID, ModelConfig, parameters, preset_id, validate
from rnnzip.errors import BadRnnzipFile, RnnzipError
from rnnzip.format import MODEL, Environment, FrameHeader, pack_header, read_frame, read_header

# A frozen copy of every preset, written out in full. A preset id in a file means exactly these
# values: if a default, a base config or a preset changes, this test fails. Never edit a row:
# add a new preset with a new id instead.
_HYBRID = dict(network="lstm", batch_size=0, seed=1234, seq_length=20, hidden_size=192, num_layers=1,
               embed_size=64, attention_window=16, learning_rate=0.01, final_learning_rate=0.002, beta1=0.0,
               beta2=0.9999, clip=1.0, context_order=6, table_bits=20, match_min=6,
               cm_bits=0, cm_contexts=0, prior=0, frozen_layers=0)  # fmt: skip
_NET = dict(_HYBRID, hidden_size=256, context_order=0, table_bits=18, match_min=0)
_SEED = dict(network="seed-gru-att", batch_size=64, seed=1234, seq_length=15, hidden_size=1024, num_layers=2,
             embed_size=512, attention_window=16, learning_rate=0.0005, final_learning_rate=0.0005, beta1=0.9,
             beta2=0.999, clip=4.0, context_order=0, table_bits=18, match_min=0, cm_bits=0, cm_contexts=0, prior=0,
             frozen_layers=0)  # fmt: skip
_CM = dict(_NET, network="none", cm_bits=27, cm_contexts=48)
_CM_NET = dict(_NET, batch_size=4, hidden_size=256, cm_bits=27, cm_contexts=48)
_CM_CIFG = dict(_CM, network="cifg", hidden_size=128, num_layers=2, learning_rate=0.02, beta2=0.999, clip=10.0)
_CM_PRIOR = dict(_CM_CIFG, prior=1, learning_rate=0.0005, final_learning_rate=0.0005)
_CM_PRIOR_SOFTMAX = dict(_CM_PRIOR, frozen_layers=2, learning_rate=0.002, final_learning_rate=0.002)
FROZEN = {
    31: dict(_CM, cm_bits=24, cm_contexts=7),
    32: dict(_CM, cm_bits=25, cm_contexts=12),
    33: dict(_CM, cm_bits=25, cm_contexts=17),
    34: dict(_CM, cm_bits=26, cm_contexts=22),
    35: dict(_CM, cm_bits=26),
    36: dict(_CM),
    37: dict(_CM, cm_bits=28),
    38: dict(_CM, cm_bits=29),
    39: dict(_CM, cm_bits=30),
    40: dict(_CM_NET),
    41: dict(_CM_NET, network="lstm-att", cm_bits=28),
    42: dict(_CM_CIFG, cm_bits=29),
    43: dict(_CM_CIFG, cm_bits=30),
    44: dict(_CM_PRIOR_SOFTMAX),
    45: dict(_CM_PRIOR_SOFTMAX, cm_bits=28),
    46: dict(_CM_PRIOR, cm_bits=29),
    47: dict(_CM_PRIOR, cm_bits=30),
    48: dict(_CM_PRIOR, frozen_layers=1, cm_bits=29),
    49: dict(_CM_PRIOR, frozen_layers=1, cm_bits=30),
    1: dict(_HYBRID, hidden_size=64, embed_size=32, context_order=4, table_bits=18),
    2: dict(_HYBRID, hidden_size=96, embed_size=32, context_order=5, table_bits=19),
    3: dict(_HYBRID, hidden_size=128, context_order=5),
    4: dict(_HYBRID, hidden_size=128),
    5: dict(_HYBRID, hidden_size=160),
    6: dict(_HYBRID),
    7: dict(_HYBRID, hidden_size=256),
    8: dict(_HYBRID, network="lstm-att", hidden_size=256, table_bits=21),
    9: dict(_HYBRID, network="lstm-att", hidden_size=384, table_bits=21, context_order=7),
    10: dict(_NET),
    11: dict(_NET, network="gru"),
    12: dict(_NET, network="lstm-att"),
    13: dict(_NET, network="gru-att"),
    20: dict(_SEED),
    21: dict(_SEED, network="seed-lstm-att"),
}
FROZEN_NETWORK_IDS = {
    "none": 0,
    "lstm": 1,
    "gru": 2,
    "lstm-att": 3,
    "gru-att": 4,
    "cifg": 5,
    "seed-lstm-att": 16,
    "seed-gru-att": 17,
}
ENV = Environment((2, 13, 0), "AVX2", "cpu", 1, 0xBEEF)


def test_presets_and_network_ids_never_change() -> None:
    assert {pid: cfg.as_dict() for pid, cfg in PRESET_BY_ID.items()} == FROZEN
    assert {name: net.id for name, net in NETWORKS.items()} == FROZEN_NETWORK_IDS


def test_every_preset_is_valid_and_its_id_names_it_alone() -> None:
    for pid, cfg in PRESET_BY_ID.items():
        validate(cfg)
        assert preset_id(cfg) == pid
        assert preset_id(replace(cfg, batch_size=7)) == pid  # the batch is stored on its own
        assert preset_id(replace(cfg, seed=cfg.seed + 1)) == 0  # any other change: stored in full


def _value(name: str, kind: str, param) -> st.SearchStrategy:
    if name == "network":
        return st.sampled_from(sorted(NETWORKS))
    if name == "batch_size":  # a header always holds the resolved batch
        return st.integers(1, int(param.high))
    if kind == "int":
        values = st.integers(int(param.low), int(param.high))
        return values if param.off is None else st.one_of(st.just(param.off), values)
    return st.floats(param.low, param.high, exclude_min=param.open_low, exclude_max=param.open_high,
                     allow_nan=False)  # fmt: skip


# Small widths are as valid as large ones; drawing them often keeps most configs in the limits.
_SMALL = {"hidden_size": 64, "embed_size": 64, "num_layers": 3}


@st.composite
def configs(draw) -> ModelConfig:
    values = {}
    for f, param in parameters():
        strategy = _value(f.name, str(f.type), param)
        if f.name in _SMALL:
            strategy = st.one_of(st.integers(int(param.low), _SMALL[f.name]), strategy)
        values[f.name] = draw(strategy)
    cfg = ModelConfig(**values)
    try:
        return validate(cfg)
    except RnnzipError:
        assume(False)
        raise


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(configs(), st.integers(1, 1 << 30), st.integers(0, 2**32 - 1), st.binary(max_size=40))
def test_every_parameter_round_trips_through_a_real_header(cfg: ModelConfig, length: int, crc: int,
                                                           payload: bytes) -> None:  # fmt: skip
    env = ENV if NETWORKS[cfg.network].directions else None
    header = FrameHeader(MODEL, length, crc, cfg, env, len(payload))
    stream = io.BytesIO(pack_header(header, payload) + payload + b"next")
    assert read_frame(stream) == (header, payload)
    assert stream.read() == b"next"  # the frame ends where its header says


def _forge(cfg: ModelConfig, payload: bytes = b"0123456789") -> bytes:
    """A frame of cfg, with a valid check, whatever cfg's fields hold."""
    env = ENV if NETWORKS[cfg.network].directions else None
    return pack_header(FrameHeader(MODEL, 100, 0, cfg, env, len(payload)), payload) + payload


def _outside(param, kind: str) -> list[float]:
    """Values just outside a parameter's limits that its wire type can still hold."""
    if kind == "int":
        return [v for v in (int(param.low) - 1, int(param.high) + 1) if v >= 0 and v != param.off]
    low = param.low if param.open_low else math.nextafter(param.low, -math.inf)
    high = param.high if param.open_high else math.nextafter(param.high, math.inf)
    return [low, high, math.inf, math.nan]


@pytest.mark.parametrize("name", [f.name for f, p in parameters() if p.wire and f.name != "network"])
def test_out_of_range_fields_are_refused(name: str) -> None:
    base = replace(PRESET_BY_ID[10], seed=99, batch_size=4)  # stored explicitly
    field, param = next((f, p) for f, p in parameters() if f.name == name)
    for value in _outside(param, str(field.type)):
        if value == 2**32 or (param.wire == "B" and value > 255) or (param.wire == "H" and value > 65535):
            continue  # the wire type itself cannot hold it
        with pytest.raises(BadRnnzipFile, match=f"corrupt header: {name}="):
            read_header(io.BytesIO(_forge(replace(base, **{name: value}))))


def test_forged_network_and_preset_ids_are_refused() -> None:
    payload = b"0123456789"
    packed = bytearray(_forge(replace(PRESET_BY_ID[10], seed=99, batch_size=4), payload))
    unused = next(i for i in range(256) if i not in NETWORK_BY_ID)
    start = packed.index(bytes([0, NETWORKS["lstm"].id]))  # preset id 0, then the network id
    packed[start + 1] = unused
    header = bytes(packed[: -len(payload) - 2])
    check = zlib.crc32(payload, zlib.crc32(header)) & 0xFFFF
    forged = header + check.to_bytes(2, "little") + payload
    with pytest.raises(BadRnnzipFile, match=f"unknown network id {unused}"):
        read_header(io.BytesIO(forged))


def test_cli_offers_every_parameter_with_its_limits() -> None:
    from rnnzip.cli import build_parser

    text = " ".join(build_parser(full_help=True).format_help().split())  # --help-all; argparse wraps lines
    for f, param in parameters():
        if f.name != "network":
            assert "--" + f.name.replace("_", "-") in text
            assert param.describe() in text


LOADED = """
import runpy, sys
sys.argv = ["rnnzip", *sys.argv[1:]]
try:
    runpy.run_module("rnnzip", run_name="__main__")
except SystemExit:
    pass
print("LOADED", sorted(m for m in ("torch", "numba") if m in sys.modules), file=sys.stderr)
"""


LIGHT_COMMANDS = [
    ["--version"], ["-h"], ["-l", "{golden}"], ["-l", "{bitwise}"], ["-d", "-c", "{corrupt}"], ["-d", "{missing}"],
    ["-t", "{golden_stored}"], ["-1", "--hidden-size", "0"], ["-t", "{corrupt_payload}"],
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("argv", [*LIGHT_COMMANDS, ["-t", "{bitwise}"]])
def test_start_up_without_torch_or_numba(argv: list[str], tmp_path: Path) -> None:
    """Listing, help, version, stored frames and every error that needs no model stay light;
    the bitwise engine alone (levels 1-3) decodes with numba and without torch."""
    data = Path(__file__).parent / "data"
    corrupt = tmp_path / "corrupt.rnz"
    packed = bytearray((data / "hybrid-1.rnz").read_bytes())
    packed[12] ^= 0xFF  # inside the header: caught by the header check
    corrupt.write_bytes(bytes(packed))
    corrupt_payload = tmp_path / "corrupt-payload.rnz"  # refused by the frame check, before any model
    packed = bytearray((data / "bitwise-lstm.rnz").read_bytes())
    packed[-5] ^= 0x01
    corrupt_payload.write_bytes(bytes(packed))
    paths = {"golden": data / "hybrid-1.rnz", "golden_stored": data / "stored.rnz", "corrupt": corrupt,
             "missing": tmp_path / "missing.rnz", "bitwise": data / "bitwise.rnz",
             "corrupt_payload": corrupt_payload}  # fmt: skip
    args = [a.format(**paths) for a in argv]
    result = subprocess.run([sys.executable, "-c", LOADED, *args], capture_output=True, text=True)
    assert "Traceback" not in result.stderr
    loaded = "['numba']" if argv == ["-t", "{bitwise}"] else "[]"
    assert result.stderr.strip().endswith(f"LOADED {loaded}"), result.stderr


def test_import_rnnzip_loads_neither_torch_nor_numba() -> None:
    code = "import sys, rnnzip; print(sorted(m for m in ('torch', 'numba', 'numpy') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_the_default_engine_loads_neither_constriction_nor_the_byte_level_engine() -> None:
    code = (
        "import sys, rnnzip; d = b'hello world ' * 50; p = rnnzip.compress(d, level=1, cm_bits=16); "
        "assert rnnzip.decompress(p) == d; "
        "print(sorted(m for m in sys.modules if m in ('constriction', 'torch') or m.startswith('rnnzip.bytelevel')))"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


WITHOUT_TORCH = """
import sys
sys.modules["torch"] = None  # as if PyTorch were not installed: `import torch` fails
import rnnzip
data = b"levels 1-9 need no torch. " * 40
for level in (1, 6, 9):
    assert rnnzip.decompress(rnnzip.compress(data, level=level, cm_bits=18)) == data
for call in (lambda: rnnzip.compress(data, model="lstm"), lambda: rnnzip.compress(data, model="cm-lstm"),
             lambda: rnnzip.decompress(open(sys.argv[1], "rb").read())):
    try:
        call()
    except rnnzip.RnnzipError as e:
        print(e)
sys.argv = ["rnnzip", "-t", sys.argv[1]]
from rnnzip.cli import main
print("exit", main())
"""


def test_levels_1_to_9_work_without_torch_and_the_networks_name_the_extra() -> None:
    golden = Path(__file__).parent / "data" / "tiny-lstm.rnz"
    result = subprocess.run([sys.executable, "-c", WITHOUT_TORCH, str(golden)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "the lstm network needs PyTorch: pip install 'rnnzip[torch]'",
        "the lstm network needs PyTorch: pip install 'rnnzip[torch]'",  # cm-lstm: the engine with an lstm
        "a frame made with the lstm network needs PyTorch: pip install 'rnnzip[torch]'",
    ]
    assert lines[3] == "exit 1"
    assert result.stderr.strip().count("\n") == 0 and "rnnzip[torch]" in result.stderr  # one line from the CLI
