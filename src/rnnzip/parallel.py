"""Streams of frames, coded by N single-threaded worker processes, written in input order.

Frames are independent, so N workers scale with the cores and the output is the same bytes
whatever N is. Memory stays bounded: at most 2N blocks are in flight, whatever the input size.
A one-block input is coded in this process, without starting workers.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, BinaryIO

from .contract import ModelConfig
from .errors import RnnzipError
from .format import CountingReader, iter_frames
from .frames import Progress, compress_block, decompress_frame

if TYPE_CHECKING:
    from distributed import Client

Job = tuple[Callable[..., bytes], tuple[Any, ...]]  # (function, arguments but the progress callback)
_REPORT_EVERY = 1 << 16  # bytes between progress messages from a worker

_progress_queue: Any = None  # set in each worker process


def default_threads(network: bool = False) -> int:
    """One worker per core; with a PyTorch network, one per two cores (such a frame keeps two
    threads busy: prediction and the network's update)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores // 2 if network else cores)


def _init_worker(progress_queue: Any) -> None:
    global _progress_queue
    _progress_queue = progress_queue


class _Reporter:
    """Progress callback inside a worker: batches byte counts into queue messages."""

    def __init__(self) -> None:
        self.pending = 0

    def __call__(self, n: int) -> None:
        self.pending += n
        if self.pending >= _REPORT_EVERY:
            self.flush()

    def flush(self) -> None:
        if self.pending and _progress_queue is not None:
            _progress_queue.put(self.pending)
        self.pending = 0


def _in_worker(fn: Callable[..., bytes], *args: Any) -> bytes:
    """Run a frame job in a worker, reporting its progress through the queue."""
    reporter = _Reporter()
    try:
        return fn(*args, reporter)
    finally:
        reporter.flush()


def run_ordered(jobs: Iterator[Job], threads: int, progress: Progress | None) -> Iterator[bytes]:
    """Results of the jobs in order: inline for one thread or one job, else on worker processes."""
    first = next(jobs, None)
    if first is None:
        return
    second = next(jobs, None)
    if second is None or threads <= 1:
        for fn, args in itertools.chain([first], [second] if second else [], jobs):
            yield fn(*args, progress)
        return
    context = multiprocessing.get_context("spawn")  # never fork a process that runs torch
    updates = context.Queue()
    # a process pool whose futures fail (BrokenProcessPool) when a worker dies, where
    # multiprocessing.Pool would wait forever for the dead worker's frame
    pool = ProcessPoolExecutor(threads, mp_context=context, initializer=_init_worker, initargs=(updates,))
    try:
        pending: deque[Future[bytes]] = deque()
        for fn, args in itertools.chain([first, second], jobs):
            pending.append(pool.submit(_in_worker, fn, *args))
            while len(pending) >= 2 * threads:
                yield _wait(pending.popleft(), updates, progress)
        while pending:
            yield _wait(pending.popleft(), updates, progress)
    except BaseException:
        _stop_workers(pool)  # a failed frame, Ctrl-C or SIGTERM: stop every worker now
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _drain(updates, progress)


def _wait(future: Future[bytes], updates: Any, progress: Progress | None) -> bytes:
    while True:
        try:
            return future.result(timeout=0.2)
        except FutureTimeout:
            _drain(updates, progress)
        except BrokenProcessPool:
            raise RnnzipError("a worker process stopped unexpectedly") from None


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate the pool's processes (ProcessPoolExecutor has no public way before 3.14)."""
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()


def _drain(updates: Any, progress: Progress | None) -> None:
    while True:
        try:
            n = updates.get_nowait()
        except (queue.Empty, OSError, ValueError):
            return
        if progress is not None:
            progress(n)


def read_blocks(src: BinaryIO, block_size: int) -> Iterator[bytes]:
    """src in blocks of block_size bytes (the last shorter); an empty input is one empty block, so
    that it still makes one (empty) frame."""
    block = src.read(block_size)
    while True:
        yield block
        block = src.read(block_size)
        if not block:
            return


def code_blocks(
    blocks: Iterator[bytes], cfg: ModelConfig, device: str, threads: int, client: Client | None = None,
    progress: Progress | None = None,
) -> Iterator[bytes]:  # fmt: skip
    """Each block's frame, in order: on `threads` worker processes, or a Dask cluster's (client)."""
    if client is not None:
        from .cluster import compress_frames

        return compress_frames(client, blocks, cfg, device, progress)
    return run_ordered(((compress_block, (b, cfg, device)) for b in blocks), threads, progress)


def compress_stream(
    src: BinaryIO,
    dst: BinaryIO,
    cfg: ModelConfig,
    block_size: int,
    threads: int,
    device: str = "cpu",
    progress: Progress | None = None,
    client: Client | None = None,
) -> tuple[int, int]:
    """Compress src into dst block by block, on `threads` workers or a Dask cluster's (client);
    returns (bytes read, bytes written)."""
    counts = [0, 0]

    def blocks() -> Iterator[bytes]:
        for block in read_blocks(src, block_size):
            counts[0] += len(block)
            yield block

    for frame in code_blocks(blocks(), cfg, device, threads, client, progress):
        dst.write(frame)
        counts[1] += len(frame)
    return counts[0], counts[1]


def decompress_stream(
    src: BinaryIO,
    dst: BinaryIO | None,
    threads: int,
    device: str = "auto",
    progress: Progress | None = None,
    client: Client | None = None,
) -> tuple[int, int]:
    """Decompress every frame of src into dst (None: verify only), on `threads` workers or a Dask
    cluster's (client); returns (bytes in, bytes out). Raises EOFError for an empty input."""
    reader = CountingReader(src)
    written = 0
    frames = iter_frames(reader)  # type: ignore[arg-type]
    if client is not None:
        from .cluster import decompress_frames

        decoded = decompress_frames(client, frames, device, progress)
    else:
        decoded = run_ordered(((decompress_frame, (h, p, device)) for h, p in frames), threads, progress)
    for data in decoded:
        written += len(data)
        if dst is not None:
            dst.write(data)
    if reader.count == 0:
        raise EOFError("empty input, not in rnnzip format")
    return reader.count, written
