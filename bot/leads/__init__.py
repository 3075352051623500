"""Leads as the database sees them: ingest, qualification, stage changes, erasure, re-scoring.

Features (Slack, outbound webhooks, digests, commands) plug in only through the
effect protocols; nothing here imports them.
"""
