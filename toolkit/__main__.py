"""`python -m toolkit` runs the nianbao command line."""

from .cli.cli import main

main()
