#!/usr/bin/env bash
# The test command: set up (idempotent), lint, type-check, then run the whole suite.
# When WARDEN_TEST_POSTGRES_URL is set, the storage tests also run against PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src tests
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
