import gc

# Before any import: see ``cli.entry`` (no cyclic garbage collection during a short run).
gc.set_threshold(100_000, 10, 10)

from gouvernante.cli import entry  # noqa: E402

entry()
