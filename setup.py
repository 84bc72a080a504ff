"""Lets `scrapyd-deploy` build the project's egg (`python setup.py bdist_egg`).

Everything is declared in pyproject.toml; without this file scrapyd-deploy writes its
own setup.py, which packages the tests too and leaves the migration scripts out.
"""

from setuptools import setup

setup()
