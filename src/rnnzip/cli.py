"""The `rnnzip` command: gzip habits over the API. main(argv) -> exit status (0 ok, 1 error, 2 usage)."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import signal
import stat
import sys
import threading
from collections.abc import Iterator
from typing import Any, BinaryIO, cast

from . import __version__
from .api import DEFAULT_BLOCK_SIZE, SUFFIX, make_config
from .contract import DEFAULT_LEVEL, MAX_FRAME_LENGTH, NETWORKS, PRESETS, ModelConfig, parameters, preset_name
from .errors import RnnzipError
from .files import CannotCreate, atomic_output
from .format import STORED, CountingReader, FrameHeader, iter_frames, read_header

# The engine with a PyTorch network in 4 streams: it does not pay (enwik5 0.5% larger than level 6 at 5-8
# times the time; the engine's own network replaces it); its files still decode, the API still makes them.
RETIRED_FROM_CLI = ("cm-lstm", "cm-lstm-att", "level-8-every-weight", "level-9-every-weight")
PROGRESS_THRESHOLD = 256 << 10  # show a progress bar on a terminal above this input size


class UserError(Exception):
    """A problem with one file, reported as one line; processing goes on with the next file."""


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that temporary files are removed and workers stopped."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def build_parser(full_help: bool = False) -> argparse.ArgumentParser:
    """The options; the networks' hyperparameters are listed only by --help-all."""
    p = argparse.ArgumentParser(
        prog="rnnzip",
        usage="rnnzip [options] [FILE ...]\n       rnnzip bench [options] [FILE ...]   (rnnzip bench -h)",
        description="Lossless text compression by models that learn while they code (bitwise context mixing).",
        epilog="--help-all also lists the networks' hyperparameters.",
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="files to (de)compress; - or none: stdin")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("-z", "--compress", dest="action", action="store_const", const="compress")
    mode.add_argument("-d", "--decompress", "--uncompress", dest="action", action="store_const", const="decompress")
    mode.add_argument(
        "-t", "--test", dest="action", action="store_const", const="test", help="decompress and verify, writing nothing"
    )
    mode.add_argument(
        "-l",
        "--list",
        dest="action",
        action="store_const",
        const="list",
        help="list sizes, ratio, frames and parameters",
    )
    p.add_argument("-c", "--stdout", action="store_true", help="write to standard output, keep input")
    p.add_argument("-r", "--recursive", action="store_true", help="operate on the files in directories, recursively")
    p.add_argument(
        "-S", "--suffix", default=SUFFIX, metavar="SUF", help=f"suffix of compressed files (default {SUFFIX})"
    )
    p.add_argument("-f", "--force", action="store_true", help="overwrite existing output files")
    p.add_argument("-k", "--keep", action="store_true", help="keep input files")
    p.add_argument("-v", "--verbose", action="count", default=0, help="ratio per file; a progress bar on a terminal")
    p.add_argument("-q", "--quiet", action="store_true", help="no messages but errors")
    p.add_argument("-V", "--version", action="version", version=f"rnnzip {__version__}")
    p.add_argument("--help-all", action="store_true", help="show every option, the hyperparameters too, and exit")
    for level in range(1, 10):
        p.add_argument(
            f"-{level}",
            dest="level",
            action="store_const",
            const=level,
            help=argparse.SUPPRESS
            if 1 < level < 9
            else ("fastest" if level == 1 else "smallest") + f" (default -{DEFAULT_LEVEL}; -2 .. -8 between)",
        )
    p.add_argument("--fast", dest="level", action="store_const", const=1, help="as -1")
    p.add_argument("--best", dest="level", action="store_const", const=9, help="as -9")
    p.add_argument(
        "--no-prior",
        action="store_true",
        help="levels 6-9 without the prior (their network then starts knowing nothing: today's pure online result)",
    )
    p.add_argument(
        "--model",
        choices=[name for name in PRESETS if name not in RETIRED_FROM_CLI],
        metavar="NAME",
        help="a preset: level-1..9, level-6..9-no-prior, cm-29, cm-30, hybrid-1..9, lstm, "
        "gru, lstm-att, gru-att, seed-gru-att, seed-lstm-att (overrides the level; all but the levels and cm-29/30 "
        "need rnnzip[torch])",
    )
    p.add_argument(
        "--device",
        default=None,
        choices=["cpu", "cuda", "auto"],
        help="compress on this device (default cpu); decompress on the file's (default auto)",
    )
    p.add_argument(
        "--block-size",
        type=_size,
        default=DEFAULT_BLOCK_SIZE,
        metavar="N",
        help=f"bytes per independent frame (default {DEFAULT_BLOCK_SIZE >> 20}M; K/M/G suffixes)",
    )
    p.add_argument(
        "-T",
        "--threads",
        type=int,
        default=0,
        metavar="N",
        help="worker processes, one frame each (default 0: one per core); output is the same for any N",
    )
    p.add_argument(
        "--cluster",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="code the frames on a Dask cluster at ADDRESS (default $RNNZIP_SCHEDULER; rnnzip[cluster])",
    )
    hp = p.add_argument_group("hyperparameters (override the preset)") if full_help else p
    for field, param in parameters():
        if field.name != "network":  # --model chooses it
            kind = int if field.type == "int" else float
            hp.add_argument(
                "--" + field.name.replace("_", "-"),
                dest=field.name,
                type=kind,
                metavar=kind.__name__.upper(),
                help=f"{param.help}; {param.describe()}" if full_help else argparse.SUPPRESS,
            )
    return p


def _size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    try:
        value = int(text[:-1]) * units[text[-1].upper()] if text[-1:].upper() in units else int(text)
    except (ValueError, IndexError):
        raise argparse.ArgumentTypeError(f"not a size: {text!r}") from None
    if not 1 <= value <= MAX_FRAME_LENGTH:
        raise argparse.ArgumentTypeError(f"block size must be 1 byte..{MAX_FRAME_LENGTH >> 30}G")
    return value


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:
        from .bench.cli import main as bench_main

        return bench_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.help_all:
        build_parser(full_help=True).print_help()
        return 0
    if not args.suffix or "/" in args.suffix:
        parser.error(f"invalid suffix {args.suffix!r}")
    args.action = args.action or "compress"
    params = {f: getattr(args, f) for f in ModelConfig.__dataclass_fields__ if getattr(args, f, None) is not None}
    if args.threads < 0:
        parser.error("--threads must be >= 0")
    try:  # reject bad options once, before any file
        config = make_config(args.level, args.model, use_prior=not args.no_prior, **params)
    except ValueError as e:
        parser.error(str(e))
    device = args.device or ("cpu" if args.action == "compress" else "auto")
    previous = signal.signal(signal.SIGTERM, _terminate) if _in_main_thread() else None
    try:
        with _cluster(args) as args.client:
            return _process_all(args, config, device)
    except RnnzipError as e:  # the cluster cannot be used: before any file
        _say(args, f"rnnzip: {e}", error=True)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _cluster(args: argparse.Namespace) -> Iterator[Any]:
    """A Dask client with --cluster (its workers checked), else None."""
    if args.cluster is None or args.action == "list":
        yield None
        return
    from .cluster import connect

    client = connect(args.cluster or None)
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.close()


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _process_all(args: argparse.Namespace, config: ModelConfig, device: str) -> int:
    """Every file in turn; the exit status: 0, 1 if a file failed, 130/143 if interrupted (as gzip)."""
    status = 0
    args.listed = []  # (compressed, original, frames) of each listed file
    _announce_compiling(args, config)
    for name in _expand(args.files or ["-"], args):
        try:
            _process(name, args, config, device)
        except (UserError, CannotCreate) as e:
            _say(args, f"rnnzip: {e}", error=True)
            status = 1
        except (RnnzipError, OSError, EOFError, ValueError, MemoryError) as e:
            _say(args, f"rnnzip: {name}: {_describe(e)}", error=True)
            status = 1
        except KeyboardInterrupt:
            _say(args, "rnnzip: interrupted", error=True)
            return 128 + signal.SIGINT
        except Terminated:
            _say(args, "rnnzip: terminated", error=True)
            return 128 + signal.SIGTERM
    if len(args.listed) > 1:
        packed, original, frames = (sum(column) for column in zip(*args.listed, strict=True))
        print(_list_line(packed, original, frames, "(totals)"))
    return status


def _announce_compiling(args: argparse.Namespace, config: ModelConfig) -> None:
    """One line on a terminal when the engine is about to be compiled for this machine (once)."""
    engine = args.action != "compress" or config.cm_bits
    if args.action == "list" or not engine or args.quiet or not sys.stderr.isatty():
        return
    from .bitwise.kernel import compiled_here

    if not compiled_here():
        _say(args, "rnnzip: preparing the engine for this machine (once, about half a minute)")


def _expand(names: list[str], args: argparse.Namespace) -> Iterator[str]:
    """The files to process: with -r, a directory's files, recursively (those with the suffix when
    decompressing, as gzip -r -d; those without it when compressing)."""
    for name in names:
        if not (args.recursive and name != "-" and os.path.isdir(name)):
            yield name
            continue
        for directory, subdirectories, files in os.walk(name):
            subdirectories.sort()
            for file in sorted(files):
                path = os.path.join(directory, file)
                if os.path.islink(path):
                    continue
                has_suffix = file.endswith(args.suffix)
                if (args.action == "compress" and not has_suffix) or (args.action != "compress" and has_suffix):
                    yield path


def _describe(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e) or type(e).__name__


def _say(args: argparse.Namespace, message: str, error: bool = False) -> None:
    if error or not args.quiet:
        print(message, file=sys.stderr)


def _process(name: str, args: argparse.Namespace, config: ModelConfig, device: str) -> None:
    if name != "-":
        if os.path.isdir(name):
            raise UserError(f"{name}: is a directory -- ignored")
        if not os.path.exists(name):
            raise UserError(f"{name}: No such file or directory")
    if args.action == "list":
        return _list(name, args)
    to_stdout = args.stdout or name == "-" or args.action == "test"
    output = None if to_stdout else _output_name(name, args)
    if output and os.path.exists(output) and not args.force:
        raise UserError(f"{output}: already exists; use -f to overwrite")
    if args.action == "compress" and to_stdout and args.action != "test" and sys.stdout.isatty() and not args.force:
        raise UserError("compressed data not written to a terminal; use -f to force")

    with _open_input(name, streams_ok=output is None) as src:
        total = _input_total(src, args)
        with _progress(args, name, total) as progress:
            if output is None:
                sink = None if args.action == "test" else sys.stdout.buffer
                counts = _run(args, config, device, src, sink, progress)
                if sink is not None:
                    sink.flush()
            else:
                with atomic_output(output, like=name) as dst:
                    counts = _run(args, config, device, src, dst, progress)
    _report(args, name, output, *counts)
    if output and not args.keep:
        os.remove(name)


def _run(
    args: argparse.Namespace, config: ModelConfig, device: str, src: BinaryIO, dst: BinaryIO | None, progress
) -> tuple[int, int]:
    """Stream src through the (de)compressor into dst; returns (bytes in, bytes out)."""
    from .parallel import compress_stream, decompress_stream, default_threads  # numpy; torch only to code

    threads = args.threads or default_threads(args.action == "compress" and NETWORKS[config.network].torch)
    if args.action == "compress":
        assert dst is not None
        return compress_stream(src, dst, config, args.block_size, threads, device, progress, args.client)
    return decompress_stream(src, dst, threads, device, progress, args.client)


def _output_name(name: str, args: argparse.Namespace) -> str:
    suffix = args.suffix
    if args.action == "compress":
        if name.endswith(suffix):
            raise UserError(f"{name}: already has {suffix} suffix -- unchanged")
        return name + suffix
    if not name.endswith(suffix) or len(os.path.basename(name)) == len(suffix):
        raise UserError(f"{name}: unknown suffix -- ignored (expected {suffix})")
    return name[: -len(suffix)]


@contextlib.contextmanager
def _open_input(name: str, streams_ok: bool = True) -> Iterator[BinaryIO]:
    """The input; a pipe, FIFO or device only where nothing is written beside it (streams_ok:
    -c, -t, -l), as its contents cannot be replaced by the output."""
    if name == "-":
        yield sys.stdin.buffer
        return
    if not stat.S_ISREG(os.stat(name).st_mode) and not streams_ok:
        raise UserError(f"{name}: not a regular file -- ignored (use -c)")
    with open(name, "rb") as f:
        yield f


def _input_total(src: BinaryIO, args: argparse.Namespace) -> int | None:
    """The bytes a progress bar counts to, or None for none: the input's size when compressing,
    the frames' original lengths (from their headers) otherwise. A bar shows on a terminal for
    inputs over PROGRESS_THRESHOLD (compressed ones over a quarter of it), or with -v."""
    if not sys.stderr.isatty() or args.quiet or args.action == "list":
        return None
    try:
        info = os.fstat(src.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    if args.action == "compress":
        return info.st_size if args.verbose or info.st_size > PROGRESS_THRESHOLD else None
    if not args.verbose and info.st_size <= PROGRESS_THRESHOLD // 4:
        return None
    total = 0
    try:
        while (header := read_header(src)) is not None:
            total += header.length
    except (RnnzipError, EOFError, OSError):
        return None  # decoding reports it
    finally:
        src.seek(0)
    return total


@contextlib.contextmanager
def _progress(args: argparse.Namespace, name: str, total: int | None):
    """A progress bar (on a terminal: it never redraws into a log) when there is a total to show."""
    if total is None:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="B", unit_scale=True, desc=name, file=sys.stderr, leave=False) as bar:
        yield bar.update


def _report(args: argparse.Namespace, name: str, output: str | None, n_in: int, n_out: int) -> None:
    if not args.verbose:
        return
    if args.action == "test":
        _say(args, f"{name}: OK ({n_out:,} bytes)")
        return
    original, packed = (n_in, n_out) if args.action == "compress" else (n_out, n_in)
    bpb = 8 * packed / original if original else 0.0
    line = f"{name}: {original:,} -> {packed:,} bytes, {bpb:.3f} bits/byte"
    _say(args, line + (f" -- replaced with {output}" if output and not args.keep else ""))


def _engine(config: ModelConfig, length: int, payload: bytes) -> str:
    if config.cm_bits:
        from .bitwise.layout import FULL_MIXER_CONTEXTS
        from .bitwise.sizing import memory_needed

        full = config.cm_contexts >= FULL_MIXER_CONTEXTS
        from .contract import estimated_parameters

        network = estimated_parameters(config) if NETWORKS[config.network].compiled else 0
        needed = memory_needed(config.cm_bits, full, length, config.batch_size, network) >> 20
        return f"decoding needs about {needed:,} MB"
    from .bytelevel.alphabet import frame_alphabet  # numpy and the range coder, not torch

    return f"byte-level engine, {len(frame_alphabet(payload))} byte values"


LIST_HEADER = f"{'compressed':>12} {'uncompressed':>12} {'ratio':>7} {'bits/byte':>9} {'frames':>6}  name"


def _list(name: str, args: argparse.Namespace) -> None:
    with _open_input(name) as src:
        counting = CountingReader(src)
        lines, original, frames = [], 0, 0
        for header, payload in iter_frames(cast(BinaryIO, counting)):
            lines.append(f"  frame {frames}: {_frame_words(header, payload, args.verbose > 0)}")
            original += header.length
            frames += 1
    if not frames:
        raise UserError(f"{name}: empty input, not in rnnzip format")
    if not args.listed:
        print(LIST_HEADER)
    args.listed.append((counting.count, original, frames))
    print(_list_line(counting.count, original, frames, name))
    if args.verbose or frames > 1:
        print("\n".join(lines))
    else:
        print(lines[0].replace("  frame 0: ", "  "))


def _list_line(packed: int, original: int, frames: int, name: str) -> str:
    ratio = original / packed if packed else 0.0
    bpb = 8 * packed / original if original else 0.0
    return f"{packed:12,} {original:12,} {ratio:7.3f} {bpb:9.3f} {frames:6}  {name}"


def _frame_words(header: FrameHeader, payload: bytes, verbose: bool) -> str:
    """One frame in plain words: how it was coded, its sizes, what decoding it needs."""
    if header.method == STORED:
        return f"stored, {header.length:,} bytes"
    config = header.config
    assert config is not None
    preset = preset_name(config)
    if preset is not None and preset.startswith("level-"):
        how = f"level {preset.split('-')[1]}"
        if header.prior_id:
            how += f" with the prior {header.prior_id:08x}"
        elif config.network != "none":
            how += f" with the engine's {config.network} network, without the prior"
        elif preset.endswith("-no-prior"):
            how += " without the prior"
    else:
        how = (
            f"{preset or 'custom settings'} ({config.network} network)" if config.network != "none" else "custom level"
        )
    text = f"{how}, {header.length:,} -> {len(payload):,} bytes, {_engine(config, header.length, payload)}"
    if header.environment is not None:
        text += f"; made with {header.environment.describe()}"
    if verbose:
        text += "; " + ", ".join(f"{k}={v}" for k, v in config.in_use().items() if k != "network")
    return text
