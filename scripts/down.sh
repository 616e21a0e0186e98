#!/usr/bin/env bash
# Stops what scripts/up.sh started: the services (SIGTERM, up to 15 s each,
# last started first), then the private MariaDB. Data in .chibo/ is kept.
# Safe to run when nothing is running.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STATE="$CHIBO_ROOT/.chibo"
RUN="$STATE/run"
KEEP_DB=0

usage() {
  cat <<EOF
Usage: scripts/down.sh [--keep-db] [--help]

Stops the chibo services started by scripts/up.sh (foreground or --detach)
and then its private MariaDB. Data, keys and passwords in .chibo/ are kept.

Options:
  --keep-db    leave the private MariaDB running
  -h, --help   this text
EOF
}

parse_args() {
  while (($# > 0)); do
    case "$1" in
      --keep-db) KEEP_DB=1 ;;
      -h | --help)
        usage
        exit 0
        ;;
      *) chibo_die "unknown option: $1 (see scripts/down.sh --help)" ;;
    esac
    shift
  done
}

# A foreground up.sh stops its own services and database in order on
# SIGTERM; let it, rather than pulling them out from under it.
stop_foreground_up() {
  local pid
  [[ -f "$RUN/up.pid" ]] || return 0
  pid="$(<"$RUN/up.pid")"
  if chibo_pid_is "$pid" "up.sh"; then
    chibo_log "asking scripts/up.sh (pid $pid) to stop"
    kill -TERM "$pid" 2>/dev/null || true
    # 15 s per service plus the database's shutdown.
    chibo_wait_exit "$pid" 150 || chibo_warn "up.sh (pid $pid) still running"
  fi
  rm -f "$RUN/up.pid"
}

stop_services() {
  local i svc pid
  for ((i = ${#CHIBO_SERVICES[@]} - 1; i >= 0; i--)); do
    svc="${CHIBO_SERVICES[i]}"
    [[ -f "$RUN/$svc.pid" ]] || continue
    pid="$(<"$RUN/$svc.pid")"
    # The pid file may be stale and the number reused: check the command.
    if chibo_pid_is "$pid" "chibo-$svc"; then
      chibo_stop_pid "$pid" "$svc" 15
    fi
    rm -f "$RUN/$svc.pid" "$RUN/$svc.port"
  done
}

main() {
  parse_args "$@"
  if [[ ! -d "$STATE" ]]; then
    chibo_log "nothing to stop ($STATE does not exist)"
    return 0
  fi
  stop_foreground_up
  stop_services
  if ((KEEP_DB == 0)); then
    chibo_db_stop "$STATE/db"
  fi
  chibo_log "stopped"
}

main "$@"
