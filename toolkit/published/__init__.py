"""Published reports in: the model of a source document (published_source), its format readers
(published_text, published_html, published_docx, published_ocr, published_ocr_tables,
published_pdf, published_read), a plain-text table's rows in any layout (published_layouts),
matching it to the form (published_tables, published_sections),
one report read (published) and written as a standard workbook (importer); last year's reports
handed to the checker (last_year, the checker's `ReportReader`).

A new published-report format is a reader here, dispatched from published_read.py.

May import: core, form, xlsx, inputs, template, check, results, rollup, render."""
