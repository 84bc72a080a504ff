"""Incremental recrawl and expiry: known ads, the TTL middleware, touches and expiry marks."""
