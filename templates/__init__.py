"""The bundled form definitions (*.toml), installed as the package `toolkit.templates` (see
pyproject.toml) and read through importlib.resources; this folder stays at the repository root."""
