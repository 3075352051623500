"""The pure rules: conditions, scoring, lifecycle, normalisation, funnel and insight arithmetic.

Nothing here touches a database, the network or a web framework, so every rule
is tested with plain values (``tests/unit/core``).
"""
