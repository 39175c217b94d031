"""Climate impact: factor sets with a source per line, municipal overrides, and (later) the reuse report."""
