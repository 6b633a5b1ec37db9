"""Curator tools that read a built graph back: `coverage` (how much of each source text is
quoted), `diff` (facts added, removed and changed between two builds) and `stats`."""
