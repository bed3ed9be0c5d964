"""Benchmarks: `make bench`. Each figure is a median over repeats and a ratio against a baseline
measured in the same run, because these machines are shared and noisy."""
