"""The ``/leads`` slash command: parse what a person typed, carry it out, word the answer."""
