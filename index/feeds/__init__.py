"""Parsers for the census feeds that schools and partners send in."""
