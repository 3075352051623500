"""The Slack feature: Bolt app, Web API client, cards, handoff, reminders, erasure, deciders."""
