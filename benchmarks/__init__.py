"""The benchmark of issue 8: `python benchmarks/bench.py [--quick]`."""
