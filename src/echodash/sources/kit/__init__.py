"""Helpers every sender shares: signatures, payload reading, key facts, title books."""
