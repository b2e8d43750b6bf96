"""The project's own commands: what the Makefile runs for a user (`python3 -m scripts ...`),
and the names and numbers that every other part of the repository reads (scripts.project)."""
