"""The small neighbourhood picture on an entity's page: the entity in the middle and the
things it is linked with in two curved columns, left and right, their names written
outward so that no two names overlap. It is inline SVG drawn by the page template: no
script, nothing fetched, the same bytes every time."""

from __future__ import annotations

import math
from dataclasses import dataclass

from kg.publish.model import Thing

WIDTH = 900
ROW = 30  # vertical space per name
MAX_SHOWN = 32
"""At most this many neighbours are drawn; the page says how many more there are."""


@dataclass(frozen=True)
class Spot:
    thing: Thing
    x: float
    y: float
    anchor: str  # where its name goes: "start" (right of the dot), "end" or "middle"
    dx: float
    dy: float
    zh: str  # the name as drawn (cut to fit); the whole name is the spot's title
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


def picture(centre: Thing, neighbours: list[Thing]) -> Picture:
    """Where each neighbour goes: the first half down the left, the rest down the right,
    on arcs bowing away from the middle."""
    shown = neighbours[:MAX_SHOWN]
    left = shown[: (len(shown) + 1) // 2]
    right = shown[len(left) :]
    rows = max(len(left), 3)
    height = rows * ROW + 60
    cx, cy = WIDTH / 2, height / 2
    spots = []
    for side, things in ((-1, left), (1, right)):
        for i, thing in enumerate(things):
            y = cy + (i - (len(things) - 1) / 2) * ROW
            bow = math.cos((y - cy) / (height / 2) * math.pi / 2)
            x = cx + side * (150 + 90 * bow)
            spots.append(
                Spot(
                    thing,
                    round(x, 1),
                    round(y, 1),
                    "start" if side > 0 else "end",
                    10.0 * side,
                    4.0,
                    _cut(thing.names.zh, 15),
                    _cut(thing.names.en, 32),
                )
            )
    middle = Spot(centre, cx, cy, "middle", 0.0, 30.0, centre.names.zh, centre.names.en)
    return Picture(WIDTH, int(height), middle, spots, len(neighbours) - len(shown))
