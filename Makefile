# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-requirements
DEMO_PORT ?= 8765

.PHONY: setup demo test lint bench clean

setup: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

demo: setup
	$(BIN)/python -m jobcrawl.demo --port $(DEMO_PORT)

# In parallel, one worker per core (pytest-xdist); each test file runs on one worker, so its
# module fixtures (a demo board, a crawled database) start once as in a serial run.
test: setup
	$(BIN)/python -m pytest -n auto --dist loadfile

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python benchmarks/crawl.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache jobcrawl.db
