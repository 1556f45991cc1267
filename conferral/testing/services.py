"""Fixtures (filled in by the part of the suite that needs them)."""
