"""Slack listeners: buttons, modals and the slash command, translated into calls on ``bot``."""
