"""Helpers shared by the tests: crawlers, servers, subprocess runs."""
