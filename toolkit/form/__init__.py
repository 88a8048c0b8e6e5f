"""The form definition and the contract built on it: the form and its loader (form, form_file,
form_charts), the findings model (findings), the rule kinds (rules, stated, figures), where each
cell sits on a sheet (layout, locate), the identity and `_meta` contract between the writer and
the reader (identity, contract, fill, rollup_names) and the formula compiler (formulas).

A new rule kind goes in rules.py (its loader entries in form_file.py, its texts in core).

May import: core."""
