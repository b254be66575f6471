"""Append-only record of administrative changes (who, when, before → after)."""
