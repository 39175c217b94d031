"""Search and browse: full text with Norwegian folding, facets, saved searches."""
