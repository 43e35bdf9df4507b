"""Rules: the schema 1.0.0 model, its strict loader and the bundled pack.

Import what you need from the submodules (``gouvernante.rules.loader``, ``.model``, ``.ruleset``,
``.index``): this package imports nothing itself, so ``rules.model`` stays cheap to import.
"""
