"""Routing to people: teams, fair rotation, offers that pass on, account owners first."""
