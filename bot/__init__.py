"""leadbot: turn raw lead events into qualified sales handoffs in Slack."""

__version__ = "0.1.0"
