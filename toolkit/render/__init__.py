"""The published report written from the figures: the model of a report (render_model), fonts
(render_fonts), the Word template (render_template), its writers (render_docx, render_html,
render_pdf), the district's draft from a rollup (render_draft) and the batch (render). A new output
format of the report is a writer here.

May import: core, form, xlsx, inputs, template, check, results, rollup."""
