"""Where lockfiles come from, read without running anything: git object stores (``git``).

A source yields places (repository, ref, commit, path) and the bytes at each place; parsing and
matching stay with ``lockfiles`` and ``match``.
"""
