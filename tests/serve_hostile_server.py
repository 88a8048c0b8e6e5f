"""The workbench as its own process for tests/test_hostile_serve.py: `python -m
tests.serve_hostile_server WORKSPACE MAX_BODY` serves WORKSPACE on a free port of 127.0.0.1 with
an upload limit of MAX_BODY bytes, prints its start address as the first line and serves until
its standard input closes (so a test that dies takes the server with it)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from toolkit.form.form_file import standard_form
from toolkit.serve.security import Guard, Limits
from toolkit.serve.server import Workbench


def main() -> None:
    workspace, max_body = Path(sys.argv[1]), int(sys.argv[2])
    guard = Guard(limits=Limits(max_body=max_body, max_files=20, max_fields=40))
    bench = Workbench(workspace, form=standard_form(), port=0, guard=guard)
    print(bench.url, flush=True)

    def watch() -> None:
        # the raw descriptor, not sys.stdin: a worker forked while this thread held
        # sys.stdin's lock would hang when multiprocessing closes sys.stdin in it
        while os.read(0, 4096):
            pass  # returns once the test closes the pipe (or dies)
        bench.stop()

    threading.Thread(target=watch, daemon=True).start()
    bench.run()


if __name__ == "__main__":
    main()
