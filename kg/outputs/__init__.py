"""Step 5: the built graph written as files (`export`: the writer registry `WRITERS`,
Turtle, N-Triples, JSON-LD, GraphML and the explorer's page, written atomically)."""
