"""The pattern families: one module per family, each pattern beside its detector."""
