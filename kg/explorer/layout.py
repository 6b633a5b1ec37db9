"""The explorer's arrangement of a network, computed when the page is written, so the same
graph always opens in the same arrangement; none for a network of more than `DRAW_LIMIT`
entities, which the page does not draw whole.

The page opens on an overview (`overview`): the network's groups, each drawn as a disc with
its seed in the middle and its members around it. The seeds are the entities of the
ontology's grouping classes (`kg:viewGroup`) and the hubs (the entities with far more
relations than the rest); every other entity joins the seed it is fewest relations away
from.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

DRAW_LIMIT = 3000
"""The most entities the explorer draws as one network. In headless Chromium
(`bench/browser.py`), whole drawings of 2,000, 3,000, 5,000 and 10,000 entities became
usable after about 1.9, 2.5, 3.9 and 6.2 s, and took 0.08, 0.12, 0.19 and 0.35 s to redraw
on each pan or zoom (before the page drew the names itself; since, 3,000 generated entities
with 10,008 relations became usable after 3.0 to 3.6 s on a busier machine, and took 0.17
to 0.21 s to redraw, names included). A bigger network's page says so, carries the same
data, search and panel, and draws only the neighbourhood of the entity picked; no
whole-network arrangement is computed for it."""


HUB_SHARE = 4
"""A hub has at least a `HUB_SHARE`th of the best-connected entity's relations, and at least
`HUB_MIN`; at most `HUB_MAX` entities are hubs."""
HUB_MIN = 8
HUB_MAX = 5
SPACING = 40
"""Pixels between two members of a group's disc."""
WIDE = 1.8
"""The ring of groups is an ellipse this much wider than high: names are wide, and so are
screens."""
NAME_ACROSS = 0.35
NAME_DOWN = 0.13
"""The angle a group's name needs on the ring of groups, side by side at its top and bottom
(divided by the sine of where it is from the side) and one above the other at its sides
(by the cosine): a name of about 170 by 34 pixels on a ring drawn across 1,150."""


@dataclass
class Overview:
    """The groups of a network and where the page draws each entity at first."""

    hubs: list[str]  # best connected first
    groups: list[str]  # the grouping classes' entities, in the ontology's order, then by id
    group_of: dict[str, str]  # every entity → its seed (a hub, a group, or a component's own)
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    parts: list[str] = field(default_factory=list)  # the seeds of connected parts with none


def network_layout(
    net: nx.MultiDiGraph,
    group_rank: Mapping[str, int] | None = None,
    draw_limit: int = DRAW_LIMIT,
) -> dict[str, Any]:
    """The explorer's positions of `net`'s nodes, as `render_network` places them (the
    overview, with `group_rank`: kind → order of the grouping classes); none for a network
    of more than `draw_limit` nodes, which the page does not draw whole."""
    if net.number_of_nodes() > draw_limit:
        return {}
    kinds = {n: str(k) for n, k in net.nodes(data="kind")}
    return dict(overview(sorted(net.nodes), net.edges(), kinds, group_rank or {}).positions)


def overview(
    nodes: list[str],
    edges: Iterable[tuple[str, str]],
    kinds: Mapping[str, str],
    group_rank: Mapping[str, int],
    arrange: bool = True,
) -> Overview:
    """The groups of the network of `nodes` (sorted) and `edges`, and their arrangement.

    The seeds are the hubs and the entities of a kind in `group_rank`; each other entity
    joins the seed it is fewest relations away from (a grouping entity before a hub, then
    in seed order), never reached through another seed. A connected part with no seed has
    its best-connected entity as seed; single entities and pairs share one disc. With
    `arrange` false, the groups only: no positions.
    """
    neighbours: dict[str, set[str]] = {n: set() for n in nodes}
    for u, v in edges:
        if u != v:
            neighbours[u].add(v)
            neighbours[v].add(u)
    degree = {n: len(neighbours[n]) for n in nodes}
    groups = sorted(
        (n for n in nodes if kinds.get(n) in group_rank),
        key=lambda n: (group_rank[kinds[n]], n),
    )
    grouping = set(groups)
    others = sorted((n for n in nodes if n not in grouping), key=lambda n: (-degree[n], n))
    top = degree[others[0]] if others else 0
    hubs = [n for n in others[:HUB_MAX] if degree[n] >= max(HUB_MIN, top / HUB_SHARE)]
    group_of: dict[str, str] = {}
    seeds = groups + hubs
    _spread(seeds, neighbours, group_of)
    rest: list[str] = []
    parts: list[str] = []
    for n in others:  # best connected first: a part's seed is its best-connected entity
        if n in group_of:
            continue
        part: dict[str, str] = {}
        _spread([n], neighbours, part)
        if len(part) >= 3:
            parts.append(n)
            group_of.update(part)
        else:
            rest.extend(sorted(part))
    for n in rest:
        group_of[n] = ""
    found = Overview(hubs, groups, group_of, parts=parts)
    if arrange:
        found.positions = _arrange(found, hubs, groups + parts, rest, kinds, neighbours)
    return found


def _spread(seeds: list[str], neighbours: Mapping[str, set[str]], group_of: dict[str, str]) -> None:
    """Breadth first from all `seeds` at once: each entity not in `group_of` joins the first
    seed to reach it; a seed is its own, and passes on no other seed's reach."""
    queue: deque[str] = deque()
    for seed in seeds:
        if seed not in group_of:
            group_of[seed] = seed
            queue.append(seed)
    while queue:
        node = queue.popleft()
        for m in sorted(neighbours[node]):
            if m not in group_of:
                group_of[m] = group_of[node]
                queue.append(m)


def _disc(seed: str | None, members: list[str]) -> tuple[dict[str, tuple[float, float]], float]:
    """A seed in the middle and its members around it on a sunflower spiral: positions
    relative to the middle, and the disc's radius."""
    where: dict[str, tuple[float, float]] = {}
    first = 0
    if seed is not None:
        where[seed] = (0.0, 0.0)
        first = 1
    golden = math.pi * (3 - math.sqrt(5))
    radius: float = SPACING
    for i, node in enumerate(members, start=first):
        r = SPACING * math.sqrt(i + 0.5) + (SPACING if seed is not None else 0)
        where[node] = (r * math.cos(i * golden), r * math.sin(i * golden))
        radius = max(radius, r)
    return where, radius + SPACING


def _ring(room: list[float], ring: float) -> tuple[list[float], float]:
    """Where on the ring of groups (an ellipse `WIDE` times as wide as its height `ring`)
    each group goes, as angles from the top, clockwise; and the ring's final height.

    A group takes an arc as long as its disc is wide, and, for its name, an angle: names are
    drawn outward, side by side at the top and bottom, one above the other at the sides, so
    a name needs a wider angle near the top and bottom. The ring grows until the discs fit,
    then up to three times more until the names fit too; if they still do not, every group's
    angle shrinks alike (the names left out are drawn when zoomed in). Any angle left over
    is shared out evenly.
    """

    def disc(at: float, r: float) -> float:
        return 2 * r / math.hypot(WIDE * ring * math.sin(at), ring * math.cos(at))

    def name(at: float) -> float:
        across = NAME_ACROSS / (abs(math.sin(at)) + 1e-9)
        return min(across, NAME_DOWN / (abs(math.cos(at)) + 1e-9))

    def sweep(need: Callable[[float, float], float]) -> tuple[list[float], float]:
        angles: list[float] = []
        at = -math.pi / 2
        for r in room:
            step = need(at + need(at, r) / 2, r)
            angles.append(at + step / 2)
            at += step
        return angles, at + math.pi / 2

    def both(at: float, r: float) -> float:
        return max(disc(at, r), name(at))

    for _ in range(60):
        if sweep(disc)[1] <= 2 * math.pi:
            break
        ring *= 1.1
    for _ in range(12):  # a ring up to three times wider, to make room for the names
        if sweep(both)[1] <= 2 * math.pi:
            break
        ring *= 1.1
    angles, total = sweep(both)
    top = angles[0]
    if total > 2 * math.pi:
        angles = [top + (a - top) * 2 * math.pi / total for a in angles]
    else:
        spare = (2 * math.pi - total) / len(room)
        angles = [a + i * spare for i, a in enumerate(angles)]
    return [a - math.pi / 2 - top for a in angles], ring  # the first at the top


def _arrange(
    found: Overview,
    hubs: list[str],
    ringed: list[str],
    rest: list[str],
    kinds: Mapping[str, str],
    neighbours: Mapping[str, set[str]],
) -> dict[str, tuple[int, int]]:
    """The hubs' discs side by side in the middle, the other seeds' discs on a ring (an
    ellipse) around them in order, the first at the top, clockwise; the lone entities below."""
    members: dict[str, list[str]] = defaultdict(list)
    for node, seed in found.group_of.items():
        if seed and node != seed:
            members[seed].append(node)
    for group in members.values():  # kind by kind, the best connected first
        group.sort(key=lambda n: (kinds.get(n, ""), -len(neighbours[n]), n))
    out: dict[str, tuple[float, float]] = {}
    discs = {seed: _disc(seed, members[seed]) for seed in hubs + ringed}
    # each hub in a slot as wide as the widest hub's disc: the line halfway between two hubs
    # then runs outside both discs, so each member is nearer its own hub than the other
    slot = max((discs[h][1] for h in hubs), default=0.0)
    x = -slot * len(hubs)
    inner = 0.0
    for h in hubs:
        where, r = discs[h]
        for node, (dx, dy) in where.items():
            out[node] = (x + slot + dx, dy)
        inner = max(inner, abs(x + slot) + r)
        x += 2 * slot
    bottom = inner + 2 * SPACING
    if ringed:
        room = [discs[s][1] + SPACING / 2 for s in ringed]
        widest = max(room)
        ring = inner + widest + 2 * SPACING if hubs else widest
        angles, ring = _ring(room, ring) if len(ringed) > 1 else ([-math.pi / 2], ring)
        for seed, angle in zip(ringed, angles, strict=True):
            cx, cy = WIDE * ring * math.cos(angle), ring * math.sin(angle)
            for node, (dx, dy) in discs[seed][0].items():
                out[node] = (cx + dx, cy + dy)
        bottom = ring + widest + 2 * SPACING
    if rest:
        where, r = _disc(None, sorted(rest, key=lambda n: (kinds.get(n, ""), n)))
        for node, (dx, dy) in where.items():
            out[node] = (dx, bottom + r + dy)
    return {node: (round(x), round(y)) for node, (x, y) in sorted(out.items())}
