"""Benchmarks (``make bench``): workloads run against PostgreSQL, figures in ``var/bench/results.json``."""
