"""The ``leadbot`` command line, one module per command group (``leadbot --help`` lists them)."""
