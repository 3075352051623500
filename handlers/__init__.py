"""Inbound edges: translate HTTP requests into calls on ``bot``; no business rules here."""
