"""Reading untrusted spreadsheet files, bounded: the .xlsx package (package), its sheets
(xlsx_sheet, xlsx), the .xls/.ods pre-scan (prescan), one workbook read (read) and cell values
(values). Never writes: the template package is the writer.

May import: core, form."""
