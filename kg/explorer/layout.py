"""A seeded layout of the explorer's network, computed when the page is written, so the same
graph always opens in the same arrangement (`layout`); none for a network of more than
`DRAW_LIMIT` entities, which the page does not draw whole."""

from __future__ import annotations

import itertools
import math
import random
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import networkx as nx

DRAW_LIMIT = 3000
"""The most entities the explorer draws as one network. In headless Chromium
(`bench/browser.py`), whole drawings of 2,000, 3,000, 5,000 and 10,000 entities became
usable after about 1.9, 2.5, 3.9 and 6.2 s, and took 0.08, 0.12, 0.19 and 0.35 s to redraw
on each pan or zoom. A bigger network's page says so, carries the same data, search and
panel, and draws only the neighbourhood of the entity picked; no whole-network layout is
computed for it."""

_AHEAD = ((1, -1), (1, 0), (1, 1), (0, 1))  # half of a grid cell's neighbours


def network_layout(net: nx.MultiDiGraph, draw_limit: int = DRAW_LIMIT) -> dict[str, Any]:
    """The explorer's positions of `net`'s nodes, as `render_network` places them; none for
    a network of more than `draw_limit` nodes, which the page does not draw whole."""
    if net.number_of_nodes() > draw_limit:
        return {}
    return layout(sorted(net.nodes), [(u, v) for u, v in net.edges()])


def layout(nodes: list[str], edges: Iterable[tuple[str, str]], seed: int = 7) -> dict[str, Any]:
    """Seeded Fruchterman–Reingold positions, in pixels, the same on every machine.

    Repulsion only acts within a grid cell's neighbours (the grid variant of the algorithm),
    so a step costs about linear time; plain Python floats keep it byte-for-byte repeatable.
    """
    n = len(nodes)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    pairs = sorted({(min(index[u], index[v]), max(index[u], index[v])) for u, v in edges})
    pairs = [(i, j) for i, j in pairs if i != j]
    rng = random.Random(seed)
    xs = [rng.random() for _ in range(n)]
    ys = [rng.random() for _ in range(n)]
    k = math.sqrt(1.0 / n)
    k2, cell = k * k, 2 * k
    reach2 = cell * cell
    iterations = max(40, min(300, 30000 // n))
    heat = 0.1
    cooling = heat / (iterations + 1)
    for _ in range(iterations):
        fx = [0.0] * n
        fy = [0.0] * n
        grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i in range(n):
            grid[(int(xs[i] // cell), int(ys[i] // cell))].append(i)
        for (cx, cy), members in grid.items():
            # each pair once: this cell's later members, and the cells ahead of it
            ahead = [j for ox, oy in _AHEAD for j in grid.get((cx + ox, cy + oy), ())]
            for a, i in enumerate(members):
                xi, yi = xs[i], ys[i]
                sx = sy = 0.0
                for j in itertools.chain(members[a + 1 :], ahead):
                    dx, dy = xi - xs[j], yi - ys[j]
                    d2 = dx * dx + dy * dy
                    if d2 >= reach2:
                        continue
                    if d2 < 1e-12:  # two nodes on one spot: part them along a fixed direction
                        dx, dy, d2 = 1e-6, 0.0, 1e-12
                    f = k2 / d2
                    sx += dx * f
                    sy += dy * f
                    fx[j] -= dx * f
                    fy[j] -= dy * f
                fx[i] += sx
                fy[i] += sy
        for i, j in pairs:
            dx, dy = xs[i] - xs[j], ys[i] - ys[j]
            f = math.sqrt(dx * dx + dy * dy) / k
            fx[i] -= dx * f
            fy[i] -= dy * f
            fx[j] += dx * f
            fy[j] += dy * f
        for i in range(n):
            dx = fx[i] - (xs[i] - 0.5) * 0.3  # a little gravity keeps components together
            dy = fy[i] - (ys[i] - 0.5) * 0.3
            d = math.sqrt(dx * dx + dy * dy)
            if d > 0:
                step = min(d, heat) / d
                xs[i] += dx * step
                ys[i] += dy * step
        heat -= cooling
    scale = 200 / k
    return {
        node: (round((xs[i] - 0.5) * scale), round((ys[i] - 0.5) * scale))
        for node, i in index.items()
    }
