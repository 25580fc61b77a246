#!/usr/bin/env bash
# Installs the workspace's dependencies from the lockfile (quietly when nothing changed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bash infra/local/pnpm.sh install --frozen-lockfile --reporter=silent
