"""Dynamic Markov models (DMC): a graph of bit states that starts as a binary tree over a byte's
bits and clones a state when it is reached from a busy edge, so that a state's history grows as
long as the data repeat. stretch(p) of the state's two edge counts is one input (levels 2-9).

Its state: per model, the edges (next node, count in 16ths) of sizing.DMC_NODES nodes and the nodes in
use; per stream, the current node (Stream.DMC_NODE + model). When the nodes are used up, the
graph restarts from the tree.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .layout import DMC_CLONE, Stream

DMC_LIMIT = 4096  # an edge's count halves (with its sibling's) above this


@njit(cache=True, inline="always")
def dmc_reset(nxt, count, used, q, nodes):  # pragma: no cover (compiled)
    """Model q (of `nodes` nodes) back to its binary tree over a byte's bits (node q * nodes +
    c0 - 1 for the partial byte c0), every edge counted once."""
    first = q * nodes
    for c in range(1, 256):
        for z in range(2):
            child = c * 2 + z
            nxt[2 * (first + c - 1) + z] = first + (child - 1 if child < 256 else 0)
            count[2 * (first + c - 1) + z] = 16
    used[q] = first + 255


@njit(cache=True, inline="always")
def dmc_inputs(x, j, dmc, st, models, stretch):  # pragma: no cover
    """stretch(p) of each model's current node into x[j:]."""
    for q in range(models):
        node = st[Stream.DMC_NODE + q] * 2
        n0, n1 = np.int64(dmc.counts[node]), np.int64(dmc.counts[node + 1])
        x[j + q] = stretch[((n1 * 2 + 1) << 12) // (n0 * 2 + n1 * 2 + 2)]


@njit(cache=True, inline="always")
def dmc_step(nxt, count, used, q, node, y):  # pragma: no cover
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
def dmc_update(dmc, streams, b, models, nodes, y):  # pragma: no cover
    """Stream b's node in each model follows bit y; a full graph restarts (for every stream)."""
    for q in range(models):
        field = Stream.DMC_NODE + q
        streams[b, field] = dmc_step(dmc.next_node, dmc.counts, dmc.used, q, streams[b, field], y)
        if dmc.used[q] >= (q + 1) * nodes:
            dmc_reset(dmc.next_node, dmc.counts, dmc.used, q, nodes)
            streams[:, field] = q * nodes
