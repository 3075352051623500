"""The running process: components, scheduled jobs, metrics, logs, and a threaded server."""
