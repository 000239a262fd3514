"""The load benchmark's locustfile, plan and settings (see benchmarks/bench_load.py)."""
