"""Download handlers: response bodies that go to disk instead of memory."""
