"""Container images (``-image``): archives read in memory, layers applied, then scanned."""
