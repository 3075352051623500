"""``python -m bot.cli``: the same as the ``leadbot`` command."""

from bot.cli.main import main

main()
