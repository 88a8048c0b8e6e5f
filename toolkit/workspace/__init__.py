"""The year's workspace: the ledger (SQLite: what must outlive a command), the folder for the year
(workspace), creating it (workspace_init), the one decision per agency (workspace_year), the year at
a glance (workspace_status) and its mail (workspace_mail).

May import: every package before it (core … mail), not cli."""
