"""Frames on a Dask cluster (`rnnzip --cluster ADDRESS`; the `rnnzip[cluster]` extra).

Frames are independent, so the client reads the input block by block, sends each block to the
cluster's workers as one task, and writes the results in input order: the bytes are those of a
local run with the same block size. At most IN_FLIGHT_PER_THREAD tasks per worker thread are in
flight, so memory stays bounded on the client and the workers. A worker that dies has its tasks
run again elsewhere (Dask does this); every frame a worker returns is checked before it is
written (a compressed frame's own checksum and its data's CRC-32 against the block; decompressed
data against its frame's CRC-32). Workers must run the same rnnzip version: checked before any
work, and again by every task.
"""

from __future__ import annotations

import io
import os
import time
import zlib
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import BadRnnzipFile, RnnzipError
from .format import FrameHeader, read_frame

if TYPE_CHECKING:
    from distributed import Client, Future

    from .contract import ModelConfig
    from .frames import Progress

SCHEDULER_ENV = "RNNZIP_SCHEDULER"  # the scheduler's address when --cluster names none
IN_FLIGHT_PER_THREAD = 2  # tasks in flight per worker thread
CONNECT_TIMEOUT_S = 10
NO_WORKERS_TIMEOUT_S = float(os.environ.get("RNNZIP_CLUSTER_WAIT", "60"))  # then a run that cannot finish fails


def connect(address: str | None) -> Client:
    """A client of the scheduler at `address` (or $RNNZIP_SCHEDULER), its workers checked: at
    least one, each running this version of rnnzip."""
    address = address or os.environ.get(SCHEDULER_ENV)
    if not address:
        raise RnnzipError(f"no scheduler address: give --cluster ADDRESS or set {SCHEDULER_ENV}")
    try:
        from distributed import Client
    except ImportError:
        raise RnnzipError("cluster mode needs Dask: pip install 'rnnzip[cluster]'") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise RnnzipError(f"cannot reach the Dask scheduler at {address} ({e.__class__.__name__})") from None
    try:
        client.wait_for_workers(1, timeout=NO_WORKERS_TIMEOUT_S)
        versions = client.run(_worker_version)
    except (OSError, TimeoutError) as e:
        client.close()
        raise RnnzipError(f"no worker of the Dask scheduler at {address} answered ({e.__class__.__name__})") from None
    wrong = {worker: v for worker, v in versions.items() if v != __version__}
    if wrong:
        client.close()
        worker, version = next(iter(wrong.items()))
        raise RnnzipError(f"worker {worker} runs rnnzip {version}, this client {__version__}: install the same on all")
    return client


def _worker_version() -> str:
    try:
        import rnnzip
    except ImportError:
        return "none (not installed)"
    return rnnzip.__version__


def _compress_task(block: bytes, cfg: ModelConfig, device: str, version: str) -> bytes:
    _same_version(version)
    from .frames import compress_block

    return compress_block(block, cfg, device)


def _decompress_task(header: FrameHeader, payload: bytes, device: str, version: str) -> bytes:
    _same_version(version)
    from .frames import decompress_frame

    return decompress_frame(header, payload, device)


def _same_version(version: str) -> None:
    if version != __version__:
        raise RnnzipError(f"this worker runs rnnzip {__version__}, the client {version}")


def _checked_frame(frame: bytes, block: bytes) -> bytes:
    """A compressed frame as a worker returned it, refused unless it is whole and codes `block`."""
    try:
        parsed = read_frame(io.BytesIO(frame))
    except (RnnzipError, EOFError) as e:
        raise BadRnnzipFile(f"a worker returned a bad frame ({e})") from None
    if parsed is None or parsed[0].length != len(block) or parsed[0].crc32 != zlib.crc32(block):
        raise BadRnnzipFile("a worker returned a frame of other data")
    return frame


def _checked_data(data: bytes, header: FrameHeader) -> bytes:
    if len(data) != header.length or zlib.crc32(data) != header.crc32:
        raise BadRnnzipFile("a worker returned wrong data for a frame")
    return data


def _in_order(client: Client, submitted: Iterator[tuple[Future, Any]]) -> Iterator[Any]:
    """(result, what was submitted with it) in submission order, at most IN_FLIGHT_PER_THREAD per
    worker thread at a time; RnnzipError when the cluster cannot finish."""
    threads = max(1, sum(client.nthreads().values()))
    pending: deque[tuple[Future, Any]] = deque()
    try:
        for item in submitted:
            pending.append(item)
            while len(pending) >= IN_FLIGHT_PER_THREAD * threads:
                yield _result(client, *pending.popleft())
        while pending:
            yield _result(client, *pending.popleft())
    finally:
        for future, _ in pending:
            future.cancel()


def _result(client: Client, future: Future, tag: Any) -> tuple[Any, Any]:
    from distributed import TimeoutError as DaskTimeout
    from distributed.scheduler import KilledWorker

    without_workers = None
    while True:
        try:
            return future.result(timeout=1), tag
        except (DaskTimeout, TimeoutError):
            if client.status != "running":
                raise RnnzipError("lost the Dask scheduler") from None
            if client.nthreads():
                without_workers = None
            elif without_workers is None:
                without_workers = time.monotonic()
            elif time.monotonic() - without_workers > NO_WORKERS_TIMEOUT_S:
                raise RnnzipError(f"no worker left on the cluster for {NO_WORKERS_TIMEOUT_S:g} s") from None
        except KilledWorker:
            raise RnnzipError("a frame killed every worker it ran on (Dask's KilledWorker)") from None
        except (OSError, RuntimeError) as e:  # the scheduler went away
            raise RnnzipError(f"lost the Dask scheduler ({e.__class__.__name__})") from None


def compress_frames(
    client: Client, blocks: Iterator[bytes], cfg: ModelConfig, device: str, progress: Progress | None = None
) -> Iterator[bytes]:
    """Each block's frame, checked, in order."""
    submitted = ((client.submit(_compress_task, b, cfg, device, __version__, pure=False), b) for b in blocks)
    for frame, block in _in_order(client, submitted):
        yield _checked_frame(frame, block)
        if progress is not None:
            progress(len(block))


def decompress_frames(
    client: Client, frames: Iterator[tuple[FrameHeader, bytes]], device: str, progress: Progress | None = None
) -> Iterator[bytes]:
    """Each frame's data, checked, in order."""
    submitted = ((client.submit(_decompress_task, h, p, device, __version__, pure=False), h) for h, p in frames)
    for data, header in _in_order(client, submitted):
        yield _checked_data(data, header)
        if progress is not None:
            progress(len(data))
