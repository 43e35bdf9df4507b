"""File-system access for every role: the one walker, the one safe read, decoding."""
