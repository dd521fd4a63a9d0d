"""Benchmarks and the large-dataset generator (not part of `make test`)."""

import os

# The benchmarks are development tools: the settings production requires have defaults here.
os.environ.setdefault("REFNET_ENV", "development")
