"""Speed and cost benchmarks, run by `make bench` (never timed assertions in tests)."""
