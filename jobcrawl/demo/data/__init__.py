"""Phrase banks for the demo board's generated ads (Python modules, so they always ship)."""
