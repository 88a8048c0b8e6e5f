"""`python -m toolkit` runs the nianbao command line."""

import multiprocessing

from .cli.cli import main

if __name__ == "__main__":
    # A frozen Windows executable starts its pool workers as itself: without this each worker
    # would run the command line again instead of serving the pool.
    multiprocessing.freeze_support()
    main()
