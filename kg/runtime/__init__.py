"""How work runs, not what it does: a forked second process (`forked`) and pausing Python's
garbage collector while large graphs are made (`collector`). Only the orchestration in
`kg.api` and `kg.incremental` should decide to use them."""
