"""What the user gives a command: the roster of agencies (roster), the arguments (arguments),
the manifest of a template folder (manifest) and which files a glob or folder names (discover).

May import: core, form, xlsx."""
