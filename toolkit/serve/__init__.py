"""The clerk's web workbench (`nianbao serve`, issue 24): a local web application on 127.0.0.1
that runs the year's collection in a workspace from the browser, on the same library functions
as the commands, so with the same results.

security.py guards it (Host check, start token, CSRF, upload limits); jobs.py runs long work on
threads with progress and cancel; work.py is the work behind the buttons; chart.py draws the
rollup's charts; site.py, pages_year.py and pages_output.py are the pages; app.py assembles them;
server.py runs it.

May import: every package but cli (the command line starts it)."""

from __future__ import annotations
