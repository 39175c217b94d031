"""Climate impact: factor sets with a source per line and municipal overrides, the reuse ledger, and the report."""
