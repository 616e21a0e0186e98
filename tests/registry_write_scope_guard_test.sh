#!/usr/bin/env bash
# Every registry write transaction holds the caller's scope inside itself
# (services/registry/write_scope.h): no registry source but write_scope.cc
# opens one directly. The one exception is the audit of a refused identity
# clash, which records a refusal and writes nothing the caller asked for.
set -euo pipefail
root="$1"
found=$(grep -nE 'TxMode::kWrite|[^A-Za-z]IdempotentWrite\(' \
  "$root"/services/registry/*.cc | grep -v '^[^:]*/write_scope.cc:' |
  grep -v 'recording a refused attempt' || true)
if [[ -n "$found" ]]; then
  echo "registry write transactions that do not hold the caller's scope" \
       "(use ScopedWrite / ScopedIdempotentWrite):" >&2
  echo "$found" >&2
  exit 1
fi
