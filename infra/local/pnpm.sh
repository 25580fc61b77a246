#!/usr/bin/env bash
# Runs the pinned pnpm (package.json "packageManager") through corepack, which ships with Node.
# COREPACK_INTEGRITY_KEYS=0: corepack's bundled signing keys lag the registry's, and its
# signature check otherwise fails with "No compatible signature found".
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_INTEGRITY_KEYS=0
exec corepack pnpm "$@"
