"""Writing the templates an agency fills in: the private xlsxwriter hooks (xlsxwriter_hooks),
styles, the sheet writers (template_sheets, instructions, review_sheet), one workbook (workbook)
and the batch for every agency (generate).

May import: core, form, xlsx, inputs."""
