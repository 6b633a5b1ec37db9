"""The small neighbourhood picture on an entity's page: the entity in the middle and the
things it is linked with on one or two rings, drawn as inline SVG by the page template
(no script, nothing fetched, the same bytes every time)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from kg.publish.model import Thing

WIDTH, HEIGHT = 900, 440
MAX_SHOWN = 32
"""At most this many neighbours are drawn; the page says how many more there are."""


@dataclass(frozen=True)
class Spot:
    thing: Thing
    x: float
    y: float
    anchor: str  # where its name goes: "start", "middle" or "end"
    dx: float
    dy: float
    zh: str  # the name as drawn (cut to fit), the whole name is the spot's title
    en: str


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    centre: Spot
    spots: list[Spot]
    more: int  # neighbours not drawn


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _spot(thing: Thing, x: float, y: float, angle: float) -> Spot:
    cos = math.cos(angle)
    anchor = "middle" if abs(cos) < 0.3 else ("start" if cos > 0 else "end")
    dx = 0.0 if anchor == "middle" else (9.0 if cos > 0 else -9.0)
    dy = 4.0 if anchor != "middle" else (18.0 if math.sin(angle) > 0 else -10.0)
    return Spot(thing, x, y, anchor, dx, dy, _cut(thing.names.zh, 10), _cut(thing.names.en, 22))


def picture(centre: Thing, neighbours: list[Thing]) -> Picture:
    """Where each neighbour goes: evenly round a ring (two rings, alternating, past 12)."""
    shown = neighbours[:MAX_SHOWN]
    cx, cy = WIDTH / 2, HEIGHT / 2
    spots = []
    two_rings = len(shown) > 12
    for i, thing in enumerate(shown):
        angle = 2 * math.pi * i / max(1, len(shown)) - math.pi / 2
        scale = 0.62 if two_rings and i % 2 else 1.0
        x = cx + math.cos(angle) * 300 * scale
        y = cy + math.sin(angle) * 170 * scale
        spots.append(_spot(thing, round(x, 1), round(y, 1), angle))
    middle = Spot(centre, cx, cy, "middle", 0.0, 30.0, centre.names.zh, centre.names.en)
    return Picture(WIDTH, HEIGHT, middle, spots, len(neighbours) - len(shown))
