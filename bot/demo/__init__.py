"""Sample traffic for a first look: sign and send lead events to a running leadbot."""
