"""The graph published as Linked Data: a page for every IRI, for people and programs.

`describe` holds the SPARQL that says what a page or a description shows, `model` turns
what those queries return into page data, `render` draws the pages (the same Jinja
templates for `kg serve` and `kg site`, which differ only in how links are written), `svg`
the neighbourhood picture, and `site` writes the static site.
"""
