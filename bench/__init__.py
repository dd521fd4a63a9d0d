"""Benchmarks and the large-dataset generator (not part of `make test`)."""
