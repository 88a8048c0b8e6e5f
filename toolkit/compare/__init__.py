"""Published reports against the submissions (`nianbao compare`): what agencies published, read
by the published-report readers, against what the office checked, read by the checker.

May import: core, form, xlsx, inputs, template, check, results, rollup, render, published."""
