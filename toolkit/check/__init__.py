"""Checking returned files: one file (inspection_values, inspection), last year's data (previous),
the pandera rules (schema, validate), the batch in the pool (batch), the check command (check),
and a published report against the submissions (compare).

May import: core, form, xlsx, inputs, template, published."""
