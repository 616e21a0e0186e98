#!/usr/bin/env bash
# Builds chibo and runs every built service locally, with a private MariaDB
# (or an external MySQL/MariaDB), until Ctrl-C. Safe to re-run: data, keys
# and database passwords persist under .chibo/. See --help.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STATE="$CHIBO_ROOT/.chibo"
DB_DIR="$STATE/db"
SECRETS="$STATE/secrets"
LOGS="$STATE/logs"
RUN="$STATE/run"
EMBEDDED_DB_PORT=3307
HEALTH_TIMEOUT="${CHIBO_HEALTH_TIMEOUT:-60}"
ADMIN_BIN="$CHIBO_BUILD_DIR/tools/admin/chibo-admin"

# Set by parse_args / main.
BUILD=1
DETACH=0
EXTERNAL_DB="${CHIBO_DB:-}"
DB_HOST_URL=""
AUTH_ARGS=()
TOKEN=""
STARTED=()     # services started by this run, in start order
EMBEDDED_DB=0  # 1 once this run has started (or reused) the private MariaDB
STOPPED=0

usage() {
  cat <<EOF
Usage: scripts/up.sh [--db HOST:PORT] [--no-build] [--detach] [--help]

Installs what is missing, builds, starts a private MariaDB (127.0.0.1:$EMBEDDED_DB_PORT,
data in .chibo/db) and every built service, waits until each is healthy,
prints how to call them, then stays in the foreground: Ctrl-C stops the
services and then the database. Data survives a restart.

Options:
  --db HOST:PORT   use an external MySQL/MariaDB instead of the private one
  --no-build       skip apt/npm checks and the build; use the binaries as built
  --detach         leave everything running in the background and exit
                   (stop it with scripts/down.sh)
  -h, --help       this text

Environment:
  CHIBO_DB=HOST:PORT            same as --db
  CHIBO_DB_ADMIN_USER           external DB: an account allowed to create
  CHIBO_DB_ADMIN_PASSWORD         schemas and users; up.sh then provisions them
  CHIBO_DB_PASSWORD_<SVC>       a service's DB password (e.g. ..._REGISTRY);
                                required for an external DB without admin
                                credentials, otherwise generated once
  CHIBO_BUILD_DIR               build directory (default: build)
  CHIBO_JOBS                    parallel build jobs (default: 2)
  CHIBO_HEALTH_TIMEOUT          seconds to wait for each service (default: 60)

Services and ports: registry 50051, scheduling 50052, supervision 50053,
evaluation 50054 (each started only if built). State: .chibo/ (db/, secrets/,
logs/, run/).
EOF
}

parse_args() {
  while (($# > 0)); do
    case "$1" in
      --db)
        (($# >= 2)) || chibo_die "--db needs HOST:PORT"
        EXTERNAL_DB="$2"
        shift
        ;;
      --db=*) EXTERNAL_DB="${1#--db=}" ;;
      --no-build) BUILD=0 ;;
      --detach) DETACH=1 ;;
      -h | --help)
        usage
        exit 0
        ;;
      *) chibo_die "unknown option: $1 (see scripts/up.sh --help)" ;;
    esac
    shift
  done
  if [[ -n "$EXTERNAL_DB" && ! "$EXTERNAL_DB" =~ ^[^:]+:[0-9]+$ ]]; then
    chibo_die "--db/CHIBO_DB must be HOST:PORT, got '$EXTERNAL_DB'"
  fi
}

# One up.sh at a time: a second one would restart the services under the
# first, whose Ctrl-C would then stop the database under the second.
take_lock() {
  exec 9>"$RUN/up.lock"
  if ! flock -n 9; then
    chibo_die "another scripts/up.sh is running (pid $(cat "$RUN/up.pid" 2>/dev/null || echo '?')); stop it with Ctrl-C or scripts/down.sh"
  fi
  echo "$$" >"$RUN/up.pid"
}

built_services() {
  local svc
  for svc in "${CHIBO_SERVICES[@]}"; do
    [[ -x "$(chibo_service_binary "$svc")" ]] && echo "$svc"
  done
  return 0
}

# ---------------------------------------------------------------- database

setup_embedded_db() {
  EMBEDDED_DB=1
  chibo_db_start "$DB_DIR" "$EMBEDDED_DB_PORT"
  chibo_db_provision "$DB_DIR/mysqld.sock" "$SECRETS"
  DB_HOST_URL="unix://$DB_DIR/mysqld.sock"
}

setup_external_db() {
  local host="${EXTERNAL_DB%:*}" port="${EXTERNAL_DB##*:}" svc var missing=()
  DB_HOST_URL="tcp://$host:$port"
  if [[ -n "${CHIBO_DB_ADMIN_USER:-}" ]]; then
    chibo_log "provisioning on $host:$port as $CHIBO_DB_ADMIN_USER"
    chibo_db_provision_remote "$host" "$port" "$CHIBO_DB_ADMIN_USER" "$SECRETS"
    return 0
  fi
  # No admin account: the schemas and users must exist already, and we
  # need each service's password.
  chibo_log "no CHIBO_DB_ADMIN_USER: not provisioning $host:$port"
  for svc in "$@"; do
    var="CHIBO_DB_PASSWORD_${svc^^}"
    [[ -n "${!var:-}" ]] || missing+=("$var")
  done
  ((${#missing[@]} == 0)) ||
    chibo_die "external DB without CHIBO_DB_ADMIN_USER needs: ${missing[*]}"
  for svc in "$@"; do
    chibo_service_password "$SECRETS" "$svc" >/dev/null
  done
}

# ---------------------------------------------------------------- auth

# chibo-admin is being written in parallel; until it is built, run the
# services without authentication rather than not at all.
setup_auth() {
  if [[ ! -x "$ADMIN_BIN" ]]; then
    chibo_warn "$ADMIN_BIN is not built: starting the services with --insecure_dev (NO authentication; every caller is system admin)"
    AUTH_ARGS=(--insecure_dev)
    rm -f "$SECRETS/admin.token"
    return 0
  fi
  # keygen prints the new key id on stdout; keep stdout for the how-to.
  "$ADMIN_BIN" keygen --out "$SECRETS/keys.json" --if_missing >&2
  chmod 0600 "$SECRETS/keys.json"
  TOKEN="$("$ADMIN_BIN" token --keys "$SECRETS/keys.json" --subject admin \
    --role system_admin --scope '*' --ttl 8h)"
  [[ -n "$TOKEN" ]] || chibo_die "chibo-admin token printed nothing"
  (umask 077 && printf '%s\n' "$TOKEN" >"$SECRETS/admin.token")
  AUTH_ARGS=(--auth_keys_file="$SECRETS/keys.json")
}

# ---------------------------------------------------------------- services

# Services left by an earlier --detach (or a killed run) hold the ports and
# may be an older build: replace them.
stop_leftover_services() {
  local svc pid i
  for ((i = ${#CHIBO_SERVICES[@]} - 1; i >= 0; i--)); do
    svc="${CHIBO_SERVICES[i]}"
    [[ -f "$RUN/$svc.pid" ]] || continue
    pid="$(<"$RUN/$svc.pid")"
    if chibo_pid_is "$pid" "chibo-$svc"; then
      chibo_stop_pid "$pid" "$svc (left from an earlier run)" 15
    fi
    rm -f "$RUN/$svc.pid" "$RUN/$svc.port"
  done
}

# Auth is being added to the services while chibo-admin already exists: a
# binary that does not know --auth_keys_file yet gets --insecure_dev rather
# than failing on an unknown flag.
auth_args_for() {
  printf '%s\n' "${AUTH_ARGS[@]}"
}

start_service() {
  local svc="$1" bin port log args auth_flags
  bin="$(chibo_service_binary "$svc")"
  port="$(chibo_service_port "$svc")"
  log="$LOGS/$svc.log"
  mapfile -t auth_flags < <(auth_args_for "$bin")
  # Keep the previous run's log, but start a fresh one so errors are easy to find.
  [[ -f "$log" ]] && mv -f "$log" "$log.1"
  rm -f "$RUN/$svc.port"
  args=(
    --port="$port" --port_file="$RUN/$svc.port"
    --metrics_port="$(chibo_service_metrics_port "$svc")"
    # No load balancer to leave locally: a short drain keeps down.sh quick.
    --shutdown_drain=1s
    --db_host="$DB_HOST_URL" --db_user="chibo_$svc"
    --db_password_file="$SECRETS/$svc.password" --db_schema="chibo_$svc"
    "${auth_flags[@]}"
  )
  [[ "$svc" == registry ]] ||
    args+=(--registry_address="127.0.0.1:$(chibo_service_port registry)")
  chibo_log "starting $svc on :$port (log $log)"
  # The services need no admin or other services' secrets in their env.
  chibo_spawn "$log" env -u CHIBO_DB_ADMIN_PASSWORD \
    -u CHIBO_DB_PASSWORD_REGISTRY -u CHIBO_DB_PASSWORD_SCHEDULING \
    -u CHIBO_DB_PASSWORD_SUPERVISION -u CHIBO_DB_PASSWORD_EVALUATION \
    "$bin" "${args[@]}"
  echo "$CHIBO_SPAWNED_PID" >"$RUN/$svc.pid"
  STARTED+=("$svc")
}

# Checked before anything starts, so a taken port costs no start-up time.
check_ports() {
  local svc port
  for svc in "$@"; do
    for port in "$(chibo_service_port "$svc")" \
      "$(chibo_service_metrics_port "$svc")"; do
      if chibo_port_in_use "$port"; then
        chibo_die "port $port (for $svc) is already in use by another program"
      fi
    done
  done
}

service_log_tail() {
  echo "---- last lines of $1 ----" >&2
  tail -n 20 "$1" >&2 || true
  echo "----" >&2
}

health_check() { # PORT
  local headers=()
  [[ -z "$TOKEN" ]] || headers=(-H "authorization: Bearer $TOKEN")
  timeout 10 "$CHIBO_BUF" curl --protocol grpc --http2-prior-knowledge \
    --connect-timeout 2 "${headers[@]}" \
    "http://127.0.0.1:$1/grpc.health.v1.Health/Check" 2>/dev/null |
    grep -q '"SERVING"'
}

wait_healthy() {
  local svc="$1" port pid log deadline
  port="$(chibo_service_port "$svc")"
  pid="$(<"$RUN/$svc.pid")"
  log="$LOGS/$svc.log"
  deadline=$((SECONDS + HEALTH_TIMEOUT))
  until health_check "$port"; do
    if ! chibo_alive "$pid"; then
      service_log_tail "$log"
      chibo_die "$svc exited during start-up; see $log"
    fi
    if ((SECONDS >= deadline)); then
      service_log_tail "$log"
      chibo_die "$svc not SERVING on :$port after ${HEALTH_TIMEOUT}s; see $log"
    fi
    sleep 0.5
  done
  chibo_log "$svc is SERVING on 127.0.0.1:$port"
}

# Idempotent: runs on Ctrl-C, on SIGTERM, when a service dies and when
# start-up fails, so nothing is left behind in any of those cases.
# shellcheck disable=SC2317  # reached through the EXIT trap.
stop_all() {
  ((STOPPED == 0)) || return 0
  STOPPED=1
  # A second Ctrl-C must not cut the orderly stop short (the database
  # would be left running); each step below has its own time limit.
  trap '' INT TERM HUP
  local i svc pid
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    svc="${STARTED[i]}"
    pid="$(cat "$RUN/$svc.pid" 2>/dev/null)" || continue
    chibo_stop_pid "$pid" "$svc" 15
    wait "$pid" 2>/dev/null || true
    rm -f "$RUN/$svc.pid" "$RUN/$svc.port"
  done
  if ((EMBEDDED_DB)); then
    chibo_db_stop "$DB_DIR"
  fi
  rm -f "$RUN/up.pid"
}

# ---------------------------------------------------------------- output

print_usage_help() {
  local buf="$CHIBO_BUF" auth="" svc reg="127.0.0.1:50051"
  local sch="127.0.0.1:50052" year
  year="$(date +%Y)"
  # shellcheck disable=SC2016  # printed for the user's shell to expand.
  [[ -z "$TOKEN" ]] || auth=' -H "authorization: Bearer $TOKEN"'
  echo
  echo "chibo is up:"
  for svc in "${STARTED[@]}"; do
    printf '  %-12s 127.0.0.1:%s   metrics http://127.0.0.1:%s/metrics   log %s\n' \
      "$svc" "$(chibo_service_port "$svc")" \
      "$(chibo_service_metrics_port "$svc")" "$LOGS/$svc.log"
  done
  if ((EMBEDDED_DB)); then
    echo "  MariaDB      127.0.0.1:$EMBEDDED_DB_PORT and $DB_DIR/mysqld.sock (err log $DB_DIR/err.log)"
  else
    echo "  database     $EXTERNAL_DB (external)"
  fi
  echo "  DB passwords $SECRETS/<service>.password"
  echo
  if [[ -n "$TOKEN" ]]; then
    echo "Admin token (system_admin, 8h; re-run up.sh for a new one): $SECRETS/admin.token"
    echo "  TOKEN=\$(cat $SECRETS/admin.token)"
  else
    echo "AUTHENTICATION IS OFF (--insecure_dev): chibo-admin is not built yet."
  fi
  if [[ " ${STARTED[*]} " == *" registry "* ]]; then
    cat <<EOF

Try:
  $buf curl --protocol grpc --http2-prior-knowledge --list-methods http://$reg
  $buf curl --protocol grpc --http2-prior-knowledge http://$reg/grpc.health.v1.Health/Check
  $buf curl --protocol grpc --http2-prior-knowledge$auth \\
    -d '{"organization":{"displayName":"Tỉnh ủy Lạng Sơn","level":"ORGANIZATION_LEVEL_PROVINCE","externalCode":"LS"},"requestId":"demo-1"}' \\
    http://$reg/chibo.registry.v1.RegistryService/CreateOrganization
  $buf curl --protocol grpc --http2-prior-knowledge$auth \\
    -d '{"pageSize":10}' http://$reg/chibo.registry.v1.RegistryService/ListOrganizations
EOF
  fi
  if [[ " ${STARTED[*]} " == *" scheduling "* ]]; then
    cat <<EOF
  $buf curl --protocol grpc --http2-prior-knowledge --list-methods http://$sch
  $buf curl --protocol grpc --http2-prior-knowledge$auth \\
    -d '{"organization":"organizations/1","startDate":"$year-01-01","endDate":"$year-12-31"}' \\
    http://$sch/chibo.scheduling.v1.SchedulingService/ListMeetings
(README.md, section "Scheduling", walks through rules, postponements and records.)
EOF
  fi
  echo
  if ((DETACH)); then
    echo "Running in the background. Stop with: scripts/down.sh"
  else
    echo "Ctrl-C stops everything (data is kept in $STATE)."
  fi
}

# ---------------------------------------------------------------- main

# Foreground: return only when a service exits by itself; signals are
# handled by the traps set in main.
supervise() {
  local pids=() svc rc=0
  for svc in "${STARTED[@]}"; do
    pids+=("$(<"$RUN/$svc.pid")")
  done
  wait -n "${pids[@]}" || rc=$?
  for svc in "${STARTED[@]}"; do
    if ! chibo_alive "$(<"$RUN/$svc.pid")"; then
      service_log_tail "$LOGS/$svc.log"
      chibo_warn "$svc exited (status $rc); see $LOGS/$svc.log. Stopping the rest."
      break
    fi
  done
  exit 1
}

main() {
  parse_args "$@"
  mkdir -p "$DB_DIR" "$SECRETS" "$LOGS" "$RUN"
  chmod 0700 "$STATE" "$SECRETS"
  take_lock

  trap stop_all EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP

  if ((BUILD)); then
    chibo_install_deps
    chibo_build "$CHIBO_BUILD_DIR"
  fi
  [[ -x "$CHIBO_BUF" ]] || chibo_die "$CHIBO_BUF missing: run without --no-build once"

  local services
  mapfile -t services < <(built_services)
  ((${#services[@]} > 0)) ||
    chibo_die "no service binary under $CHIBO_BUILD_DIR/services: build first (drop --no-build)"

  stop_leftover_services
  check_ports "${services[@]}"
  if [[ -n "$EXTERNAL_DB" ]]; then
    setup_external_db "${services[@]}"
  else
    setup_embedded_db
  fi
  setup_auth

  local svc
  for svc in "${services[@]}"; do
    start_service "$svc"
    wait_healthy "$svc"
  done
  print_usage_help

  if ((DETACH)); then
    trap - EXIT INT TERM HUP
    rm -f "$RUN/up.pid"
    exit 0
  fi
  supervise
}

main "$@"
