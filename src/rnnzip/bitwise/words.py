"""Words: the word so far, the words before it, the gaps between them, the sentence, and the
words that followed words (indirect contexts of words).

A word is a run of letters (ASCII, case-folded, or any byte >= 0x80, so UTF-8 letters of every
script; 2-byte code points are case-folded whole); punctuation counts as a word of its own in
the word history. A word broken at a line's end by '+' (book1's hyphenation) goes on.
Its state: the stream's WORD.. fields, `word_ends` (per word hash, where it last ended) and
`followers` (per word hash, the word that last followed it and the one before; per hash of two
words, the word that followed them).
"""

from __future__ import annotations

from numba import njit

from .hashing import hash2
from .layout import Byte, Stream


@njit(cache=True, inline="always")
def words_contexts(ctx, f, st, here, b, word_ends, followers):  # pragma: no cover (compiled)
    """Hash this model's contexts into ctx; set the DISTANCE, WORD_SHAPE, AFTER1, AFTER2 features."""
    hist = st[Stream.HISTORY]
    c1, c2 = hist & 255, (hist >> 8) & 255
    word, word1, word2 = st[Stream.WORD], st[Stream.WORD1], st[Stream.WORD2]
    gap, gap0, wordlen = st[Stream.GAP], st[Stream.GAP_BEFORE], st[Stream.WORD_LENGTH]
    distance = 0  # log2 of the bytes since the word so far last ended as a word; 0: never
    if word:
        seen = word_ends[word & (word_ends.size - 1)]
        if seen and (seen & 0xFFFF) == ((word >> 16) & 0xFFFF):
            d = here - (seen >> 16)
            while d > 0:
                distance += 1
                d >>= 1
    capitals = 1 if (65 <= c1 <= 90 and 65 <= c2 <= 90) else 0
    f[Byte.DISTANCE] = distance
    f[Byte.WORD_SHAPE] = (min(wordlen, 6) << 2) | ((distance > 0) << 1) | capitals
    ctx[6] = hash2(word * 256 + c1, 8)
    ctx[7] = hash2(word * 65536 + word1, 9)
    ctx[9] = hash2(st[Stream.TEXT], 14)
    ctx[10] = hash2(gap * 65536 + word1, 15)
    ctx[11] = hash2(hash2(word, word1) * 65536 + word2, 16)
    ctx[14] = hash2(hash2(word, c1) * 65536 + word2, 19)
    ctx[19] = hash2(min(wordlen, 15) * 65536 + (hist & 0xFFFF), 24)
    ctx[20] = hash2(hash2(gap0, word1) * 256 + c1, 25)
    ctx[22] = hash2(word * 256 + c2, 31)
    ctx[24] = hash2(word * 65536 + gap0, 33)
    ctx[25] = hash2(word1 * 65536 + word2, 34)
    ctx[30] = hash2(hash2(here >> 10, word), 40)  # the word in its 1 KB block
    ctx[31] = hash2(word * 32 + distance, 42)
    ctx[34] = hash2(hash2(gap, st[Stream.KEYWORD]), 47)
    sentence = hash2(word, st[Stream.FIRST_WORD]) * 1024 + min(st[Stream.SENTENCE_WORDS], 3) * 256
    ctx[37] = hash2(sentence + c1, 52)
    ctx[38] = hash2(hash2(word, st[Stream.LONG_WORD]) * 256 + c1, 53)
    mask = followers.shape[1] - 1
    after1 = word1 & mask
    after2 = hash2(word2, word1) & mask
    f[Byte.AFTER1], f[Byte.AFTER2] = after1, after2
    ctx[41] = hash2(hash2(followers[0, after1], word), 56)  # what followed the previous word last
    ctx[42] = hash2(hash2(followers[2, after2], word), 57)  # ... the previous two words
    ctx[43] = hash2(hash2(followers[1, after1], word), 58)  # ... the previous word the time before
    ctx[50] = hash2(word * 4096 + b, 13)  # stream-local


@njit(cache=True, inline="always")
def words_update(st, f, hist, byte, here, word_ends, followers, word_letter, fold2):  # pragma: no cover
    """The byte is known (hist: the history before it): extend or end the word."""
    c1, c2, c3 = hist & 255, (hist >> 8) & 255, (hist >> 16) & 255
    word, word1, word2 = st[Stream.WORD], st[Stream.WORD1], st[Stream.WORD2]
    gap, gap0, wordlen = st[Stream.GAP], st[Stream.GAP_BEFORE], st[Stream.WORD_LENGTH]
    letter = word_letter[byte]
    if letter:
        if wordlen == 0 and c1 == 10 and c2 == 43 and word_letter[c3]:  # a word broken by '+' at a line's end
            word, wordlen = st[Stream.BROKEN], st[Stream.BROKEN + 1]
            word1, word2 = st[Stream.BROKEN + 2], st[Stream.BROKEN + 3]
        elif wordlen == 0:
            gap0 = gap
        if 0xC0 <= byte < 0xE0:
            pass  # the lead of a 2-byte UTF-8 sequence: its trail adds the code point
        elif 0x80 <= byte < 0xC0 and 0xC0 <= c1 < 0xE0:
            word = hash2(word, fold2[((c1 & 0x1F) << 6) | (byte & 0x3F)] + 256)  # the code point, case-folded
        else:
            word = hash2(word, letter)
        wordlen += 1
        gap = 0
    else:
        if word:
            _word_ends(st, f, word, wordlen, byte, here, word_ends, followers)
            st[Stream.BROKEN], st[Stream.BROKEN + 1] = word, wordlen
            st[Stream.BROKEN + 2], st[Stream.BROKEN + 3] = word1, word2
            word2, word1, word = word1, word, 0
        wordlen = 0
        gap = hash2(gap, byte)
        if byte > 32 and not (48 <= byte <= 57) and byte != c1:  # punctuation: a word of its own
            word2, word1 = word1, byte
    if byte == 46 or byte == 33 or byte == 63:  # . ! ? end the sentence
        st[Stream.SENTENCE_WORDS] = 0
    if letter or 48 <= byte <= 57:
        st[Stream.TEXT] = ((st[Stream.TEXT] << 8) | (letter if letter else byte)) & 0xFFFFFFFFFF
    st[Stream.WORD], st[Stream.WORD1], st[Stream.WORD2] = word, word1, word2
    st[Stream.GAP], st[Stream.GAP_BEFORE], st[Stream.WORD_LENGTH] = gap, gap0, wordlen


@njit(cache=True, inline="always")
def _word_ends(st, f, word, wordlen, byte, here, word_ends, followers):  # pragma: no cover
    """A word ended: the sentence, the bracket's head, where it ended, whom it followed."""
    if st[Stream.SENTENCE_WORDS] == 0:
        st[Stream.FIRST_WORD] = word
    st[Stream.SENTENCE_WORDS] += 1
    if wordlen >= 4:
        st[Stream.LONG_WORD] = word
    head = Stream.HEADS + f[Byte.DEPTH]
    if st[head] == 0:  # the first word in this bracket (or line)
        st[head] = word
    word_ends[word & (word_ends.size - 1)] = (here << 16) | ((word >> 16) & 0xFFFF)
    after1 = f[Byte.AFTER1]
    if followers[0, after1] != word:
        followers[1, after1] = followers[0, after1]
    followers[0, after1] = word
    followers[2, f[Byte.AFTER2]] = word
    if byte == 58 or byte == 61:  # ':' '='
        st[Stream.KEYWORD] = word
