"""The command line `nianbao` (typer): the Chinese translation of click's words (cli_zh), shared
helpers (cli_support, cli_mail_support), the commands (cli_*), and the app with its entry point
`main` (cli). toolkit/__main__.py runs it for `python -m toolkit`.

May import: every package."""
