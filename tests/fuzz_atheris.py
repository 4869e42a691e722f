"""Coverage-guided fuzzing of the decoder with atheris (libFuzzer), started by `make fuzz`.

Any input may only decode to some bytes or raise RnnzipError/EOFError. The corpus starts from
the golden files; a crash is written as crash-*: copy it into tests/data/crashers/ (a `.rnz`
name), where test_fuzz.py keeps it as a regression case.
Usage: python tests/fuzz_atheris.py -max_total_time=SECONDS [CORPUS_DIR]
"""

from __future__ import annotations

import contextlib
import sys

import atheris

with atheris.instrument_imports():
    import rnnzip


def one_input(data: bytes) -> None:
    with contextlib.suppress(rnnzip.RnnzipError, EOFError):
        rnnzip.decompress(data)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
