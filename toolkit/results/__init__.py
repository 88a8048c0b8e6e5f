"""What a check produces for people: the feedback copies sent back to agencies (feedback) and the
terminal/JSON/xlsx report (report). A new output of a check goes here.

May import: core, form, xlsx, inputs, template, check."""
