"""Outbound webhooks: tell other systems what happened to a lead, signed with Standard Webhooks."""
