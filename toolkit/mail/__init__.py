"""Mail: the account (mail_account), one message (mail_message), sending (send), the outbox of
templates (mail_outbox), attachments received (mail_attachments), collecting them (collect) and
answering each agency (mail_reply).

May import: core, form, xlsx, inputs, template, check, results, rollup, render, published, compare."""
