"""Matching locked packages against the rule index, and explaining hits with dependency paths."""
