"""The words and the plumbing every package may use: the texts table (texts) and the message
catalogue (catalogue) that hold every Chinese word, plain-text helpers (text), the files bundled in
templates/ (bundled), atomic writes, the overwrite refusal and our outputs' marker (outputs), and
the worker pool (pool).

May import: nothing of the project (the standard library and dependencies only)."""
