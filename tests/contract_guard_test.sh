#!/usr/bin/env bash
# Tests the contract guard itself: on a scratch copy of proto/, `buf
# breaking` against the committed baseline passes unchanged, and fails on
# deliberately breaking changes (a field's type changed, an RPC removed).
# Usage: tests/contract_guard_test.sh BUF SOURCE_DIR
set -euo pipefail

BUF="$1"
SRC="$2"
BASELINE="$SRC/proto/baseline/chibo.json"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

fail() {
  echo "contract guard test: FAILED: $*" >&2
  exit 1
}

[[ -f "$BASELINE" ]] || fail "$BASELINE is missing (scripts/update_contract_baseline.sh)"

# Copies proto/ and applies `sed EXPRESSION` to FILE in the copy; fails if
# the expression changed nothing (the contract drifted from this test).
scratch() { # NAME FILE EXPRESSION
  local dir="$TMP/$1"
  mkdir -p "$dir"
  cp -r "$SRC/proto" "$dir/"
  if [[ -n "$2" ]]; then
    sed -i -e "$3" "$dir/proto/$2"
    if cmp -s "$SRC/proto/$2" "$dir/proto/$2"; then
      fail "$1: '$3' changed nothing in $2"
    fi
  fi
  echo "$dir"
}

# Prints buf's output; returns buf's status. FORMAT: text or json (one
# object per problem, with the rule as "type").
guard() { # DIR [FORMAT]
  (cd "$1" && "$BUF" breaking proto --against "$BASELINE" \
    --error-format="${2:-text}" 2>&1)
}

dir="$(scratch unchanged "" "")"
out="$(guard "$dir")" || fail "the unchanged contracts do not pass the guard: $out"

expect_broken() { # NAME FILE EXPRESSION RULE
  local dir out
  dir="$(scratch "$1" "$2" "$3")"
  if out="$(guard "$dir" json)"; then
    fail "$1: buf breaking passed on a breaking change"
  fi
  grep -q "\"type\":\"$4\"" <<<"$out" || fail "$1: expected $4 in: $out"
  echo "$1: refused as expected:"
  printf '  %s\n' "$out"
}

expect_broken field_type chibo/registry/v1/registry.proto \
  '0,/string page_token = 4;/s//int64 page_token = 4;/' FIELD_SAME_TYPE
expect_broken rpc_deleted chibo/registry/v1/registry.proto \
  '/^ *rpc ListCadres(/,/^  }$/d' RPC_NO_DELETE
echo "contract guard test: ok"
