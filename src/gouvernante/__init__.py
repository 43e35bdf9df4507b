"""gouvernante: find known npm supply-chain compromises in projects, installs, caches and hosts."""

__version__ = "0.1.0"
