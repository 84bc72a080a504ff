"""`python -m jobcrawl.demo` (what `make demo` runs): the demo tour, see demo/tour.py."""

from jobcrawl.demo.tour import main

main()
