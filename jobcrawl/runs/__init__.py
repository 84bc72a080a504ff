"""The crawl run: its state, figures, record and history."""
