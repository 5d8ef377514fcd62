"""numpy-only image operations: I/O, colour, clipping analysis, decomposition, tone mapping,
classical reconstruction and export. Imports neither Qt nor torch (checked by import-linter)."""
