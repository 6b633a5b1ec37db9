"""Asking the built graph: `query` (saved questions and ad-hoc SPARQL on pyoxigraph),
`results` (answers in every results format), `text` (SPARQL text checks), `serve` (the
read-only endpoint) and `push` (the graph into an external store over the Graph Store
Protocol)."""
