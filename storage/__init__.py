"""Persistence for leadbot: tables, engine set-up, migrations and queries.

Nothing in here imports from ``bot`` or ``handlers``; the core asks storage for
data, never the other way round.
"""
