"""Health monitors: pure checks of a finished crawl and the extension that runs them."""
