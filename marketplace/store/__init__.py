"""The reuse store: intake, stock, moves between locations and write-offs."""
