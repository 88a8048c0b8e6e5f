"""The district's rollup of the checked files: its sheets (rollup_sheets), the levels of the
hierarchy (rollup_levels) and the command's work (rollup).

May import: core, form, xlsx, inputs, template, check, results."""
