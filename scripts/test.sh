#!/usr/bin/env bash
# Builds chibo and runs every test (ctest) against a throwaway MariaDB that
# lives only as long as this script. Extra arguments go to ctest, e.g.
#   scripts/test.sh -L unit
#   scripts/test.sh -R registry --repeat until-fail:3
# Exit status: ctest's, or the failing step's if installing or building failed.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  cat <<EOF
Usage: scripts/test.sh [ctest arguments...]

Installs what is missing, builds, starts a private MariaDB (socket only, in
a temporary directory), runs ctest --output-on-failure --no-tests=error
-j\$CHIBO_JOBS with your arguments, then removes the database.

Environment:
  CHIBO_BUILD_DIR   build directory (default: build)
  CHIBO_JOBS        parallel build and test jobs (default: 2)
Exported to the tests:
  CHIBO_TEST_DB_SOCKET, CHIBO_TEST_DB_USER (root), CHIBO_TEST_DB_PASSWORD
  (empty), CHIBO_BUF (path of buf)
EOF
  exit 0
fi

DB_TMP=""
CTEST_PID=""
TIMINGS=()
PHASE_START=$SECONDS
TOTAL_START=$SECONDS

# Records how long the phase that just ended took.
phase_done() {
  TIMINGS+=("$(printf '%-8s %4ds' "$1" $((SECONDS - PHASE_START)))")
  PHASE_START=$SECONDS
}

# Runs on every exit: the database and its directory never outlive us.
cleanup() {
  local rc=$?
  trap '' INT TERM HUP
  if [[ -n "$CTEST_PID" ]]; then
    # The whole group: ctest and the tests it is running.
    kill -TERM -- "-$CTEST_PID" 2>/dev/null || true
    wait "$CTEST_PID" 2>/dev/null || true
  fi
  if [[ -n "$DB_TMP" ]]; then
    chibo_db_stop "$DB_TMP" || true
    rm -rf "$DB_TMP"
  fi
  if ((${#TIMINGS[@]} > 0)); then
    echo "---- timing ----" >&2
    printf '  %s\n' "${TIMINGS[@]}" >&2
    printf '  %-8s %4ds (exit %d)\n' total $((SECONDS - TOTAL_START)) "$rc" >&2
  fi
  exit "$rc"
}

main() {
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP

  chibo_install_deps
  phase_done deps
  chibo_build "$CHIBO_BUILD_DIR"
  phase_done build

  DB_TMP="$(mktemp -d "${TMPDIR:-/tmp}/chibo-test.XXXXXX")"
  chibo_db_start "$DB_TMP"
  export CHIBO_TEST_DB_SOCKET="$DB_TMP/mysqld.sock"
  export CHIBO_TEST_DB_USER=root
  export CHIBO_TEST_DB_PASSWORD=
  export CHIBO_BUF="$CHIBO_BUF"
  phase_done db

  local rc=0
  run_ctest "$@" || rc=$?
  phase_done tests
  return "$rc"
}

# ctest runs as a background job in its own process group, and we wait for
# it: bash runs a trap only once the foreground command ends, so a SIGTERM
# sent to this script would otherwise wait for the slowest test. The trap
# (cleanup) stops the group.
run_ctest() {
  local rc=0
  set -m
  ctest --test-dir "$CHIBO_BUILD_DIR" --output-on-failure --no-tests=error \
    -j "$CHIBO_JOBS" "$@" </dev/null &
  CTEST_PID=$!
  set +m
  wait "$CTEST_PID" || rc=$?
  CTEST_PID=""
  return "$rc"
}

main "$@"
