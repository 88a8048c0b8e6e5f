"""`python -m toolkit` runs the nianbao command line."""

from .cli import main

main()
