"""What every process shares: the Temporal client and its data converter, the payload codec,
the clients activities and routes need (Deps), settings access, logging and schedules.

The worker, the API, the CLI, the dev stack and the benchmarks all build on this package;
`workers/` holds only the worker itself.
"""
