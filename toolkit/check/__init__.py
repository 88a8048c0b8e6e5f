"""Checking returned files: one file (inspection_values, inspection), last year's data (previous),
the pandera rules (schema, validate), the batch in the pool (batch), the check command (check).
Last year's published reports come in through `previous.ReportReader`, handed in by the caller:
the published-report readers sit above the checker.

May import: core, form, xlsx, inputs, template."""
