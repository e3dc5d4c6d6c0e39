"""`profitshare bench`: throughput, latency and scale of the embedded stack, with a Temporal
floor measured on the same server in the same run (CONTRACT.md, "Benchmark output")."""
