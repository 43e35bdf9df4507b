from gouvernante.cli import entry

entry()
