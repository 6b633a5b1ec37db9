"""The pipeline's steps, in order, each a function with typed input and output:

1. `load`: `data/*.yaml` → `Facts` (every value keeps its `SourcePos`); `characters` holds the
   YAML-level text rules, `quotes` the source texts and verbatim quote matching.
2. `validate`: `Facts` + `Schema` (`ontology`) → `Checked` (ids, references, literals via
   `literals`, quotes found in their sources) or `KgError`.
3. `build`: `Checked` → `Built`, the graph as sorted N-Triples (`graph_view` reads it back
   as an rdflib graph; `graph_facts` as one record per statement).
4. `shapes` and `rules`: SHACL shapes (compiled to SPARQL by `shacl`, run on
   pyoxigraph) and rule queries (`questions` reads `.rq` files) → problems.

Writing the outputs is `kg.outputs`; nothing here caches, forks or writes files.
"""
