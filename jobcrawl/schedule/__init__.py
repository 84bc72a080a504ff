"""Scheduled runs of many sources: sources files and the isolated-subprocess runner."""
