"""Entry point for `python -m coffeerun`."""

from coffeerun.cli import main

main()
