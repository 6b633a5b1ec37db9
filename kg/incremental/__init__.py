"""The build cache: what a build keeps in `OUT/.kg-cache/` so that a rebuild does only the
work its changed inputs need (`cache`: the whole-build record; `units`: one unit per data
file; `patch`: outputs patched from the last build's). Only `kg.api` imports it."""
