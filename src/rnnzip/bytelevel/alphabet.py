"""A frame's alphabet (the byte values that occur), coded at the start of its payload.

Each of the 256 byte values gets a present/absent flag, coded in order with an adaptive estimate
kept per class of byte value (Krichevsky-Trofimov: (present + 1/2) / (seen + 1)). Text uses
nearly all lowercase letters, some capitals and digits and no control bytes, so its alphabet
costs about 10 bytes instead of a 17-byte bitmap; all 256 values cost about 2 bytes.
"""

from __future__ import annotations

import numpy as np

from .range_coder import CodeStep, Decoder


def _byte_classes() -> np.ndarray:
    cls = np.zeros(256, dtype=np.int64)  # 0: other printable ASCII (space, punctuation)
    cls[ord("a") : ord("z") + 1] = 1
    cls[ord("A") : ord("Z") + 1] = 2
    cls[ord("0") : ord("9") + 1] = 3
    cls[:0x20] = 4  # control bytes, and 0x7f below
    cls[0x7F] = 4
    cls[[0x09, 0x0A, 0x0D]] = 5  # tab and line ends
    cls[0x80:0xC0] = 6  # UTF-8 continuation bytes
    cls[0xC0:] = 7  # UTF-8 lead bytes and the rest
    return cls


BYTE_CLASS = _byte_classes()
_CLASSES = int(BYTE_CLASS.max()) + 1


def code_alphabet(code: CodeStep, alphabet: np.ndarray | None = None) -> np.ndarray:
    """Code the presence flags with `code` (an encoder's, given `alphabet`, or a decoder's);
    return the alphabet: the present byte values, sorted (uint8)."""
    flags = np.zeros(256, dtype=np.int32)
    if alphabet is not None:
        flags[alphabet] = 1
    seen, present = np.zeros(_CLASSES), np.zeros(_CLASSES)
    for value, cls in enumerate(BYTE_CLASS):  # 256 coder calls per frame: not a hot path
        p = (present[cls] + 0.5) / (seen[cls] + 1.0)
        flags[value] = code(flags[value : value + 1], np.array([[1.0 - p, p]]))[0]
        seen[cls] += 1
        present[cls] += flags[value]
    return np.flatnonzero(flags).astype(np.uint8)


def frame_alphabet(payload: bytes) -> bytes:
    """The byte values that occur in a model frame, read from the start of its payload."""
    return code_alphabet(Decoder(payload).code).tobytes()
