"""`scrapy export`: stored jobs out as CSV, JSONL, Parquet, JobPosting JSON-LD or a text corpus.

query.py      which rows (filters, order, the reproducible sample)
database.py   reading them: checks, one snapshot, raw streamed chunks
columns.py    stored values -> export values -> CSV cells, column by column
writers.py    one writer per format, and the FORMATS registry
jobposting.py one row -> one schema.org JobPosting
output.py     temporary outputs renamed into place; the hashing writer thread
manifest.py   manifest.json: what was exported, from what, with which hashes; --verify
run.py        run_export(): the above, streamed end to end
"""
