"""Keeping credentials out of logs, run records, reports and exports."""
