"""The bitwise context-mixing engine's compiled step: model, mixer, SSE and binary coder.

One call codes whole steps: for each step t and each active stream b, the 8 bits of byte t of
stream b, most significant first. Each bit is predicted by bit-history states of hashed and
direct contexts (through adaptive state maps), a match model and, when a network runs, the
bit probabilities of the network's byte distribution; a mixer with weight sets selected by
small contexts and a second layer combines them, five APM stages refine the result, and a
binary arithmetic coder encodes or decodes the bit inside the same loop. Everything is integer
arithmetic, so encoder and decoder compute the same bits on every machine; the only outside
input, the network's distribution, arrives as integer counts (`network_counts`).

The coder is written here rather than taken from a library because it runs per bit inside the
compiled loop: a library call per bit from Python would cost 8 calls per step.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..contract import CM_SHARED_CONTEXTS
from .tables import NEXT_STATE, SQUASH, STATE_COUNTS, STATE_PRIOR, STRETCH

# --- contexts (the ids are part of the format: they seed the hashes)
SHARED = CM_SHARED_CONTEXTS  # hashed contexts per byte: SHARED ones, then 3 stream-local ones, in this order:
# 0-5 orders 2, 3, 4, 5, 6, 7; 6 the word; 7 word and previous word; 8 column and byte above;
# 9 the last letters and digits; 10 the gap since the last word and it; 11 the last three words;
# 12 classes of the last bytes; 13 column; 14 the word and the one before the previous; 15
# column and classes; 16 column, the previous line's length and whether c1 is a space; 17
# classes and order 2; 18 order 10; 19 word length and order 2; 20 the gap before the word, the
# word before it and c1; 21 the bracket nesting (depth and last opening bracket) and c1; 22 the
# word and c2; 23 the word and the line's first byte; 24 the word and the gap before it; 25 the
# two words before it; 26 the line (the bytes seen in it); 27 the line so far; 28 the high
# nibbles of the last 3 bytes; 29 of the last 8; 30 the word and the 1 KB block; 31 the word and
# the distance since it last ended (log2; 0 when it never did: whether it may end now); 32 the
# word's shape (length, may end, capitals) and the letter types of its last 4 bytes; 33 the open
# quote or bracket and the word; 34 the gap and the keyword (the last word before ':' or '=');
# 35 order 12; 36 c1 and the 3 bytes that followed its last occurrences (an indirect context);
# 37 the word, c1, the sentence's first word and how many words it has had (up to 3); 38 the word,
# c1 and the last word of 4 or more letters (skipping short words and punctuation); 39 the word,
# c1 and the bracket heads (the first word inside the innermost open bracket and inside the one
# around it; outside brackets, the line's first word); 40 the bracket heads and order 2, inside
# brackets only; 41 the word and the word that last followed the previous word (an indirect
# context of words); 42 the word and the word that last followed the previous two; 43 the word and
# the word that followed the previous word before the last one; 44 the last 6 tokens' groups (a run of
# lower-case letters, capitals, digits or non-ASCII bytes counts as one, any other byte as itself); 45 the last 4
# of them and the byte above; 46 which of the last 7 bytes are spaces, the column and the bracket nesting; 47 the
# 2 bytes that followed the token so far (word or gap) last time and the last 3 groups (an indirect context); then
# stream-local order 2, order 3, word (the stream index hashed in: B streams interleave).
# Measured as additions to contexts 0-12 (5 test files: enwik5, alice29, progc, 200 KB of the
# Russian novel, book1; total bytes 301,578 before): column 299,599 (alice29 and book1 -0.9%),
# then word and the one before the previous 299,125, column and classes 298,640, column and
# the previous line's length 298,436, classes and order 2 298,270, order 10 298,035 (order 14
# 298,174 instead), word length and order 2 with the gap, word before it and c1 297,742 (the
# Russian text -0.3%). Nesting: enwik5 -0.3%; progc, progl, progp, trans, fields.c and cp.html
# 49,327 -> 49,074 bytes (-0.5%; indentation with the column instead -0.06%; nesting with order
# 2 or the word, added to it, -0.15%). Contexts 22-25 pay under 0.05% each (together 0.05% on
# the 5 test files), so they come last in CONTEXT_PRIORITY. Tried and left out: sparse c2c3, c3c4,
# c2c4 masks; the match's expected byte; order 3 with the column; the byte above with order 2;
# UTF-8 code-point orders 3 and 4 (skipping lead bytes; worse); case-folded orders 3-5.
# Contexts 26-34, added together (5 test files 295,638 -> 294,960 bytes, enwik5 -0.95%; source
# and markup 48,460 -> 47,584, -1.8%), then each left out in turn (bytes more without it, on the
# 5 test files / the source files): line 36 / 44, line so far -21 / 136, 3 nibbles -29 / 51, 8
# nibbles 36 / 88, word and block 35 / 124, word and distance 82 / 20, shape 170 / 91, open quote
# 8 / 27, keyword 20 / 37. Left out: the line and c1 (-68 / 15), the line's first word and c1
# (-81 / 3), an identifier token with '_' and digits (-0.02% on source), the indentation with
# order 2 (-0.02%), the previous word, gap and distance, the open quote with the word's shape, the
# keyword with the word and c1; later, with 12 weight sets: the word and the two words before it
# in runs of words separated by single spaces (-0.07% on the 5 test files), the line-above match
# length (-0.09% on source, 0 on text), the column with the line's first class and capitals (-0.05%).
# Then, with 15 weight sets (5 test files / source and markup, bytes): order 12 -16 / -46 (fields.c
# -2.8%; with order 16 too +24 / -93, left out); the indirect context 36 +13 / -178 (progl, progp,
# trans -0.5..-1%); also tried as indirect contexts: c2c1 and the 2 bytes that followed it (+66 /
# -38), c2c1 and 1 (+3), case-folded c2c1 and 2 (+8). Then contexts 37-40, added together:
# 291,518 / 46,557 -> 291,431 / 46,182 (progl 10,479 -> 10,254, -2.1%; trans -0.8%), and each left
# out in turn: sentence +66 / +20, long word +16 / +107 (words of 7+ letters rather than 4+: +47 /
# +18; 3+: -2 / +37), heads with the word -12 / +32 (so it comes late in the priority; the innermost head
# alone: +2 / +73), heads with order 2 -5 / +71 (at every depth, outside brackets too: +40 / +2).
# Also tried: the last two long words with c1 (+24 / -50), the word before the open bracket with
# the word and c1 (+43 / -12). Then the followers: context 41 (with c1) 291,419 / 46,214 ->
# 291,178 / 46,125 (book1 -0.09%); + 42 (with c1) 291,102 / 46,078; both without c1 291,072 /
# 46,061; + 43 -55 / -15 (so it comes late in the priority); the word that followed the last long word
# instead: +88 / +6. Then the token groups, context 44 (paq8px's character groups, collapsed): 289,625 /
# 45,653 -> 289,417 / 45,395 (progl -0.8%, cp.html -0.7%; the last 5 groups: 289,456 / 45,412; 8: 289,426 /
# 45,406; 6 with c1: 289,511 / 45,521; uncollapsed, the last 7 bytes' groups: 289,594 / 45,542). Then, with 17
# weight sets, 288,863 / 45,216 -> 288,854 / 45,148 with context 45 (progp -0.3%; before the sets, the last 3
# groups with the word +36 / -13, with the column +3 / -27) -> 288,826 / 45,087 with 46 (progl -0.5%;
# paq8px's spaces-and-nesting context). Also tried: the previous line's hash with the line so far (+54 / -56)
# or with the column and c1 (+64 / -57), the previous line's first word with the line so far (+52 / -18), the
# word's capitals (-38 / -6), the gap, word before, gap before it and the word before that (-18 / -27). Then 47
# (paq8px's token-indirect context): 288,826 / 45,087 -> 288,713 / 45,000 (trans -0.3%; with the token's shape
# instead of the groups 288,722 / 45,029, with c2c1 288,752 / 45,038). Levels 5-9 run all 48 (at level 6:
# 288,713 / 45,000 with the first 42, 288,583 / 44,938 with all).
HASHED = SHARED + 3
# The order in which a configuration with fewer shared contexts (cm_contexts) takes them.
CONTEXT_PRIORITY = np.array(
    [0, 1, 2, 4, 6, 7, 13, 3, 5, 9, 11, 14, 8, 10, 12, 21, 15, 16, 17, 18, 19, 20, 26, 27, 28, 29, 30, 31, 32, 33, 34,
     35, 36, 37, 38, 40, 41, 42, 44, 45, 46, 47, 39, 43, 22, 23, 24, 25],
    dtype=np.int64,
)  # fmt: skip
DIRECT = 2  # order 0 and order 1, in tables of their own: stretch(p) and p - 1/2 each
DIRECT_INPUTS = 2
# stretch(p) of its state; half of it again when the state has seen only one bit value (a run); the
# byte that last followed the context, while it agrees with the bits so far (by how often it repeated
# and whether another byte ever followed the context: then at 3/4 of its stretch). All 0 for an unseen
# context. Measured (5 test files / source and markup, bytes; 48 contexts and 18 sets: 288,480 /
# 44,878, progp 6,719): the run's second input as half its state's stretch rather than a fixed +-32 per
# bit seen (up to 31) 288,254 / 44,806, progp 6,694 (its whole stretch: progp 6,684 but 288,645 / 44,899;
# 3/4 6,682, 288,349 / 44,822; 1/4 288,397 / 44,853; the fixed one at half 288,453 / 44,875; both as
# a fourth input 288,632 / 44,900); then the byte's input at 3/4 when another byte followed the context
# 288,215 / 44,793 -> 288,028 / 44,773 (at 1/2: 287,928 / 44,786 but progp +5; all run inputs x 1/2
# or x 3/2: worse). Also tried: a young state's (one bit seen) stretch halved (+0.3%), the state's
# stretch at 3/4 (-15 / +23), p - 1/2 as a fourth input (+102 / -12), paq8px's byte history (the last
# three bytes that followed the context, as an input by which of them agree with the bits so far:
# +425 / -50; as a second run candidate: +30 / -4).
INPUTS_PER_CONTEXT = 3
MATCH_MIN = 7  # bytes of context the match model looks up (measured: 5, 6, 7 within 0.02%)
MATCH_MAX = 65535  # a match's length counts up to this (its inputs read it on a log scale)
MATCH_VERIFY = 63  # bytes compared backwards when a candidate is found
# The match model's inputs, while its expected byte agrees with the bits so far: stretch(p) and
# p - 1/2 of two maps, by (length bucket 0-27, expected bit, bit position) and by (expected byte,
# bit position, c1), and the expected bit's sign times min(length, 32) and times log2(length).
# Measured against 2 inputs of a (length up to 15, expected bit) map (5 test files / source and
# markup): 291,763 / 46,977 -> 291,760 / 46,931 (progp -0.2%, trans -0.2%).
MATCH_INPUTS = 6
MATCH_ROWS = 28 * 2 * 8 + 256 * 8 * 256
NETWORK_INPUTS = 3  # stretch(p) of the network's bit probability, and two APM-refined copies
# Contexts whose hash also keys a stationary probability per bit (stretch(p) one more input): a
# bit history forgets (its counts stay small), while these adapt as 1/(n + 1.5) up to
# STATE_MAP_LIMIT, so they keep a frequent context's odds. A map's cells come 16 per nibble (cell
# 0 a check), 2-way associative, replaced by least use, at most 2**STATIONARY_BITS cells per map
# (level 6's; level 1 runs none). Measured on the 5 test files (enwik5, alice29, progc, 200 KB of
# the Russian novel, book1; 293,179 bytes before): orders 2 and 3, 292,802; orders 2-4 and the
# word 292,461; the 10 below 292,249, with 2**20 cells 292,547; in blocks of 16 cells without the
# check (faster) 292,356, with it 292,082 (book1 190,235 -> 189,400, the Russian text -0.4%;
# source and markup unchanged). Also tried: 18 contexts 291,919 (-0.06% for 8 more inputs),
# 4-way 292,035, a rate limit of 127 +0.02%. The token groups (context 44) too: 289,417 / 45,395 -> 289,302 /
# 45,336. Orders 2-7, the word, the pair, text, the triple, the groups:
STATIONARY = np.array([0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 44], dtype=np.int64)
STATIONARY_BITS = 22
STATIONARY_START = (1 << 21) << 10  # p = 1/2, count 0
# Dynamic Markov models (DMC): each a graph of bit states that starts as a binary tree over a
# byte's bits and clones a state when it is reached from a busy edge (DMC_CLONE[k] counts, in 16ths,
# on the edge and as many elsewhere), so a state's history grows as long as the data repeat;
# stretch(p) of the state's two counts is an input. Measured on the 5 test files / source and
# markup (292,082 / 47,069 bytes before), one model cloning at 2 / 2 counts: 291,793 / 46,981
# (1 / 1: 291,780 / 46,982; 4 / 4: 291,764 / 47,011). A second model (1 and 6 counts)
# 291,619 / 46,964: -0.06%, left out.
DMC_CLONE = np.array([32], dtype=np.int64)
DMC_NODES = 1 << 22  # per model; the graph restarts from the tree when they are used up
DMC_LIMIT = 4096  # an edge's count halves (with its sibling's) above this
# the mixer's inputs: contexts, direct, stationary, DMC, match, network, bias 1
INPUTS = (
    HASHED * INPUTS_PER_CONTEXT
    + DIRECT * DIRECT_INPUTS
    + len(STATIONARY)
    + len(DMC_CLONE)
    + MATCH_INPUTS
    + NETWORK_INPUTS
    + 1
)
# Weight sets of mixer layer 1, each row selected by a small context, and their rows: c0; c1 x
# match length; orders seen x c1's top 3 bits x bpos; c2 x bpos; word length x c0; byte classes
# x bpos; the network's expected bit and confidence (or the stream) x bpos; the byte above x
# bpos; hashed order 4; hashed order 2 with c0; the word's shape and its last 2 types with c0; the
# last 3 types with c0. Measured (serial, enwik5 / alice29): c0 alone 27,342; + the next three
# 26,455 / 37,193; + word length and classes 26,024 / 36,619 (with the text contexts). The byte above: 5 test
# files (enwik5, alice29, progc, 200 KB of the Russian novel, book1) 302,709 -> 302,244 bytes;
# also tried there: c1 with bpos > 5 and a partial byte of one bit value 302,664, orders seen x
# (c1 == c2) x bpos 302,692. Then, with contexts 0-34, hashed order 4 and hashed order 2 with c0:
# 5 test files 294,960 -> 294,534, source and markup 47,584 -> 47,493 (also the word with c0:
# worse). Then the token's shape with c0 (5 test files / source and markup): 294,326 / 47,340 ->
# 294,067 / 47,298; + the last 3 types with c0 294,031 / 47,245 (that one alone 294,175 / 47,231;
# the shape's last 2 types alone 294,180 / 47,244; the match state x bpos: nothing). Sets from
# FAST_SETS on run only with at least FULL_MIXER_CONTEXTS contexts: level 1 keeps its speed.
# Then three more, after paq8px's selectors: c3 x bpos; the partial byte's top bits with the high
# bits of c1-c3; c1 with bpos > 5 and whether the bits so far are all equal: 5 test files / source
# and markup 291,747 / 46,885 -> 291,633 / 46,765 (progp -0.4%). (paq8px -8 with all its selectors
# constant: progl 9,506 -> 10,556, progp 6,374 -> 7,118, +11%; rnnzip with its sets constant:
# progl 10,538 -> 11,409.) Also tried: the match state x bpos, the first letter with the word
# length and c0, the spaces among the last 7 bytes with c1's class and c0: together -120 / -27
# for 14% more time (left out); the match state in set 6 when no network runs: -15 / -25. Then the last 4
# token groups (context 44's) hashed with c0: 289,302 / 45,336 -> 289,118 / 45,217 (the last 2: 289,249 / 45,267;
# the last 3 in 8192 rows: 289,166 / 45,238; 4 or 5 in 32768 rows: 289,113 / 45,207, 289,115 / 45,220).
# Then how many contexts have a bit history for this bit (paq8px's text-model order) x bpos: 289,118 / 45,217 ->
# 288,863 / 45,216 (book1 -0.12%; with the match state 288,882, with c0 288,926; as a fifth layer-2 neuron
# 289,085 / 45,243). Then, with all 48 contexts at level 6 (288,583 / 44,938), which of the last 7 bytes are
# spaces (context 46's mask) with c1's group, the word length up to 4 and the nesting depth up to 3 (paq8px's
# spaces selector): 288,480 / 44,878 (progl -0.2%; with c1's group alone 288,476 / 44,896; hashed with c0 too
# 288,544 / 44,908). Also tried: the depth with c0 (-20 / -37), the column up to 31 with c0 (-24 / -13), the
# word's first letter with its length and c0 (-52 / -12), the token's last follower agreeing with c0 (-46 / -5).
SET_ROWS = np.array(
    [256, 1024, 384, 2048, 2048, 2048, 72, 2048, 2048, 4096, 4096, 8192, 2048, 1536, 1024, 16384, 512, 4096],
    dtype=np.int64,
)
SETS = len(SET_ROWS)
FAST_SETS = 8
FULL_MIXER_CONTEXTS = 12
# Layer 2: neurons, each mixing the sets' outputs with a row selected by a context of its own
# ((match or not) x bpos; c0; c1; the classes of c1, c2 and part of c3), each learning from
# its own error, and their outputs averaged in the stretched domain. Measured (5 test files /
# source and markup, bytes): one neuron 290,854 / 45,998; + c0 290,415 / 45,876; + c1 290,151 /
# 45,774 (instead: c1 x bpos 290,291, orders seen x match x bpos 290,406, word length x bpos
# 290,256); + classes 289,959 / 45,710 (instead: c2 290,087, word length 290,109, the byte above
# 290,141); a fifth (word length, c2, hashed order 2, orders seen x match): none gains 6 bytes.
FINAL_SELECTOR_ROWS = np.array([16, 256, 256, 256], dtype=np.int64)
FINAL_NEURONS = len(FINAL_SELECTOR_ROWS)
FINAL_ROWS = int(FINAL_SELECTOR_ROWS.sum())
# Each row of layer 1 learns at a rate of its own (in 16ths), falling from START to END, halfway
# after HALF updates of that row: a rarely selected row learns fast, a busy one settles.
# Measured on the 5 test files (total bytes; 13 contexts): one rate for all rows by bytes coded,
# 768 to 16 halfway at 8192 bytes, 302,208; per row 768/16/64 301,389; 1536/16/32 301,357;
# 1536/16/48 301,283; 1536/20/40 301,291; 3072/16/24 301,592; 768/16/16 302,262. (Also tried:
# steps normalised by the inputs' energy, NLMS, 302,061; a row's first weights copied from the
# c0 set's row, 301,389.) With 21 contexts: 1536/16/48 297,459; 1024/16/64 297,276; 1536/12/48
# 298,065 (with 19). With contexts 0-34 and 12 sets (5 test files / source and markup): 1024/16/64
# 293,629 / 47,226; 1024/16/32 293,317 / 47,122; 1024/16/16 293,345 / 47,170; 1024/16/128 294,333
# / 47,478; 768/16/32 293,179 / 47,059; 768/16/48 293,191 / 47,044; 512/16/32 293,247 / 47,155.
LEARNING_RATE_START, LEARNING_RATE_END, LEARNING_RATE_HALF = 768, 16, 32
# with FAST_SETS (level 1): enwik5 at 768/16/32 25,740 bytes, at 1024/16/64 25,643
FAST_LEARNING_RATE_START, FAST_LEARNING_RATE_HALF = 1024, 64
# A set's weights learn only from errors above this (of 4096): 302,244 -> 302,208 bytes on the 5
# test files, and faster (40: 302,261)
SKIP_ERROR = 17
# layer 2, in halves (x err >> 15); with one neuron: 0 +0.5%, 4 +0.05%, 1 +0.1%; with four (5 test
# files / source and markup): 2 -> 3 -18 / -57 bytes, 4 +30 / -79
FINAL_LEARNING_RATE = 3
STATE_MAP_LIMIT = 1023  # a state map's count limit: its rate falls to 1/(limit + 1.5); 255: +0.06%
# (with the stationary maps and DMC: 255 -0.11% on source and markup but +0.01% on the 5 test
# files, book1 +30 bytes; 511 -0.06% / 0)
# An APM cell moves 1/(count + 9.5) of the error, the count stopping at APM_LIMIT. Measured
# (enwik5, alice29, progc, 200 KB of the Russian novel, book1; total bytes): a fixed 1/32
# 303,630; 1/(n + 11.5) to 1/33.5 303,230; to 1/61.5 303,016; 1/(n + 9.5) to 1/129.5 302,850,
# to 1/259.5 302,857; and the mix below, pm + a1 + 2 (a2 + a3 + a4), rather than 2 pm + a1 + a2 +
# 2 (a3 + a4): 302,709.
# With both cells learning (_update_apm): 60 +110 / +1 bytes, 250 +18 / +4; 1/(n + 6.5) or
# 1/(n + 15.5) +42 / +29, +37 / -2.
APM_LIMIT = 120
# The APMs' and the coder's probabilities have 16 bits (they had 12): 5 test files / source and
# markup 291,793 / 46,981 -> 291,763 / 46,977. A final count-based map by (bit position, p) as
# paq8px's APMPost: -45 / +1 with its weak prior, worse with a stronger one (left out).
P16_MIN = 4  # the coder's probability stays within [P16_MIN, 65536 - P16_MIN] (16: +39 / +13 bytes; 1: as 4)

_GOLDEN = -7046029254386353131  # 0x9E3779B97F4A7C15 as int64 (numba would turn a uint64 into floats)
_MIX = -4658895280553007687  # 0xBF58476D1CE4E5B9 as int64
_RECIPROCAL = np.array([65536 * 2 // (2 * n + 3) for n in range(1024)], dtype=np.int64)  # 1/(n + 1.5), 16 bits
# contexts with a run input: orders 3-7, 10 and 12, the word contexts, text, contexts 26-47 (measured: with orders 2
# and the column and class contexts too, English 0.1% smaller but the Russian novel 0.4% larger)
_RUNS = np.array([0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 1, 1, 1, *[1] * 22, 0, 0, 0])
_STATE_TOTAL = STATE_COUNTS.sum(axis=1).astype(np.int64)
# 1 for a state that has seen only ones or only zeros (a run)
_DETERMINISTIC = ((STATE_COUNTS.min(axis=1) == 0) & (_STATE_TOTAL > 0)).astype(np.int64)
_CLASS = np.array(
    [
        1
        if 97 <= c <= 122
        else 2
        if 65 <= c <= 90
        else 3
        if 48 <= c <= 57
        else 4
        if c == 32
        else 5
        if c == 10
        else 6
        if c >= 128
        else 7
        if c in b".,;:!?"
        else 0
        for c in range(256)
    ],
    dtype=np.int64,
)  # byte classes: other, lower, upper, digit, space, newline, >= 0x80, punctuation
_WORD_LETTER = np.array(
    [(c | 32) + 1 if 65 <= c <= 90 or 97 <= c <= 122 else (c + 1 if c >= 128 else 0) for c in range(256)],
    dtype=np.int64,
)  # case-folded byte + 1 for ASCII letters and every byte >= 0x80 (UTF-8 letters of any script), else 0
# (with digits too, as paq8px's words: 5 test files / source and markup 289,417 / 45,395 -> 289,406 / 45,378)


def _letter_type(c: int) -> int:
    """A letter's or digit's type in a token's shape: e, other vowels, y, other consonants, a byte
    of a non-ASCII letter, 0, other digits ('th' is told apart in code_steps)."""
    if c >= 128:
        return 128
    if not _WORD_LETTER[c]:
        return 48 if c == 48 else 49
    lower = c | 32
    return lower if lower in b"ey" else 97 if lower in b"aiou" else 98


_LETTER_TYPE = np.array([_letter_type(c) for c in range(256)], dtype=np.int64)
# a byte's group in the token groups (context 44): 'a' for lower-case ASCII letters, 'A' for capitals, '0' for
# digits, 128 for bytes >= 0x80; every other byte is its own group
_GROUP = np.array(
    [97 if 97 <= c <= 122 else 65 if 65 <= c <= 90 else 48 if 48 <= c <= 57 else min(c, 128) for c in range(256)],
    dtype=np.int64,
)
_RUN_GROUPS = np.array([c in (97, 65, 48, 128) for c in range(256)], dtype=np.int64)  # a run of them is one token
# the code points of 2-byte UTF-8 sequences (below 0x800), each as its lower case where that is one
# code point below 0x800
_FOLD_2BYTE = np.array(
    [ord(chr(cp).lower()) if len(chr(cp).lower()) == 1 and ord(chr(cp).lower()) < 0x800 else cp for cp in range(0x800)],
    dtype=np.int64,
)
# int64 fields of per-stream state (code_steps lists them): 20 fields, the DMC models' nodes, the
# sentence's 3 fields, the bracket heads (one per nesting depth, 0-15), and the last word that
# ended with its length and the two words before it (to resume a word broken at a line's end), the token groups
SENTENCE = 20 + len(DMC_CLONE)
HEADS = SENTENCE + 3
BROKEN = HEADS + 16
GROUPS = BROKEN + 4
STREAM_STATE = GROUPS + 1
FOLLOWER_BITS = 18  # the followers' tables and token_next: 2**18 entries each (words or tokens, hashed)
FOLLOWER_MASK = (1 << FOLLOWER_BITS) - 1


@njit(cache=True, inline="always")
def _hash(a, b):  # pragma: no cover (compiled)
    """32 well-mixed bits of two int64 values."""
    x = (a * _GOLDEN + b) * _MIX
    x ^= x >> 31
    x *= _GOLDEN
    return (x >> 32) & 0xFFFFFFFF


@njit(cache=True, inline="always")
def _squash(squash, x):  # pragma: no cover
    if x > 2047:
        x = 2047
    if x < -2047:
        x = -2047
    return squash[x + 2047]


@njit(cache=True, inline="always")
def _find(table, h, mask, state_total, runs):  # pragma: no cover
    """The 16-byte bucket of hash h: the one of three neighbours whose check byte matches, else
    the least used of them, cleared. Byte 0 is the check byte, 1..15 the states of a nibble's
    binary tree."""
    check = (h >> 24) & 255
    base = h & mask
    best, best_priority = -1, 1 << 30
    for k in range(3):
        i = ((base ^ k) & mask) << 4
        if table[i] == check and table[i + 1] != 0:
            return i
        priority = state_total[table[i + 1]]
        if priority < best_priority:
            best, best_priority = i, priority
    table[best] = check
    for j in range(1, 16):
        table[best + j] = 0
    runs[best >> 4] = 0
    return best


@njit(cache=True, inline="always")
def _apm(stretch, table, row, p):  # pragma: no cover
    """Refine p (12 bits) by interpolating the row's 33 buckets over stretch(p); returns (p, index
    of the lower of the two buckets, which both learn)."""
    s = stretch[p] + 2048
    lo, w = s >> 7, s & 127
    i = row * 33 + lo
    return ((table[i] & 0xFFFF) * (128 - w) + (table[i + 1] & 0xFFFF) * w) >> 7, i


@njit(cache=True, inline="always")
def _update_apm(table, i, y, reciprocal):  # pragma: no cover
    """The two APM cells from i: a 16-bit p below a count; p moves 1/(count + 9.5) of the error.
    Both cells rather than the nearer one: 5 test files / source and markup 291,072 / 46,061 ->
    290,854 / 45,998, every file smaller (each cell by its interpolation weight: 291,137 / 46,047)."""
    for k in range(i, i + 2):
        v = table[k]
        p, n = v & 0xFFFF, v >> 16
        p += (((y << 16) - p) * reciprocal[n + 8]) >> 16
        table[k] = ((n + 1 if n < APM_LIMIT else n) << 16) | p


@njit(cache=True)
def code_steps(
    encode, t_start, t_end, batch, steps, length, data, out, coder, shared, sets,
    table, runs, mask, order0, order1, state_maps, run_maps, match_table, match_map, word_ends, stream,
    weights, row_counts, final_weights, apms, network_counts, network_map, use_network, tables, stationary,
    stationary_mask, dmc_next, dmc_count, dmc_used, indirect, followers, token_next,
):  # pragma: no cover (compiled)  # fmt: skip
    """Code steps [t_start, t_end) of all active streams; returns False when the encoder's
    output would exceed `out` (then the caller stores the block instead).

    data: (length,) uint8, the block (stream b holds [b*steps, (b+1)*steps)): read when
    encoding, written when decoding. coder: [low, high, x, position in out]. shared: the shared
    contexts in use; sets: the weight sets in use (mixer_sets). word_ends: per word hash, where
    the word last ended (position << 16 | 16 check bits).
    stream: (B, STREAM_STATE) int64 per-stream state (new_streams): history of 7 bytes, word hash,
    previous word hash (or punctuation byte), column, match pointer, match length, start of the line, start of the
    previous line, the word before, the last letters and digits, the gap since the last word,
    byte classes, word length, the gap before the current word, bracket nesting (depth << 8 |
    the last opening bracket), hash of the line so far, high nibbles of the last 8 bytes, the
    shape of the current token (4 bytes), the open quote or bracket, the keyword, then each DMC
    model's node, then the sentence's first word, its words so far and the last word of 4+
    letters, then the heads (per bracket depth, the first word inside the bracket), then the last
    word that ended, its length and the two words before it, then the token groups (8 bits each).
    stationary: (maps, cells) the stationary maps (stationary_mask + 1 blocks of 16 cells each);
    dmc_next, dmc_count: the DMC models' edges (new_dmc), dmc_used: nodes used per model;
    indirect: per byte value, the 3 bytes that followed its last occurrences. followers: (3,
    2**FOLLOWER_BITS) per word hash, the word that last followed it and the one before that (if
    another), and per hash of two words, the word that last followed them. token_next: per hash of a token so
    far (a word or a gap), the 2 bytes that followed it last. coder[4] receives a
    bit of the early loads' sum (below), so that they are not optimised away."""
    (
        next_state, stretch, squash, state_total, deterministic, reciprocal, word_letter, byte_class, letter_type,
        fold2, group, run_groups,
    ) = tables  # fmt: skip
    x = np.zeros(INPUTS, dtype=np.int64)
    cells = np.zeros(len(STATIONARY), dtype=np.int64)  # each stationary map's 16 cells for this nibble
    cell_states = np.zeros(len(STATIONARY), dtype=np.int64)
    slots = np.zeros(HASHED, dtype=np.int64)
    run_expected = np.zeros(HASHED, dtype=np.int64)
    run_length = np.zeros(HASHED, dtype=np.int64)
    run_rows = np.zeros(HASHED, dtype=np.int64)
    buckets = np.zeros(HASHED, dtype=np.int64)
    first_buckets = np.zeros(HASHED, dtype=np.int64)
    contexts = np.zeros(HASHED, dtype=np.int64)
    nibble_contexts = np.zeros(HASHED, dtype=np.int64)  # hashed with the first nibble
    dots = np.zeros(SETS, dtype=np.int64)
    probs = np.zeros(SETS, dtype=np.int64)
    rows = np.zeros(SETS, dtype=np.int64)
    set_rows = np.zeros(SETS, dtype=np.int64)  # each set's first row
    final_rows = np.zeros(FINAL_NEURONS, dtype=np.int64)
    final_first = np.zeros(FINAL_NEURONS, dtype=np.int64)  # each neuron's first row
    for f in range(1, FINAL_NEURONS):
        final_first[f] = final_first[f - 1] + FINAL_SELECTOR_ROWS[f - 1]
    final_dots = np.zeros(FINAL_NEURONS, dtype=np.int64)
    final_probs = np.zeros(FINAL_NEURONS, dtype=np.int64)
    for k in range(1, SETS):
        set_rows[k] = set_rows[k - 1] + SET_ROWS[k - 1]
    # the contexts in use: the first `shared` of CONTEXT_PRIORITY, and the stream-local ones
    # when there are streams; the mixer reads only their inputs and the others
    used = np.empty(HASHED, dtype=np.int64)
    hashed = 0
    for k in range(shared):
        used[hashed] = CONTEXT_PRIORITY[k]
        hashed += 1
    if batch > 1:
        for i in range(SHARED, HASHED):
            used[hashed] = i
            hashed += 1
    # the mixer's inputs, contiguous: the contexts in use, the direct ones, the stationary maps and
    # DMC (levels 2-9), match, network (when one runs), bias
    # the stationary maps of the contexts in use (a prefix of STATIONARY: test_bitwise checks); level 1 runs none
    n_stationary = 0
    while sets > FAST_SETS and n_stationary < len(STATIONARY) and (used[:hashed] == STATIONARY[n_stationary]).any():
        n_stationary += 1
    n_dmc = len(DMC_CLONE) if sets > FAST_SETS else 0
    dmc_nodes = dmc_next.size // (2 * n_dmc) if n_dmc else 0  # per model (DMC_NODES; tests run fewer)
    for q in range(n_dmc):
        if dmc_used[q] == 0:  # the first call: each model starts as its tree
            _dmc_reset(dmc_next, dmc_count, dmc_used, q, dmc_nodes)
    n_inputs = (
        INPUTS
        - (HASHED - hashed) * INPUTS_PER_CONTEXT
        - (len(STATIONARY) - n_stationary)
        - (len(DMC_CLONE) - n_dmc)
        - (0 if use_network else NETWORK_INPUTS)
    )
    rate_start, rate_half = (
        (LEARNING_RATE_START, LEARNING_RATE_HALF)
        if sets == SETS
        else (FAST_LEARNING_RATE_START, FAST_LEARNING_RATE_HALF)
    )
    cum = network_counts[0]
    net_expected, pn, net_row, net_row2 = 0, 2048, 0, 0
    low, high, xcode, pos = coder[0], coder[1], coder[2], coder[3]
    # Buckets and mixer rows are loaded once before they are used, all of a byte's (or a bit's) at a
    # time, so that their cache misses overlap instead of coming one after another: enwik5 about 20%
    # faster (the same for the stationary maps' blocks: no gain). `touch` sums those loads.
    touch = 0
    limit = out.size - 8
    for t in range(t_start, t_end):
        for b in range(batch):
            here = b * steps + t
            if here >= length:
                break
            hist, word, word1, column = stream[b, 0], stream[b, 1], stream[b, 2], stream[b, 3]
            mptr, mlen = stream[b, 4], stream[b, 5]
            word2, text, gap, classes, wordlen = stream[b, 8], stream[b, 9], stream[b, 10], stream[b, 11], stream[b, 12]
            gap0 = stream[b, 13]
            nest = stream[b, 14]
            line_hash, nibbles, shape = stream[b, 15], stream[b, 16], stream[b, 17]
            opened, keyword = stream[b, 18], stream[b, 19]
            c1, c2 = hist & 255, (hist >> 8) & 255
            # the match model: the byte that followed the last occurrence of the last 6 bytes
            # (looked up when no match runs), then this occurrence takes their table slot
            if t >= MATCH_MIN:
                key = _hash(hist, 99) & (match_table.size - 1)
                cand = match_table[key]
                if mlen == 0 and cand >= 0:
                    u = cand % steps
                    if u < t or (u == t and cand < here):  # coded already
                        n = 0
                        while n < MATCH_VERIFY and n < u and n < t and data[cand - 1 - n] == data[here - 1 - n]:
                            n += 1
                        if n >= MATCH_MIN:
                            mptr, mlen = cand, n
                match_table[key] = here
            expected = np.int64(data[mptr]) + 256 if mlen > 0 else 0
            mbucket = 0 if mlen == 0 else (1 if mlen < 16 else (2 if mlen < 32 else 3))
            # contexts of this byte
            line, previous_line = stream[b, 6], stream[b, 7]
            above = 0
            if previous_line >= 0 and previous_line + column < line:
                above = np.int64(data[previous_line + column]) + 1
            distance = 0  # log2 of the bytes since the word so far last ended as a word; 0: never
            if word:
                seen = word_ends[word & (word_ends.size - 1)]
                if seen and (seen & 0xFFFF) == ((word >> 16) & 0xFFFF):
                    d = here - (seen >> 16)
                    while d > 0:
                        distance += 1
                        d >>= 1
            capitals = 1 if (65 <= c1 <= 90 and 65 <= c2 <= 90) else 0
            word_shape = (min(wordlen, 6) << 2) | ((distance > 0) << 1) | capitals
            contexts[0] = _hash(hist & 0xFFFF, 2)
            contexts[1] = _hash(hist & 0xFFFFFF, 3)
            contexts[2] = _hash(hist & 0xFFFFFFFF, 4)
            contexts[3] = _hash(hist & 0xFFFFFFFFFF, 5)
            contexts[4] = _hash(hist & 0xFFFFFFFFFFFF, 6)
            contexts[5] = _hash(hist, 7)
            contexts[6] = _hash(word * 256 + c1, 8)
            contexts[7] = _hash(word * 65536 + word1, 9)
            contexts[8] = _hash(above * 4096 + min(column, 255) * 256 + c1, 10)
            contexts[9] = _hash(text, 14)
            contexts[10] = _hash(gap * 65536 + word1, 15)
            contexts[11] = _hash(_hash(word, word1) * 65536 + word2, 16)
            contexts[12] = _hash(classes * 256 + c1, 17)
            contexts[13] = _hash(min(column, 255) * 256 + c1, 18)
            contexts[14] = _hash(_hash(word, c1) * 65536 + word2, 19)
            contexts[15] = _hash(min(column, 255) * 256 + (classes & 255), 20)
            previous_length = min(line - previous_line, 255) if previous_line >= 0 else 0
            contexts[16] = _hash(min(column, 255) * 65536 + previous_length * 2 + (c1 == 32), 21)
            contexts[17] = _hash((classes & 0xFFF) * 65536 + (hist & 0xFFFF), 22)
            older = 0  # the three bytes before the history, within this stream
            if t >= 10:
                older = np.int64(data[here - 8]) | np.int64(data[here - 9]) << 8 | np.int64(data[here - 10]) << 16
            contexts[18] = _hash(_hash(hist, older), 23)
            contexts[19] = _hash(min(wordlen, 15) * 65536 + (hist & 0xFFFF), 24)
            contexts[20] = _hash(_hash(gap0, word1) * 256 + c1, 25)
            contexts[21] = _hash(nest * 256 + c1, 30)
            contexts[22] = _hash(word * 256 + c2, 31)
            first = np.int64(data[line]) if line < here else 256  # the line's first byte (none yet: 256)
            contexts[23] = _hash(word * 512 + first, 32)
            contexts[24] = _hash(word * 65536 + gap0, 33)
            contexts[25] = _hash(word1 * 65536 + word2, 34)
            contexts[26] = _hash(line, 35)
            contexts[27] = _hash(line_hash, 37)
            contexts[28] = _hash(nibbles & 0xFFF, 38)
            contexts[29] = _hash(nibbles, 39)
            contexts[30] = _hash(_hash(here >> 10, word), 40)
            contexts[31] = _hash(word * 32 + distance, 42)
            contexts[32] = _hash(word_shape << 32 | shape, 44)
            contexts[33] = _hash(opened * 65536 + word, 45)
            contexts[34] = _hash(_hash(gap, keyword), 47)
            o12 = 0  # bytes 8-12 back, within this stream
            if t >= 12:
                for q in range(8, 12):
                    o12 = (o12 << 8) | np.int64(data[here - q - 1])
            contexts[35] = _hash(_hash(hist, o12), 48)
            contexts[36] = _hash(c1 << 24 | indirect[c1], 50)
            first_word, sentence_words, long_word = (
                stream[b, SENTENCE],
                stream[b, SENTENCE + 1],
                stream[b, SENTENCE + 2],
            )
            contexts[37] = _hash(_hash(word, first_word) * 1024 + min(sentence_words, 3) * 256 + c1, 52)
            contexts[38] = _hash(_hash(word, long_word) * 256 + c1, 53)
            depth = nest >> 8
            heads = _hash(stream[b, HEADS + depth], stream[b, HEADS + max(depth - 1, 0)])
            contexts[39] = _hash(_hash(heads, word) * 256 + c1, 54)
            contexts[40] = _hash(_hash(heads, hist & 0xFFFF), 55) if depth else _hash(0, 55)
            after1 = word1 & FOLLOWER_MASK
            after2 = _hash(word2, word1) & FOLLOWER_MASK
            contexts[41] = _hash(_hash(followers[0, after1], word), 56)
            contexts[42] = _hash(_hash(followers[2, after2], word), 57)
            contexts[43] = _hash(_hash(followers[1, after1], word), 58)
            groups = stream[b, GROUPS]
            contexts[44] = _hash(groups & 0xFFFFFFFFFFFF, 59)
            contexts[45] = _hash(_hash(groups & 0xFFFFFFFF, above), 60)
            spaces = 0  # which of the last 7 bytes are spaces
            for q in range(7):
                spaces |= (((hist >> (8 * q)) & 255) == 32) << q
            contexts[46] = _hash(_hash(spaces, min(column, 255) * 4096 + nest), 61)
            token_key = (word if wordlen else gap) & FOLLOWER_MASK  # the token so far: the word, or the gap
            contexts[47] = _hash(_hash(token_next[token_key], groups & 0xFFFFFF), 62)
            contexts[SHARED] = _hash((hist & 0xFFFF) * 4096 + b, 11)
            contexts[SHARED + 1] = _hash((hist & 0xFFFFFF) * 4096 + b, 12)
            contexts[SHARED + 2] = _hash(word * 4096 + b, 13)
            for k in range(hashed):  # load the buckets first (see touch)
                touch += table[(contexts[used[k]] & mask) << 4]
            for k in range(hashed):
                i = used[k]
                buckets[i] = _find(table, contexts[i], mask, state_total, runs)
                r = runs[buckets[i] >> 4]
                run_expected[i] = (r & 255) + 256 if r else 0
                run_length[i] = min((r >> 8) & 127, 15) + 16 * (r >> 15)
            if use_network:
                cum = network_counts[b]
                best = 0
                for v in range(256):
                    if cum[v + 1] - cum[v] > cum[best + 1] - cum[best]:
                        best = v
                net_expected = best + 256
            for q in range(n_stationary):
                cells[q] = _find_cells(stationary, q, contexts[STATIONARY[q]], stationary_mask)
            c0, nib = 1, 1
            order4_row = _hash(hist & 0xFFFFFFFF, 5) & 2047
            spaces_row = _hash(spaces, (group[c1] * 8 + min(wordlen, 4)) * 4 + min(depth, 3)) & 4095
            byte = np.int64(data[here]) if encode else 0
            for bit in range(8):
                # --- inputs
                known = 0  # orders 2-6 with a bit history here
                present = 0  # contexts with a bit history here
                for k in range(hashed):
                    i = used[k]
                    slots[i] = buckets[i] + nib
                    s = table[slots[i]]
                    j = k * INPUTS_PER_CONTEXT
                    if s == 0:
                        x[j] = 0
                        x[j + 1] = 0
                    else:
                        p = state_maps[i, s] >> 20
                        x[j] = stretch[p]
                        x[j + 1] = (x[j] >> 1) * deterministic[s]
                        present += 1
                        if i < 5:
                            known += 1
                    run_rows[i] = -1
                    x[j + 2] = 0
                    if run_expected[i] and (run_expected[i] >> (8 - bit)) == c0 and _RUNS[i]:
                        run_rows[i] = run_length[i] * 2 + ((run_expected[i] >> (7 - bit)) & 1)
                        # at 3/4 when another byte followed the context
                        x[j + 2] = (stretch[run_maps[i, run_rows[i]] >> 20] * (4 - (run_length[i] >> 4))) >> 2
                j = hashed * INPUTS_PER_CONTEXT
                s0, s1 = order0[b * 256 + c0], order1[b * 65536 + c1 * 256 + c0]
                p = state_maps[HASHED, s0] >> 20
                x[j] = stretch[p]
                x[j + 1] = (p - 2048) >> 2
                p = state_maps[HASHED + 1, s1] >> 20
                x[j + 2] = stretch[p]
                x[j + 3] = (p - 2048) >> 2
                j += DIRECT * DIRECT_INPUTS
                for q in range(n_stationary):
                    cell_states[q] = cells[q] + nib
                    x[j + q] = stretch[stationary[q, cell_states[q]] >> 20]
                j += n_stationary
                for q in range(n_dmc):
                    node = stream[b, 20 + q] * 2
                    n0, n1 = np.int64(dmc_count[node]), np.int64(dmc_count[node + 1])
                    x[j + q] = stretch[((n1 * 2 + 1) << 12) // (n0 * 2 + n1 * 2 + 2)]
                j += n_dmc
                mrow, mrow2 = -1, -1
                if expected > 0 and (expected >> (8 - bit)) == c0:
                    ebit = (expected >> (7 - bit)) & 1
                    dense = mlen - 1 if mlen <= 16 else 12 + (min(mlen - 1, 63) >> 2)
                    mrow = (dense * 2 + ebit) * 8 + bit
                    mrow2 = 448 + (((expected & 255) * 8 + bit) << 8) + c1
                    p = match_map[0, mrow] >> 20
                    x[j] = stretch[p]
                    x[j + 1] = (p - 2048) >> 2
                    p = match_map[0, mrow2] >> 20
                    x[j + 2] = stretch[p]
                    x[j + 3] = (p - 2048) >> 2
                    sign = 2 * ebit - 1
                    x[j + 4] = sign * (min(mlen, 32) << 5)
                    nb = 0
                    v = mlen
                    while v > 1:
                        nb += 1
                        v >>= 1
                    x[j + 5] = sign * ((nb * 16 + (((mlen << 4) >> nb) & 15)) << 2)
                else:
                    for q in range(MATCH_INPUTS):
                        x[j + q] = 0
                j += MATCH_INPUTS
                net_sel = 0
                if use_network:
                    lo = (c0 - (1 << bit)) << (8 - bit)
                    half = 1 << (7 - bit)
                    n0 = cum[lo + half] - cum[lo]
                    n1 = cum[lo + 2 * half] - cum[lo + half]
                    pn = (n1 * 4096 + (n0 + n1) // 2) // (n0 + n1)
                    pn = min(max(pn, 1), 4095)
                    x[j] = stretch[pn]
                    net_row = c0
                    net_row2 = 256 + ((c1 << 8) | c0)
                    pa, _ = _apm(stretch, network_map, net_row, pn)
                    x[j + 1] = stretch[pa >> 4]
                    pa, _ = _apm(stretch, network_map, net_row2, pn)
                    x[j + 2] = stretch[pa >> 4]
                    if (net_expected >> (8 - bit)) == c0:
                        confident = 0 if n0 + n1 == 0 else (max(n0, n1) * 4) // (n0 + n1)  # 2..4
                        net_sel = 1 + ((net_expected >> (7 - bit)) & 1) + 2 * min(confident - 2, 2)
                else:
                    net_sel = min(b, 8)
                x[n_inputs - 1] = 256
                # --- mixer: layer 1 (SETS selected rows), layer 2
                rows[0] = c0
                rows[1] = c1 * 4 + mbucket
                rows[2] = (known + 6 * (c1 >> 5)) * 8 + bit
                rows[6] = net_sel * 8 + bit
                rows[3] = c2 * 8 + bit
                rows[4] = min(wordlen, 7) * 256 + c0
                rows[5] = (classes & 255) * 8 + bit
                rows[7] = (above & 255) * 8 + bit
                if sets > FAST_SETS:  # the hashed sets' rows: 3 hashes per bit that level 1 skips
                    rows[8] = order4_row
                    rows[9] = _hash(hist & 0xFFFF, c0) & 4095
                    rows[10] = _hash(word_shape << 16 | (shape & 0xFFFF), c0) & 4095
                    rows[11] = _hash(shape & 0xFFFFFF, c0) & 8191
                    c3 = (hist >> 16) & 255
                    rows[12] = c3 * 8 + bit
                    if bit:
                        cc = (c0 << (8 - bit)) & 255
                        if bit == 1:
                            cc |= c3 >> 1
                        rows[13] = (min(bit, 5) << 8) | (c1 >> 5) | ((c2 >> 5) << 3) | (cc & 192)
                    else:
                        rows[13] = (c3 >> 7) | (((hist >> 31) & 1) << 1) | ((c2 >> 6) << 2) | (c1 & 240)
                    partial = c0 - (1 << bit)
                    rows[14] = c1 | ((bit > 5) << 8) | ((partial == 0 or partial == (1 << bit) - 1) << 9)
                    rows[15] = _hash(groups & 0xFFFFFFFF, c0) & 16383
                    rows[16] = min(present, 63) * 8 + bit
                    rows[17] = spaces_row
                final_rows[0] = (1 if mlen > 0 else 0) * 8 + bit
                final_rows[1] = final_first[1] + c0
                final_rows[2] = final_first[2] + c1
                final_rows[3] = final_first[3] + (classes & 255)
                for k in range(sets):  # load every row's cache lines first (see touch)
                    w0 = (set_rows[k] + rows[k]) * INPUTS
                    for i in range(0, n_inputs, 8):
                        touch += weights[w0 + i]
                for f in range(FINAL_NEURONS):
                    final_dots[f] = 0
                for k in range(sets):
                    w0 = (set_rows[k] + rows[k]) * INPUTS
                    dot = 0
                    for i in range(n_inputs):
                        dot += weights[w0 + i] * x[i]
                    dot >>= 16
                    dot = min(max(dot, -2047), 2047)
                    dots[k] = dot
                    probs[k] = _squash(squash, dot)
                    for f in range(FINAL_NEURONS):
                        final_dots[f] += final_weights[final_rows[f] * SETS + k] * dot
                dot2 = 0
                for f in range(FINAL_NEURONS):
                    dot2 += final_dots[f]
                    final_probs[f] = _squash(squash, final_dots[f] >> 16)
                pm = _squash(squash, (dot2 // FINAL_NEURONS) >> 16)
                # --- SSE: five APMs, by c0 and by order 2, order 3, the token's shape and the match state
                # with c1 (hashed with c0). The shape rather than the word: 5 test files 294,031 -> 293,854
                # bytes, source 47,245 -> 47,226 (both, as a fifth APM: 293,848 / 47,217). The match
                # state (expected byte, length up to 15) with c1: 291,645 / 46,586 -> 291,518 / 46,557,
                # every file smaller, 2% more time (without c1 -80 / -29; with order 2 instead -12 / -11;
                # order 2 and 3 APMs of 2**18 rows rather than 2**16: -12 / 0)
                a1, i1 = _apm(stretch, apms, c0, pm)
                a2, i2 = _apm(stretch, apms, 256 + (_hash(hist & 0xFFFF, c0) & 0xFFFF), pm)
                a3, i3 = _apm(stretch, apms, 256 + 65536 + (_hash(hist & 0xFFFFFF, c0) & 0xFFFF), pm)
                a4, i4 = _apm(stretch, apms, 256 + 2 * 65536 + (_hash(word_shape << 32 | shape, c0) & 0xFFFF), pm)
                a5, i5 = _apm(
                    stretch,
                    apms,
                    256 + 3 * 65536 + (_hash((expected * 16 + min(mlen, 15)) * 256 + c1, c0) & 0xFFFF),
                    pm,
                )
                # the mixer's output at twice its weight of before: 288,028 / 44,773 -> 287,985 / 44,766 (3 times:
                # 287,976 / 44,766; left out: 288,127 / 44,790)
                p16 = (pm * 32 + a1 + 2 * a2 + 2 * a3 + 2 * a4 + 2 * a5 + 5) // 11
                p16 = min(max(p16, P16_MIN), 65536 - P16_MIN)
                # --- code the bit: P(1) = p16 / 65536
                span = high - low
                mid = low + (span >> 16) * p16 + (((span & 0xFFFF) * p16) >> 16)
                y = ((byte >> (7 - bit)) & 1) if encode else (1 if xcode <= mid else 0)
                if y:
                    high = mid
                else:
                    low = mid + 1
                while ((low ^ high) & 0xFF000000) == 0:
                    if encode:
                        if pos >= limit:
                            return False
                        out[pos] = (high >> 24) & 255
                    else:
                        xcode = ((xcode << 8) & 0xFFFFFFFF) | (out[pos] if pos < out.size else 0)
                    pos += 1
                    low = (low << 8) & 0xFFFFFFFF
                    high = ((high << 8) & 0xFFFFFFFF) | 255
                # --- update
                for k in range(hashed):
                    i = used[k]
                    s = table[slots[i]]
                    table[slots[i]] = next_state[s * 2 + y]
                    _update_map(state_maps, i, s, y, reciprocal)
                    if run_rows[i] >= 0:
                        _update_map(run_maps, i, run_rows[i], y, reciprocal)
                for q in range(n_stationary):
                    _update_map(stationary, q, cell_states[q], y, reciprocal)
                _update_map(state_maps, HASHED, s0, y, reciprocal)
                _update_map(state_maps, HASHED + 1, s1, y, reciprocal)
                order0[b * 256 + c0] = next_state[s0 * 2 + y]
                order1[b * 65536 + c1 * 256 + c0] = next_state[s1 * 2 + y]
                if mrow >= 0:
                    _update_map(match_map, 0, mrow, y, reciprocal)
                    _update_map(match_map, 0, mrow2, y, reciprocal)
                if use_network:
                    _, ia = _apm(stretch, network_map, net_row, pn)
                    _update_apm(network_map, ia, y, reciprocal)
                    _, ia = _apm(stretch, network_map, net_row2, pn)
                    _update_apm(network_map, ia, y, reciprocal)
                for f in range(FINAL_NEURONS):
                    err2 = ((y << 12) - final_probs[f]) * FINAL_LEARNING_RATE
                    w0 = final_rows[f] * SETS
                    for k in range(sets):
                        final_weights[w0 + k] += (dots[k] * err2) >> 15
                for k in range(sets):
                    err = (y << 12) - probs[k]
                    if err > SKIP_ERROR or err < -SKIP_ERROR:
                        row = set_rows[k] + rows[k]
                        n = row_counts[row]
                        row_counts[row] = n + 1
                        err *= LEARNING_RATE_END + (rate_start - LEARNING_RATE_END) * rate_half // (rate_half + n)
                        w0 = row * INPUTS
                        for i in range(n_inputs):
                            weights[w0 + i] += (x[i] * err) >> 18
                _update_apm(apms, i1, y, reciprocal)
                _update_apm(apms, i2, y, reciprocal)
                _update_apm(apms, i3, y, reciprocal)
                _update_apm(apms, i4, y, reciprocal)
                _update_apm(apms, i5, y, reciprocal)
                # --- next bit
                for q in range(n_dmc):
                    stream[b, 20 + q] = _dmc_update(dmc_next, dmc_count, dmc_used, q, stream[b, 20 + q], y)
                    if dmc_used[q] >= (q + 1) * dmc_nodes:
                        _dmc_reset(dmc_next, dmc_count, dmc_used, q, dmc_nodes)
                        stream[:, 20 + q] = q * dmc_nodes
                c0 = c0 * 2 + y
                if bit == 3:
                    for k in range(hashed):
                        i = used[k]
                        first_buckets[i] = buckets[i]
                        nibble_contexts[i] = _hash(contexts[i], c0)
                        touch += table[(nibble_contexts[i] & mask) << 4]
                        buckets[i] = _find(table, nibble_contexts[i], mask, state_total, runs)
                    for q in range(n_stationary):  # its contexts are in use (test_bitwise checks)
                        cells[q] = _find_cells(stationary, q, nibble_contexts[STATIONARY[q]], stationary_mask)
                    nib = 1
                else:
                    nib = nib * 2 + y
            # --- the byte is known: stream state
            byte = c0 & 255
            # each context's last byte, how often it repeated (up to 127) and whether another byte
            # ever followed it (bit 15): 5 test files 294,609 -> 294,326 bytes, source and markup 47,481 ->
            # 47,340 (with the byte before the last as a second candidate: 294,480 / 47,367)
            for k in range(hashed):
                i = used[k]
                k = first_buckets[i] >> 4
                r = runs[k]
                if r and (r & 255) == byte:
                    runs[k] = (r & 0x8000) | (min(((r >> 8) & 127) + 1, 127) << 8) | byte
                else:
                    runs[k] = (0x8000 if r else 0) | 256 | byte
            if not encode:
                data[here] = byte
            if mlen > 0:
                if (expected & 255) == byte and mptr + 1 < length and (mptr + 1) % steps != 0:
                    mptr, mlen = mptr + 1, min(mlen + 1, MATCH_MAX)
                else:
                    mlen = 0
            indirect[c1] = ((indirect[c1] << 8) | byte) & 0xFFFFFF
            token_next[token_key] = ((token_next[token_key] << 8) | byte) & 0xFFFF
            hist = ((hist << 8) | byte) & 0xFFFFFFFFFFFFFF
            letter = word_letter[byte]
            if letter:
                if wordlen == 0 and c1 == 10 and c2 == 43 and word_letter[(hist >> 24) & 255]:
                    # a word broken at the line's end by '+' (book1's hyphenation): it goes on, with the
                    # words before it (book1 188,316 -> 188,000 bytes; by '-' too: no file changes)
                    word, wordlen, word1, word2 = (
                        stream[b, BROKEN],
                        stream[b, BROKEN + 1],
                        stream[b, BROKEN + 2],
                        stream[b, BROKEN + 3],
                    )
                elif wordlen == 0:
                    gap0 = gap
                if 0xC0 <= byte < 0xE0:
                    pass  # the lead of a 2-byte UTF-8 sequence: its trail adds the code point
                elif 0x80 <= byte < 0xC0 and 0xC0 <= c1 < 0xE0:
                    # the code point, case-folded (Latin-1, Greek, Cyrillic...): 200 KB of the Russian
                    # novel 34,603 -> 34,379 bytes (-0.65%)
                    word = _hash(word, fold2[((c1 & 0x1F) << 6) | (byte & 0x3F)] + 256)
                else:
                    word = _hash(word, letter)
                wordlen += 1
                gap = 0
            else:
                if word:
                    if sentence_words == 0:
                        first_word = word
                    sentence_words += 1
                    if wordlen >= 4:
                        long_word = word
                    if stream[b, HEADS + depth] == 0:  # the first word in this bracket (or line)
                        stream[b, HEADS + depth] = word
                    word_ends[word & (word_ends.size - 1)] = (here << 16) | ((word >> 16) & 0xFFFF)
                    if followers[0, after1] != word:
                        followers[1, after1] = followers[0, after1]
                    followers[0, after1] = word
                    followers[2, after2] = word
                    if byte == 58 or byte == 61:  # ':' '='
                        keyword = word
                    stream[b, BROKEN], stream[b, BROKEN + 1], stream[b, BROKEN + 2], stream[b, BROKEN + 3] = (
                        word,
                        wordlen,
                        word1,
                        word2,
                    )
                    word2, word1, word = word1, word, 0
                wordlen = 0
                gap = _hash(gap, byte)
                if byte > 32 and not (48 <= byte <= 57) and byte != c1:
                    # punctuation is a word of its own in the word history (not a repeat): 5 test files
                    # 296,902 -> 295,638 bytes (alice29 -0.8%), source and markup -0.6% (only . ! ?:
                    # 296,459; only . , ; : ! ?: 295,902)
                    word2, word1 = word1, byte
            if byte == 46 or byte == 33 or byte == 63:  # . ! ?
                sentence_words = 0
            stream[b, SENTENCE], stream[b, SENTENCE + 1], stream[b, SENTENCE + 2] = (
                first_word,
                sentence_words,
                long_word,
            )
            if letter or 48 <= byte <= 57:
                text = ((text << 8) | (letter if letter else byte)) & 0xFFFFFFFFFF
            classes = ((classes << 3) | byte_class[byte]) & 0xFFFF
            if byte == 10:
                column, line, previous_line = 0, here + 1, line
                if nest < 256:  # outside brackets a line has a head of its own
                    stream[b, HEADS] = 0
            else:
                column += 1
            stream[b, 0], stream[b, 1], stream[b, 2], stream[b, 3] = hist, word, word1, column
            stream[b, 4], stream[b, 5], stream[b, 6], stream[b, 7] = mptr, mlen, line, previous_line
            stream[b, 8], stream[b, 9], stream[b, 10], stream[b, 11], stream[b, 12] = word2, text, gap, classes, wordlen
            stream[b, 13] = gap0
            if byte == 40 or byte == 91 or byte == 123 or byte == 60:
                nest = (min((nest >> 8) + 1, 15) << 8) | byte
                stream[b, HEADS + (nest >> 8)] = 0
            elif byte == 41 or byte == 93 or byte == 125 or byte == 62:
                nest = max((nest >> 8) - 1, 0) << 8
            stream[b, 14] = nest
            nibbles = ((nibbles << 4) | (0 if byte == 32 else byte >> 4)) & 0xFFFFFFFF
            line_hash = 0 if byte == 10 else _hash(line_hash, byte + 1)
            g = group[byte]
            if g != (groups & 255) or not run_groups[g]:
                stream[b, GROUPS] = (groups << 8) | g
            # the token's shape: in a word or number, the type of each byte; else the bytes themselves
            alnum = letter or 48 <= byte <= 57
            if alnum != (word_letter[c1] != 0 or 48 <= c1 <= 57):  # a token starts
                shape = 0
                if alnum and (c1 == 34 or (c1 == 39 and not word_letter[c2])):
                    opened = c1  # a quote right before a word opens
            kind = letter_type[byte] if alnum else byte
            if kind == 98 and (byte | 32) == 104 and (c1 | 32) == 116:
                kind = 116  # 'th'
            shape = ((shape << 8) | kind) & 0xFFFFFFFF
            if not alnum:
                if byte == 40 or byte == 91 or byte == 123 or byte == 60:
                    opened = byte
                elif byte == 41 or byte == 93 or byte == 125 or byte == 62:
                    opened = 0
                elif byte == 34:
                    opened = 0 if opened == 34 else 34
            stream[b, 15], stream[b, 16], stream[b, 17], stream[b, 18], stream[b, 19] = (
                line_hash,
                nibbles,
                shape,
                opened,
                keyword,
            )
    coder[0], coder[1], coder[2], coder[3] = low, high, xcode, pos
    coder[4] = touch & 1
    return True


@njit(cache=True, inline="always")
def _update_map(maps, i, s, y, reciprocal):  # pragma: no cover
    """p += (y - p) / (n + 1.5), n counting up to STATE_MAP_LIMIT: 22-bit p above a 10-bit n (in
    int64 state maps and uint32 stationary maps)."""
    v = np.int64(maps[i, s])
    n = v & 1023
    p = v >> 10
    p += (((y << 22) - p) * reciprocal[n]) >> 16
    maps[i, s] = (p << 10) | (n + 1 if n < STATE_MAP_LIMIT else n)


@njit(cache=True, inline="always")
def _find_cells(cells, q, h, mask):  # pragma: no cover
    """The 16 cells of hash h in stationary map q: of two neighbours, the one whose cell 0 holds
    h's check, else the less used, cleared."""
    check = (h >> 16) | 1  # never STATIONARY_START: an unused block matches no check
    base = h & mask
    best, best_n = -1, 1 << 30
    for k in range(2):
        i = ((base ^ k) & mask) << 4
        if cells[q, i] == check:
            return i
        n = cells[q, i + 1] & 1023
        if n < best_n:
            best, best_n = i, n
    cells[q, best] = check
    for j in range(1, 16):
        cells[q, best + j] = STATIONARY_START
    return best


@njit(cache=True, inline="always")
def _dmc_update(nxt, count, used, q, node, y):  # pragma: no cover
    """Count bit y on node's edge; first, when the edge's target is reached often enough from
    elsewhere too, give the edge a clone of its own (counts shared in proportion). Returns the
    next node."""
    edge = node * 2 + y
    target = nxt[edge]
    n = np.int64(count[edge])
    total = np.int64(count[2 * target]) + np.int64(count[2 * target + 1])
    if n >= DMC_CLONE[q] and total - n >= DMC_CLONE[q]:
        clone = used[q]
        used[q] = clone + 1
        for z in range(2):
            moved = np.int64(count[2 * target + z]) * n // total
            count[2 * clone + z] = moved
            count[2 * target + z] = np.int64(count[2 * target + z]) - moved
            nxt[2 * clone + z] = nxt[2 * target + z]
        nxt[edge] = clone
        target = clone
    count[edge] = n + 16
    if n + 16 > DMC_LIMIT:
        count[2 * node] = count[2 * node] >> 1
        count[2 * node + 1] = count[2 * node + 1] >> 1
    return target


@njit(cache=True, inline="always")
def _dmc_reset(nxt, count, used, q, nodes):  # pragma: no cover
    """DMC model q (of `nodes` nodes) back to its binary tree over a byte's bits (node q * nodes +
    c0 - 1 for the partial byte c0), every edge counted once."""
    first = q * nodes
    for c in range(1, 256):
        for z in range(2):
            child = c * 2 + z
            nxt[2 * (first + c - 1) + z] = first + (child - 1 if child < 256 else 0)
            count[2 * (first + c - 1) + z] = 16
    used[q] = first + 255


def new_dmc(models: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The edges (next node, count) of `models` DMC models and the nodes each uses (0: code_steps
    builds its tree first)."""
    nxt = np.zeros(2 * DMC_NODES * models, dtype=np.int32)
    return nxt, np.zeros_like(nxt), np.zeros(len(DMC_CLONE), dtype=np.int64)


def initial_state_maps(count: int) -> np.ndarray:
    """`count` state maps, each state starting at its counts' estimate, count 0."""
    return np.repeat((STATE_PRIOR << 10)[None, :], count, axis=0).astype(np.int64)


def mixer_sets(contexts: int) -> int:
    """The weight sets of layer 1 that a configuration with `contexts` shared contexts runs."""
    return SETS if contexts >= FULL_MIXER_CONTEXTS else FAST_SETS


def new_streams(batch: int, steps: int) -> np.ndarray:
    """The per-stream state code_steps starts from."""
    state = np.zeros((batch, STREAM_STATE), dtype=np.int64)
    state[:, 6] = np.arange(batch) * steps  # the first line starts at the stream's start
    state[:, 7] = -1  # no previous line
    state[:, 20 : 20 + len(DMC_CLONE)] = np.arange(len(DMC_CLONE)) * DMC_NODES  # at each DMC model's root
    return state


# The tables code_steps reads, passed as an argument: numba would freeze module arrays into its
# cached machine code, which a change to tables.py would not invalidate.
TABLES = (
    NEXT_STATE.reshape(-1).copy(), STRETCH, SQUASH, _STATE_TOTAL, _DETERMINISTIC, _RECIPROCAL, _WORD_LETTER, _CLASS,
    _LETTER_TYPE, _FOLD_2BYTE, _GROUP, _RUN_GROUPS,
)  # fmt: skip
