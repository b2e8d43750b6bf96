"""How long the e2e layer waits on a loop, the same in each of its test files."""

# A cold first build installs the dependencies from PyPI.
DEPLOY_TIMEOUT = 900
# From a save until every pod serves it (or the loop says so).
SYNC_TIMEOUT = 30
