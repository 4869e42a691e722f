"""Names instead of indices: the per-stream state's fields, the per-byte features, the mixer's
inputs and its weight sets. Nothing here is in the file format; changing it changes no output."""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from .registry import HASHED, STATIONARY


class Stream(IntEnum):
    """The int64 fields of one stream's state, carried from byte to byte (state.new_streams)."""

    HISTORY = 0  # the last 7 bytes, c1 in the low byte
    WORD = 1  # hash of the word so far (0 between words)
    WORD1 = 2  # the previous word (or a punctuation byte)
    COLUMN = 3
    MATCH_PTR = 4  # where the match model's expected byte is
    MATCH_LENGTH = 5  # 0: no match
    LINE = 6  # where the line starts
    PREVIOUS_LINE = 7  # where the line before it starts (-1: none)
    WORD2 = 8  # the word before WORD1
    TEXT = 9  # the last 5 letters (case-folded) and digits
    GAP = 10  # hash of the bytes since the last word
    CLASSES = 11  # byte classes of the last 5 bytes, 3 bits each
    WORD_LENGTH = 12
    GAP_BEFORE = 13  # the gap before the current word
    NEST = 14  # bracket depth << 8 | the last opening bracket
    LINE_HASH = 15  # hash of the line so far
    NIBBLES = 16  # high nibbles of the last 8 bytes (a space counts 0)
    SHAPE = 17  # the current token's shape: letter types in a word or number, else the bytes
    OPENED = 18  # the open quote or bracket
    KEYWORD = 19  # the last word before ':' or '='
    DMC_NODE = 20  # the DMC model's node
    FIRST_WORD = 21  # the sentence's first word
    SENTENCE_WORDS = 22  # words in the sentence so far
    LONG_WORD = 23  # the last word of 4 or more letters
    HEADS = 24  # 16 fields: per bracket depth, the first word inside the bracket (depth 0: the line's)
    BROKEN = 40  # 4 fields: the last word that ended, its length and the two words before it
    GROUPS = 44  # character groups of the last 8 tokens, 8 bits each


STREAM_FIELDS = int(Stream.GROUPS) + 1


class Byte(IntEnum):
    """Features of the byte being coded, computed once per byte by the models and read per bit."""

    ABOVE = 0  # the byte above in the previous line + 1 (0: none)
    DISTANCE = 1  # log2 of the bytes since the word so far last ended as a word (0: never)
    WORD_SHAPE = 2  # the word's length (up to 6), whether it may end, whether c1 and c2 are capitals
    SPACES = 3  # which of the last 7 bytes are spaces, a bit each
    DEPTH = 4  # bracket depth
    AFTER1 = 5  # the previous word's slot in the followers' tables
    AFTER2 = 6  # the previous two words' slot
    TOKEN_KEY = 7  # the token so far's slot in token_next
    EXPECTED = 8  # the match model's expected byte + 256 (0: none)
    NETWORK_EXPECTED = 9  # the network's most probable byte + 256
    ORDER4_ROW = 10  # weight set 8's row (hashed order 4)
    SPACES_ROW = 11  # weight set 17's row


BYTE_FEATURES = len(Byte)

# --- the mixer's inputs, in this order (a level that runs fewer leaves its gaps out)
INPUTS_PER_CONTEXT = 3  # stretch(p) of the state; again at half for a run state; the run byte's
DIRECT = 2  # orders 0 and 1, in direct tables
DIRECT_INPUTS = 2  # stretch(p) and p - 1/2 each
DMC_CLONE = np.array([32], dtype=np.int64)  # per DMC model: counts (16ths) on the edge, and as many elsewhere
DMC_MODELS = len(DMC_CLONE)
MATCH_INPUTS = 6
NETWORK_INPUTS = 5  # the engine's network's bit probability: stretch(p), p - 1/2, three APM-refined copies
NETWORK_APM_ROWS = 256 + 65536 + 2048 + 256  # by c0; by c1 and c0; by expected byte and bit (else c0)
GIVEN_INPUTS = 3  # a PyTorch network's: stretch(p), two APM-refined copies (network_input.given_inputs)
INPUTS = HASHED * INPUTS_PER_CONTEXT + DIRECT * DIRECT_INPUTS + len(STATIONARY) + DMC_MODELS + MATCH_INPUTS
INPUTS += NETWORK_INPUTS + 1  # and the bias


class WeightSet(IntEnum):
    """Layer 1's weight sets, each with its rows selected by a small context (mixer.select_rows)."""

    C0 = 0  # the partial byte
    C1_MATCH = 1  # c1 x match length bucket
    ORDERS_SEEN = 2  # orders 2-6 seen x c1's top 3 bits x bpos
    C2 = 3  # c2 x bpos
    WORD_LENGTH = 4  # word length x c0
    CLASSES = 5  # byte classes x bpos
    NETWORK = 6  # the network's expected byte, else 16 levels of confidence (without one: the stream) x bpos
    ABOVE = 7  # the byte above x bpos
    # from here on only with FULL_MIXER_CONTEXTS contexts or more (level 1 keeps its speed)
    ORDER4 = 8  # hashed order 4
    ORDER2 = 9  # hashed order 2 with c0
    SHAPE = 10  # the word's shape and its last 2 letter types with c0
    TYPES = 11  # the last 3 letter types with c0
    C3 = 12  # c3 x bpos
    HIGH_BITS = 13  # the partial byte's top bits with the high bits of c1-c3
    C1_FLAGS = 14  # c1, bpos > 5, whether the bits so far are all equal
    GROUPS = 15  # the last 4 token groups with c0
    PRESENT = 16  # contexts with a bit history x bpos
    SPACES = 17  # spaces among the last 7 bytes, c1's group, word length and nesting depth


SET_ROWS = np.array(
    [256, 1024, 384, 2048, 2048, 2048, 2176, 2048, 2048, 4096, 4096, 8192, 2048, 1536, 1024, 16384, 512, 4096],
    dtype=np.int64,
)
SETS = len(SET_ROWS)
SET_FIRST_ROW = np.concatenate([[0], np.cumsum(SET_ROWS)[:-1]]).astype(np.int64)
FAST_SETS = int(WeightSet.ORDER4)  # level 1 runs the sets before this one
FULL_MIXER_CONTEXTS = 12
# Layer 2: neurons, each mixing the sets' outputs with a row selected by (match or not) x bpos; c0; c1;
# the classes of c1, c2 and part of c3
FINAL_SELECTOR_ROWS = np.array([16, 256, 256, 256], dtype=np.int64)
FINAL_NEURONS = len(FINAL_SELECTOR_ROWS)
FINAL_ROWS = int(FINAL_SELECTOR_ROWS.sum())
# A layer-2 row weighs the sets' outputs and, promoted past layer 1 (paq8px's design), the engine's
# network's stretch(p) (Scratch.dots[SETS]; 0 without it)
FINAL_STRIDE = SETS + 1
FINAL_FIRST_ROW = np.concatenate([[0], np.cumsum(FINAL_SELECTOR_ROWS)[:-1]]).astype(np.int64)
