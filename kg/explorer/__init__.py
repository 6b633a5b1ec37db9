"""The offline network explorer: the built graph as a networkx network of entities, laid
out and rendered into one HTML page that draws with the vis-network that pyvis ships."""
