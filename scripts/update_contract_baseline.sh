#!/usr/bin/env bash
# Moves the contract baseline to the contracts in the working tree.
#
# proto/baseline/chibo.json is an image (buf build, JSON, pretty-printed so
# that a move reads as a diff in review) of the contracts as last released.
# The ctest `buf_breaking` compares proto/ with it, so a change that would
# break a client of those contracts fails the tests on every machine and in
# CI, whatever HEAD is. The baseline moves only through this script, on
# purpose: after a release, or when a breaking change has been agreed (a new
# major version, or a field nobody has used yet).
#
#   scripts/update_contract_baseline.sh          write the new baseline
#   scripts/update_contract_baseline.sh --check  only show what would break
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHECK=0
case "${1:-}" in
  "") ;;
  --check) CHECK=1 ;;
  -h | --help)
    sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *) chibo_die "unknown argument '$1' (see --help)" ;;
esac

[[ -x "$CHIBO_BUF" ]] || chibo__install_npm_tools
command -v python3 >/dev/null || chibo_die "python3 is needed to pretty-print the image"
cd "$CHIBO_ROOT"
BASELINE=proto/baseline/chibo.json

"$CHIBO_BUF" lint proto || chibo_die "buf lint fails: fix the contracts first"
if [[ -f "$BASELINE" ]]; then
  chibo_log "changes that break the current baseline (none is fine):"
  "$CHIBO_BUF" breaking proto --against "$BASELINE" || true
fi
((CHECK)) && exit 0

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$CHIBO_BUF" build proto --exclude-source-info -o "$TMP/image.json"
python3 - "$TMP/image.json" "$BASELINE" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    image = json.load(f)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(image, f, indent=1, ensure_ascii=False)
    f.write("\n")
PY
"$CHIBO_BUF" breaking proto --against "$BASELINE"
chibo_log "wrote $BASELINE; commit it with a message that says why it moved"
