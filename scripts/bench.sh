#!/usr/bin/env bash
# Benchmarks GetOrganization against an echo server built on the same gRPC
# library and server model (chibo::StartServer + RpcGate), in one run, and
# reports throughput, latency, the ratio registry/echo and each process's
# memory; then writes (CreateMember, CreateOrganization and scheduling's
# RecordMeeting) at 16 client threads without and with a request_id per call.
# A throwaway MariaDB and every process it starts live only as long as this
# script. See --help.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<EOF
Usage: scripts/bench.sh [--smoke] [--duration=SECONDS] [--concurrency=N]
                        [--warmup=SECONDS] [--rounds=N] [--max_threads=N]
                        [--no-build] [--build-dir=DIR] [--keep]
                        [--only=reads,writes,province]

Starts a private MariaDB (socket only, temporary directory), the echo
baseline (tools/bench), the registry and scheduling (both --insecure_dev,
scheduling asking this registry), creates one organisation, then drives
Echo and GetOrganization in turn with the same closed-loop load
(chibo-loadgen) and prints qps, p50/p99 latency, errors, the qps ratio
registry/echo (goal >= 0.8) and each process's VmRSS idle and under load
(goal <= 64 MiB idle). Also measures raw MariaDB primary-key selects with
mariadb-slap, for scale.

Writes: CreateMember, CreateOrganization (registry) and RecordMeeting
(scheduling: an extra meeting of a cell with three members) at 16 client
threads, each with no request_id, a new random (UUIDv4 style) one per call
and a new time-ordered (UUIDv7/ULID style) one per call. Any failed write
fails the smoke; outside --smoke a request_id variant below 0.9 x the qps
without request_id is reported as a problem.

Province: a generated province (chibo-datagen, --province_scale, about
33 members per cell) loaded through the public API; its member import
(BulkUpsertMembers, 1000-row calls from 8 threads) against raw 100-row
inserts of the same rows (member, status, membership, outbox event; goal
>= 0.5 x rows/s), and RecordMeeting of a 33-member cell from 16 threads,
each call with its own request_id, against a raw transaction inserting
the same rows (record, 33 attendance rows, outbox event; goal >= 0.7 x).
Reads on the same province, timed one call at a time by chibo-readbench:
GetComplianceReport of the province root for the records' year (p50/p99
and the absolute time; goals <= 1.0 x the raw read and <= 500 ms) and
ListMeetings of the root for March of that year through every page at the
default page size (the total of all pages, goal <= 1.0 x the raw read, and
one page's p99, goal <= 20 ms); each raw read is one SELECT of the
records joined with their attendance rows of the subtree's cells (bound
as a JSON array, as the services bind them) and the period, every row
read by the client.
Raw baselines come from chibo-rawsql (tools/bench) in the same run, on the
same MariaDB. The figures are printed and written as JSON to
bench/results/province-<UTC time>.json (smoke: the temporary directory).

Options:
  --smoke            CI mode: 2 s per target in one run, concurrency 4,
                     0.5 s warmup, no MariaDB baseline; exits 1 if any
                     call failed (warm-up included), a write failed, a
                     qps is 0, a server
                     logged a problem (an error or warning line, a non-OK
                     call, a line that is not JSON such as a crash) or did
                     not exit cleanly on SIGTERM
  --duration=S       measured seconds per target (default 10; "10s" works)
  --concurrency=N    client threads (default 32)
  --warmup=S         unmeasured seconds before each run (default 1)
  --rounds=N         split each target's duration into N runs, alternating
                     echo and registry (ABBA...) so background load on a
                     shared machine hits both alike (default 2; smoke 1;
                     the province's read cases run at least 5 rounds
                     outside smoke)
  --max_threads=N    the servers' thread quota (default 32, both servers)
  --no-build         skip apt/npm checks and the build; use built binaries
  --build-dir=DIR    build directory (default: \$CHIBO_BUILD_DIR or build)
  --keep             keep the temporary directory (logs) and print its path
  --province_scale=X chibo-datagen --scale of the province cases (default
                     1.0, about 3,000 cells; smoke 0.003)
  --only=PARTS       run only these parts, comma-separated: reads (echo
                     against GetOrganization, the mariadb-slap baseline),
                     writes (the 16-thread writes with and without
                     request_id), province (the province cases); default
                     all three. E.g. --only=writes --rounds=8 for the
                     request_id ratio alone
  -h, --help         this text

Without --smoke it only reports: the exit status is 0 unless something
could not be started.

Environment: CHIBO_BUILD_DIR, CHIBO_JOBS (build jobs, default 2).
EOF
}

SMOKE=0
BUILD=1
KEEP=0
ONLY=""
DURATION=""
CONCURRENCY=""
WARMUP=""
MAX_THREADS=32
ROUNDS=""
RUN_SECONDS=""
PROVINCE_SCALE=""
ONLY="reads,writes,province"

TMP=""
DB_DIR=""
ECHO_PID=""
REGISTRY_PID=""
SCHEDULING_PID=""
DB_PID=""
SCHEDULING_PEAK=0
LOADGEN_PID=""
FAILURES=()

parse_args() {
  local arg name value
  while (($# > 0)); do
    arg="$1"
    shift
    case "$arg" in
      -h | --help)
        usage
        exit 0
        ;;
      --smoke) SMOKE=1 ;;
      --no-build) BUILD=0 ;;
      --keep) KEEP=1 ;;
      --duration | --concurrency | --warmup | --max_threads | --rounds | --build-dir | --province_scale | --only)
        (($# > 0)) || chibo_die "$arg needs a value"
        set -- "$arg=$1" "${@:2}"
        continue
        ;;
      --*=*)
        name="${arg%%=*}"
        value="${arg#*=}"
        case "$name" in
          --duration) DURATION="$value" ;;
          --concurrency) CONCURRENCY="$value" ;;
          --warmup) WARMUP="$value" ;;
          --max_threads) MAX_THREADS="$value" ;;
          --rounds) ROUNDS="$value" ;;
          --build-dir) CHIBO_BUILD_DIR="$value" ;;
          --province_scale) PROVINCE_SCALE="$value" ;;
          --only) ONLY="$value" ;;
          *)
            usage >&2
            exit 2
            ;;
        esac
        ;;
      *)
        usage >&2
        exit 2
        ;;
    esac
  done
  if ((SMOKE)); then
    DURATION="${DURATION:-2}"
    CONCURRENCY="${CONCURRENCY:-4}"
    WARMUP="${WARMUP:-0.5}"
    ROUNDS="${ROUNDS:-1}"
    PROVINCE_SCALE="${PROVINCE_SCALE:-0.003}"
  else
    DURATION="${DURATION:-10}"
    CONCURRENCY="${CONCURRENCY:-32}"
    WARMUP="${WARMUP:-1}"
    ROUNDS="${ROUNDS:-2}"
    PROVINCE_SCALE="${PROVINCE_SCALE:-1.0}"
  fi
  [[ "$PROVINCE_SCALE" =~ ^[0-9]+(\.[0-9]+)?$ ]] || chibo_die "--province_scale is a number, e.g. 1.0 (got '$PROVINCE_SCALE')"
  # Plain seconds ("10", "0.5", or "10s"); the loadgen takes them that way.
  DURATION="${DURATION%s}"
  WARMUP="${WARMUP%s}"
  local v
  for v in "$DURATION" "$WARMUP"; do
    [[ "$v" =~ ^[0-9]+(\.[0-9]+)?$ ]] || chibo_die "durations are seconds, e.g. 10 or 0.5 (got '$v')"
  done
  awk -v d="$DURATION" 'BEGIN {exit !(d > 0)}' || chibo_die "--duration must be more than 0"
  for v in "$CONCURRENCY" "$MAX_THREADS" "$ROUNDS"; do
    [[ "$v" =~ ^[1-9][0-9]*$ ]] || chibo_die "expected a positive integer, got '$v'"
  done
  RUN_SECONDS="$(awk -v d="$DURATION" -v r="$ROUNDS" 'BEGIN {printf "%g", d / r}')"
  local part
  local -a parts=()
  IFS=, read -r -a parts <<<"$ONLY"
  ((${#parts[@]} > 0)) || chibo_die "--only needs at least one of reads, writes, province"
  for part in "${parts[@]}"; do
    case "$part" in
      reads | writes | province) ;;
      *) chibo_die "--only: unknown part '$part' (reads, writes, province)" ;;
    esac
  done
}

# Whether PART (reads, writes, province) is to run (--only).
wanted() { [[ ",$ONLY," == *",$1,"* ]]; }

# ---------------------------------------------------------------- helpers

fail() {
  FAILURES+=("$*")
  chibo_warn "$*"
}

# VmRSS of PID in KiB (0 when it is gone).
rss_kib() {
  local kib
  kib="$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null)" || true
  echo "${kib:-0}"
}

mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

# The value of a scalar field of a one-line JSON object.
json_field() { # JSON KEY
  sed -n "s/.*\"$2\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" <<<"$1" | tr -d '"'
}

# error_codes as "CODE:N CODE:N", or "-" when there were none.
json_error_codes() {
  local codes
  codes="$(sed -n 's/.*"error_codes":{\([^}]*\)}.*/\1/p' <<<"$1" |
    tr -d '"' | tr ',' ' ')"
  echo "${codes:--}"
}

# Combines loadgen results: prints "qps p50 p99 calls errors codes", where
# qps is all OK calls over all measured seconds, p50/p99 the worst run's and
# codes "CODE:N,CODE:N" (or "-").
summarize() { # JSON...
  local line
  for line in "$@"; do
    printf '%s %s %s %s %s %s\n' "$(json_field "$line" calls)" \
      "$(json_field "$line" errors)" "$(json_field "$line" seconds)" \
      "$(json_field "$line" p50_ms)" "$(json_field "$line" p99_ms)" \
      "$(json_error_codes "$line" | tr ' ' ',')"
  done | awk '
    {
      calls += $1; errors += $2; secs += $3
      if ($4 > p50) p50 = $4
      if ($5 > p99) p99 = $5
      n = split($6, c, ",")
      for (i = 1; i <= n; i++) if (c[i] != "-") { split(c[i], kv, ":"); codes[kv[1]] += kv[2] }
    }
    END {
      out = ""
      for (k in codes) out = out (out == "" ? "" : ",") k ":" codes[k]
      if (out == "") out = "-"
      qps = secs > 0 ? (calls - errors) / secs : 0
      printf "%.1f %.3f %.3f %d %d %s\n", qps, p50, p99, calls, errors, out
    }'
}

idle_verdict() { # KIB
  awk -v k="$1" 'BEGIN {print (k <= 65536) ? "idle goal <= 64 MiB: ok" : "idle goal <= 64 MiB: EXCEEDED"}'
}

# Waits for a server's port file; dies (with its log) if it exits first.
wait_port() { # NAME PID PORT_FILE LOG TIMEOUT
  local name="$1" pid="$2" file="$3" log="$4" deadline=$((SECONDS + $5))
  until [[ -s "$file" ]]; do
    if ! chibo_alive "$pid"; then
      tail -n 20 "$log" >&2 || true
      chibo_die "$name exited during start-up; log above"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 20 "$log" >&2 || true
      chibo_die "$name did not listen within $5 s; log above"
    fi
    sleep 0.1
  done
  cat "$file"
}

# Lines of a server's log that show a problem: error and warning lines,
# access-log lines with a code other than OK, and any line that is not one of
# our JSON lines (a crash, an abort, gRPC's own error output). The warning
# that --insecure_dev asks for is expected. Prints "N"; the first few go to
# stderr.
log_problems() { # NAME LOG
  local name="$1" log="$2" problems count=0
  problems="$(awk '
    /^$/ { next }
    !/^\{"ts":/ { print; next }
    /"msg":"INSECURE: --insecure_dev/ { next }
    /"level":"(error|warning)"/ { print; next }
    /"code":"[A-Z_]+"/ && !/"code":"OK"/ { print }
  ' "$log")"
  [[ -z "$problems" ]] || count="$(wc -l <<<"$problems")"
  if ((count > 0)); then
    chibo_warn "$name logged $count problem line(s); first ones:"
    head -n 3 <<<"$problems" >&2
  fi
  echo "$count"
}

# The calls that failed during the warm-ups of the given loadgen results.
warmup_errors() { # JSON...
  local line total=0 n
  for line in "$@"; do
    n="$(json_field "$line" warmup_errors)"
    total=$((total + ${n:-0}))
  done
  echo "$total"
}

# CPU time (user + system) PID has used so far, in clock ticks.
cpu_ticks() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || {
    echo 0
    return
  }
  # Fields after "(comm) ": state is field 3, utime 14, stime 15.
  stat="${stat##*) }"
  awk '{print $12 + $13}' <<<"$stat"
}

# Microseconds of CPU per call, from clock ticks and a number of calls.
per_call_us() { # TICKS CALLS
  awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$2" \
    'BEGIN {if (n > 0) printf "%.0f", t * 1e6 / hz / n; else print "-"}'
}

# Microseconds since the epoch, without forking.
now_us() {
  local t="${EPOCHREALTIME/[.,]/}"
  echo "$((10#$t))"
}

# MariaDB's counters that show what a write costs it, in this order:
# statements run (Questions: every statement and prepared-statement
# execution of every client), rows written (Handler_write) and bytes
# written to the redo log.
# Read from the server as a whole (the follower's polls are included).
DB_SOCK=""
DB_COUNTERS=(Questions Handler_write Innodb_os_log_written)
db_counters() {
  local out
  out="$(mariadb --no-defaults --socket="$DB_SOCK" --user=root -N -B \
    -e "SHOW GLOBAL STATUS WHERE Variable_name IN ('${DB_COUNTERS[0]}', '${DB_COUNTERS[1]}', '${DB_COUNTERS[2]}')" 2>/dev/null)" || true
  local name value
  local -A got=()
  while read -r name value; do got[$name]="$value"; done <<<"$out"
  echo "${got[${DB_COUNTERS[0]}]:-0} ${got[${DB_COUNTERS[1]}]:-0} ${got[${DB_COUNTERS[2]}]:-0}"
}

# Runs the loadgen against TARGET while sampling the VmRSS of the given
# PIDs every 0.2 s. Sets RESULT (the JSON line), PEAK[pid] (KiB),
# CPU[pid] (clock ticks used from the end of the warmup to the end of the
# run) and, when DB_SOCK is set, DB_DELTA (the db_counters over the same
# span, space-separated).
declare -A PEAK=() CPU=()
RESULT=""
DB_DELTA=""
# LOAD_CONCURRENCY overrides --concurrency for one run; LOADGEN_EXTRA holds
# more loadgen arguments (--unique_fields, --id_style).
LOAD_CONCURRENCY=""
LOADGEN_EXTRA=()
run_load() { # LABEL PORT METHOD JSON PID...
  local label="$1" port="$2" method="$3" json="$4" out err pid kib
  local concurrency="${LOAD_CONCURRENCY:-$CONCURRENCY}"
  shift 4
  out="$TMP/loadgen-$label.json"
  err="$TMP/loadgen-$label.err"
  chibo_log "load: $label ($method), concurrency $concurrency, ${WARMUP}s warmup + ${RUN_SECONDS}s"
  local measure_at
  measure_at=$(($(now_us) + $(awk -v w="$WARMUP" 'BEGIN {printf "%d", w * 1000000}')))
  "$LOADGEN" --target="127.0.0.1:$port" --method="$method" \
    --request_json="$json" --concurrency="$concurrency" \
    --duration="$RUN_SECONDS" --warmup="$WARMUP" --deadline_ms=5000 \
    "${LOADGEN_EXTRA[@]}" >"$out" 2>"$err" &
  LOADGEN_PID=$!
  local -A cpu0=()
  local status0=""
  for pid in "$@"; do PEAK[$pid]=0; done
  while chibo_alive "$LOADGEN_PID"; do
    for pid in "$@"; do
      kib="$(rss_kib "$pid")"
      if ((kib > PEAK[$pid])); then PEAK[$pid]=$kib; fi
      if [[ -z "${cpu0[$pid]:-}" ]] && (($(now_us) >= measure_at)); then
        cpu0[$pid]="$(cpu_ticks "$pid")"
      fi
    done
    if [[ -n "$DB_SOCK" && -z "$status0" ]] && (($(now_us) >= measure_at)); then
      status0="$(db_counters)"
    fi
    sleep 0.2
  done
  for pid in "$@"; do
    CPU[$pid]=$(($(cpu_ticks "$pid") - ${cpu0[$pid]:-0}))
  done
  DB_DELTA=""
  if [[ -n "$DB_SOCK" && -n "$status0" ]]; then
    local -a before after
    read -r -a before <<<"$status0"
    read -r -a after <<<"$(db_counters)"
    DB_DELTA="$((after[0] - before[0])) $((after[1] - before[1])) $((after[2] - before[2]))"
  fi
  local rc=0
  wait "$LOADGEN_PID" || rc=$?
  LOADGEN_PID=""
  if [[ -s "$err" ]]; then
    chibo_warn "loadgen ($label) said:"
    sed 's/^/    /' "$err" >&2
  fi
  ((rc == 0)) || chibo_die "chibo-loadgen failed (exit $rc) for $label"
  RESULT="$(head -n 1 "$out")"
  [[ "$RESULT" == "{"* ]] || chibo_die "no result from chibo-loadgen for $label"
  for pid in "$@"; do
    chibo_alive "$pid" || fail "a server (pid $pid) died during the $label run"
  done
}

# Calls a registry create method and prints the new resource's name, which
# must start with PREFIX/.
create_resource() { # PORT METHOD PREFIX JSON
  local port="$1" method="$2" prefix="$3" json="$4" created name
  if ! created="$("$CHIBO_BUF" curl --protocol grpc --http2-prior-knowledge \
    -d "$json" \
    "http://127.0.0.1:$port/chibo.registry.v1.RegistryService/$method" 2>&1)"; then
    printf '%s\n' "$created" >&2
    chibo_die "$method failed; answer above"
  fi
  name="$(grep -o -m 1 -E '"name": *"[^"]*"' <<<"$created" | sed -E 's/.*"([^"]*)"$/\1/')"
  [[ "$name" == "$prefix"/* ]] || {
    printf '%s\n' "$created" >&2
    chibo_die "no $prefix name in the $method answer (above)"
  }
  echo "$name"
}

# Creates an organisation through the registry and prints its name.
create_org() { # PORT JSON
  create_resource "$1" CreateOrganization organizations "$2"
}

# One RecordMeeting through buf curl, retried for up to 20 s while
# scheduling does not know the cell yet (its tree view follows the
# registry's feed), so that the load starts from a request known to work.
# Dies with the last answer when it never succeeds.
check_record() { # PORT JSON
  local port="$1" json="$2" answer deadline=$((SECONDS + 20))
  while true; do
    if answer="$("$CHIBO_BUF" curl --protocol grpc --http2-prior-knowledge \
      -d "$json" \
      "http://127.0.0.1:$port/chibo.scheduling.v1.SchedulingService/RecordMeeting" 2>&1)"; then
      grep -q '"name": *"meetings/' <<<"$answer" && return 0
    fi
    if ((SECONDS >= deadline)); then
      printf '%s\n' "$answer" >&2
      chibo_die "RecordMeeting does not succeed; last answer above"
    fi
    sleep 0.5
  done
}

# RecordMeeting needs a cell whose every member gets a mark: a new cell
# under BLOC with three members, and an extra meeting (no nominal date), so
# that every call is a valid new record. A fresh cell for every run, because
# a record reads the cell's records of the days around it, which grow with
# each call: every run then starts from the same empty cell and no variant
# pays for the records of the runs before it. The cell exists from today
# (Vietnam's date, UTC+7 with no DST) and a record may not start in the
# future, so the meeting starts at 00:00 today. Checks the request once and
# sets RECORD_JSON.
RECORD_JSON=""
record_cell() { # REGISTRY_PORT SCHEDULING_PORT BLOC LABEL
  local registry_port="$1" scheduling_port="$2" bloc="$3" label="$4"
  local cell held attendance="" i member
  cell="$(create_org "$registry_port" "{\"organization\":{\"displayName\":\"Chi bộ họp $label\",\"level\":\"ORGANIZATION_LEVEL_GRASSROOTS_CELL\",\"category\":\"CELL_CATEGORY_ADMINISTRATIVE_AGENCY\",\"parent\":\"$bloc\",\"externalCode\":\"BENCH-HOP-$label\"}}")"
  held="$(date -u -d '+7 hours' +%F)"
  for i in 1 2 3; do
    member="$(create_resource "$registry_port" CreateMember members "{\"member\":{\"displayName\":\"Đảng viên $i\"},\"cell\":\"$cell\",\"status\":\"MEMBER_STATUS_FULL\"}")"
    attendance+="${attendance:+,}{\"member\":\"$member\",\"mark\":\"ATTENDANCE_MARK_PRESENT\"}"
  done
  RECORD_JSON="{\"record\":{\"cell\":\"$cell\",\"kind\":\"MEETING_KIND_THEMATIC\",\"form\":\"MEETING_FORM_IN_PERSON\",\"startTime\":\"${held}T00:00\",\"endTime\":\"${held}T00:45\",\"agenda\":\"Sinh hoạt chuyên đề\",\"attendance\":[$attendance]}}"
  check_record "$scheduling_port" "$RECORD_JSON"
}

# The write methods, in report order, and the service each belongs to.
WRITE_METHODS=(CreateMember CreateOrganization RecordMeeting)
declare -A WRITE_SERVICE=([CreateMember]=registry [CreateOrganization]=registry
  [RecordMeeting]=scheduling)

# Writes from 16 client threads, each call with no request_id, with a fresh
# random one (UUIDv4 style) or with a fresh time-ordered one (UUIDv7/ULID
# style). CreateMember and CreateOrganization go to the registry (into
# CELL), RecordMeeting to scheduling (an extra meeting of a new cell under
# BLOC per run, see record_cell; nothing in it needs to be unique per call,
# each call records one more meeting). Sets
# WRITE_RESULTS[<method>-<variant>] to the summarize line,
# WRITE_WARMUP[<method>-<variant>] to the calls that failed in its warm-ups,
# WRITE_ROUND_QPS[<method>-<variant>-<round>] to each round's qps and
# WRITE_COST[<method>-<variant>] to "calls server_ticks db_ticks statements
# rows_inserted redo_bytes" summed over the rounds.
declare -A WRITE_RESULTS=() WRITE_WARMUP=() WRITE_ROUND_QPS=() WRITE_COST=()
run_write_loads() { # REGISTRY_PORT SCHEDULING_PORT CELL BLOC
  local registry_port="$1" scheduling_port="$2" cell="$3" bloc="$4"
  local round method variant
  local -A runs=()
  local -a order
  local -A json=(
    [CreateMember]="{\"member\":{\"displayName\":\"Nguyễn Văn A\"},\"cell\":\"$cell\",\"status\":\"MEMBER_STATUS_FULL\"}"
    [CreateOrganization]="{\"organization\":{\"displayName\":\"Tổ đảng\",\"level\":\"ORGANIZATION_LEVEL_PARTY_GROUP\",\"parent\":\"$cell\"}}"
    [RecordMeeting]=""
  )
  LOAD_CONCURRENCY=16
  for ((round = 1; round <= ROUNDS; round++)); do
    if ((round % 2 == 1)); then order=(none random time); else order=(time random none); fi
    for method in "${WRITE_METHODS[@]}"; do
      local port="$registry_port" path="/chibo.registry.v1.RegistryService/$method"
      local -a pids=("$REGISTRY_PID" "$DB_PID")
      if [[ "${WRITE_SERVICE[$method]}" == scheduling ]]; then
        port="$scheduling_port"
        path="/chibo.scheduling.v1.SchedulingService/$method"
        pids=("$SCHEDULING_PID" "$REGISTRY_PID" "$DB_PID")
      fi
      for variant in "${order[@]}"; do
        LOADGEN_EXTRA=()
        local unique=""
        [[ "$method" == CreateOrganization ]] && unique="organization.external_code"
        if [[ "$variant" != none ]]; then
          unique="request_id${unique:+,$unique}"
          LOADGEN_EXTRA+=(--id_style="$variant")
        fi
        [[ -n "$unique" ]] && LOADGEN_EXTRA+=(--unique_fields="$unique")
        if [[ "$method" == RecordMeeting ]]; then
          record_cell "$registry_port" "$scheduling_port" "$bloc" "$variant-$round"
          json[$method]="$RECORD_JSON"
        fi
        run_load "$method-$variant-$round" "$port" "$path" "${json[$method]}" "${pids[@]}"
        runs[$method-$variant]+="$RESULT"$'\n'
        local calls seconds errors
        calls="$(json_field "$RESULT" calls)"
        errors="$(json_field "$RESULT" errors)"
        seconds="$(json_field "$RESULT" seconds)"
        WRITE_ROUND_QPS[$method-$variant-$round]="$(awk -v c="$calls" -v e="$errors" -v s="$seconds" \
          'BEGIN {printf "%.3f", (s > 0) ? (c - e) / s : 0}')"
        # Cost per call, summed over the rounds: our services' CPU (for
        # RecordMeeting scheduling's and the registry's), mariadbd's, and
        # the database counters (db_counters).
        local -a delta=(0 0 0)
        read -r -a delta <<<"${DB_DELTA:-0 0 0}"
        local -a cost=(0 0 0 0 0 0)
        read -r -a cost <<<"${WRITE_COST[$method-$variant]:-0 0 0 0 0 0}"
        local service_ticks=0 pid
        for pid in "${pids[@]}"; do
          [[ "$pid" == "$DB_PID" ]] || service_ticks=$((service_ticks + CPU[$pid]))
        done
        WRITE_COST[$method-$variant]="$((cost[0] + calls)) $((cost[1] + service_ticks)) $((cost[2] + CPU[$DB_PID])) $((cost[3] + delta[0])) $((cost[4] + delta[1])) $((cost[5] + delta[2]))"
        if [[ "$method" == RecordMeeting ]] &&
          ((PEAK[$SCHEDULING_PID] > SCHEDULING_PEAK)); then
          SCHEDULING_PEAK=${PEAK[$SCHEDULING_PID]}
        fi
      done
    done
  done
  LOAD_CONCURRENCY=""
  LOADGEN_EXTRA=()
  local key
  for key in "${!runs[@]}"; do
    local -a lines=()
    mapfile -t lines < <(printf '%s' "${runs[$key]}")
    WRITE_RESULTS[$key]="$(summarize "${lines[@]}")"
    WRITE_WARMUP[$key]="$(warmup_errors "${lines[@]}")"
  done
}

# Median, min and max of numbers: "median min max" (to 2 decimals).
median_min_max() { # NUMBER...
  printf '%s\n' "$@" | sort -g | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "n/a n/a n/a"; exit }
      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%.3f %.3f %.3f\n", m, v[1], v[NR]
    }'
}

# Prints the writes table. Two ratios per request_id variant: pooled (all
# OK calls of the variant over all its seconds, against the same for no
# request_id) and the median of the rounds' ratios (each round's variant
# against the same round's run without request_id; rounds alternate their
# order, ABBA, so drift in the machine's load hits both alike), with the
# rounds' range. The goal (>= 0.9) must hold for both. The cost columns are
# per call, over all rounds: CPU of our services and of mariadbd
# (microseconds), statements the database ran, rows it inserted and bytes
# of redo log it wrote.
report_write_loads() {
  echo
  echo "writes from 16 client threads (request_id: none, a new random one per call, a new time-ordered one per call)"
  echo "  $ROUNDS rounds of ${RUN_SECONDS}s per variant, ${WARMUP}s warmup each; x none: pooled, and the median [min-max] of the rounds' ratios"
  local wrow='%-34s %8s %8s %8s %6s %18s %7s %6s %6s %5s %6s %6s  %s\n'
  # shellcheck disable=SC2059
  printf "$wrow" target qps p50_ms p99_ms "x none" "median [min-max]" srv_us db_us stmts rows redo_B errors "error codes"
  local method variant w_qps w_p50 w_p99 w_err w_codes base_qps w_ratio round
  local med lo hi
  for method in "${WRITE_METHODS[@]}"; do
    read -r base_qps _ <<<"${WRITE_RESULTS[$method-none]}"
    for variant in none random time; do
      read -r w_qps w_p50 w_p99 _ w_err w_codes <<<"${WRITE_RESULTS[$method-$variant]}"
      w_ratio="$(awk -v r="$w_qps" -v e="$base_qps" 'BEGIN {if (e > 0) printf "%.2f", r / e; else print "n/a"}')"
      local -a ratios=()
      for ((round = 1; round <= ROUNDS; round++)); do
        ratios+=("$(awk -v r="${WRITE_ROUND_QPS[$method-$variant-$round]}" \
          -v e="${WRITE_ROUND_QPS[$method-none-$round]}" 'BEGIN {printf "%.4f", (e > 0) ? r / e : 0}')")
      done
      read -r med lo hi <<<"$(median_min_max "${ratios[@]}")"
      local -a cost=()
      read -r -a cost <<<"${WRITE_COST[$method-$variant]}"
      local srv_us db_us per
      srv_us="$(per_call_us "${cost[1]}" "${cost[0]}")"
      db_us="$(per_call_us "${cost[2]}" "${cost[0]}")"
      per="$(awk -v n="${cost[0]}" -v q="${cost[3]}" -v r="${cost[4]}" -v b="${cost[5]}" \
        'BEGIN {if (n > 0) printf "%.1f %.1f %.0f", q / n, r / n, b / n; else print "- - -"}')"
      local stmts rows redo
      read -r stmts rows redo <<<"$per"
      # shellcheck disable=SC2059
      printf "$wrow" "${WRITE_SERVICE[$method]}  $method ($variant)" "$w_qps" "$w_p50" "$w_p99" \
        "$w_ratio" "$med [$lo-$hi]" "$srv_us" "$db_us" "$stmts" "$rows" "$redo" "$w_err" "$w_codes"
      ((w_err == 0)) || fail "$method with request_id $variant: $w_err call(s) failed ($w_codes)"
      awk -v q="$w_qps" 'BEGIN {exit !(q > 0)}' || fail "$method with request_id $variant: qps is 0"
      ((WRITE_WARMUP[$method-$variant] == 0)) ||
        fail "$method with request_id $variant: ${WRITE_WARMUP[$method-$variant]} call(s) failed during the warm-up"
      if [[ "$variant" != none ]] && ((!SMOKE)); then
        # On the unrounded pooled ratio (0.895 prints as 0.90).
        awk -v q="$w_qps" -v e="$base_qps" -v m="$med" 'BEGIN {exit !(e > 0 && q / e >= 0.9 && m >= 0.9)}' ||
          fail "$method with request_id $variant: $w_ratio x (pooled), $med x (median of rounds) the throughput without (goal >= 0.9)"
      fi
    done
  done
}

# The province cases: a generated province loaded through the public API
# (its member phase is the BulkUpsertMembers case), raw 100-row inserts of
# the same member rows, RecordMeeting of a 33-member cell with a request_id
# per call at 16 threads, and the raw record transaction at 16 threads.
# Sets PROVINCE (datagen's JSON), RAW_MEMBERS, RAW_RECORD (chibo-rawsql's
# JSON) and RECORD33 (the summarize line).
PROVINCE="" RAW_MEMBERS="" RAW_RECORD="" RECORD33=""
READ_COMPLIANCE="" RAW_COMPLIANCE="" READ_MEETINGS="" RAW_MEETINGS=""
run_province_cases() { # REGISTRY_PORT SCHEDULING_PORT BLOC SOCKET
  local registry_port="$1" scheduling_port="$2" bloc="$3" sock="$4"
  chibo_log "province: chibo-datagen --scale=$PROVINCE_SCALE (registry and scheduling)"
  PROVINCE="$("$DATAGEN" --registry="127.0.0.1:$registry_port" \
    --scheduling="127.0.0.1:$scheduling_port" --seed=1 \
    --scale="$PROVINCE_SCALE" --threads=8 2>"$TMP/datagen.err")" || {
    cat "$TMP/datagen.err" >&2
    chibo_die "chibo-datagen failed; its output is above"
  }
  run_read_cases "$scheduling_port" "$sock"
  local rows
  rows="$(sed -n 's/.*"members":{"created":\([0-9]*\),"updated":\([0-9]*\),"unchanged":\([0-9]*\).*/\1 \2 \3/p' <<<"$PROVINCE" |
    awk '{print $1 + $2 + $3}')"
  rows=$(((rows + 99) / 100 * 100))
  chibo_log "raw: $rows member rows in 100-row transactions, 8 threads"
  RAW_MEMBERS="$("$RAWSQL" --socket="$sock" --schema=chibo_registry \
    --mode=members --rows="$rows" --concurrency=8)" || fail "chibo-rawsql members failed"

  # A 33-member cell, imported in one call; its extra meetings go in today.
  local cell rows_json="" i import names attendance="" held
  cell="$(create_org "$registry_port" "{\"organization\":{\"displayName\":\"Chi bộ 33 đảng viên\",\"level\":\"ORGANIZATION_LEVEL_GRASSROOTS_CELL\",\"category\":\"CELL_CATEGORY_ADMINISTRATIVE_AGENCY\",\"parent\":\"$bloc\",\"externalCode\":\"BENCH-CB33\"}}")"
  for ((i = 1; i <= 33; i++)); do
    rows_json+="${rows_json:+,}{\"partyCardNumber\":\"33000$i\",\"displayName\":\"Đảng viên $i\",\"cellExternalCode\":\"BENCH-CB33\",\"status\":\"MEMBER_STATUS_FULL\"}"
  done
  import="$("$CHIBO_BUF" curl --protocol grpc --http2-prior-knowledge \
    -d "{\"rows\":[$rows_json]}" \
    "http://127.0.0.1:$registry_port/chibo.registry.v1.RegistryService/BulkUpsertMembers" 2>&1)" ||
    chibo_die "BulkUpsertMembers of the 33-member cell failed: $import"
  names="$(grep -o -E '"member": *"members/[0-9]+"' <<<"$import" | sed -E 's/.*"(members\/[0-9]+)"$/\1/')"
  (($(wc -l <<<"$names") == 33)) || chibo_die "the 33-member cell has $(wc -l <<<"$names") members: $import"
  local member
  for member in $names; do
    attendance+="${attendance:+,}{\"member\":\"$member\",\"mark\":\"ATTENDANCE_MARK_PRESENT\"}"
  done
  held="$(date -u -d '+7 hours' +%F)"
  local json="{\"record\":{\"cell\":\"$cell\",\"kind\":\"MEETING_KIND_THEMATIC\",\"form\":\"MEETING_FORM_IN_PERSON\",\"startTime\":\"${held}T00:00\",\"endTime\":\"${held}T01:30\",\"agenda\":\"Sinh hoạt chuyên đề\",\"attendance\":[$attendance]}}"
  check_record "$scheduling_port" "$json"
  LOAD_CONCURRENCY=16
  LOADGEN_EXTRA=(--unique_fields=request_id --id_style=random)
  local -a lines=()
  local round calls=0 sched_ticks=0 reg_ticks=0 db_ticks=0 stmts=0
  local -a delta
  DB_SOCK="$sock"
  for ((round = 1; round <= ROUNDS; round++)); do
    run_load "record33-$round" "$scheduling_port" \
      /chibo.scheduling.v1.SchedulingService/RecordMeeting "$json" \
      "$SCHEDULING_PID" "$REGISTRY_PID" "$DB_PID"
    lines+=("$RESULT")
    calls=$((calls + $(json_field "$RESULT" calls)))
    sched_ticks=$((sched_ticks + CPU[$SCHEDULING_PID]))
    reg_ticks=$((reg_ticks + CPU[$REGISTRY_PID]))
    db_ticks=$((db_ticks + CPU[$DB_PID]))
    read -r -a delta <<<"${DB_DELTA:-0 0 0}"
    stmts=$((stmts + delta[0]))
  done
  DB_SOCK=""
  LOAD_CONCURRENCY=""
  LOADGEN_EXTRA=()
  RECORD33="$(summarize "${lines[@]}")"
  RECORD33_COST="{\"scheduling_cpu_us\":$(per_call_us "$sched_ticks" "$calls"),\"registry_cpu_us\":$(per_call_us "$reg_ticks" "$calls"),\"mariadb_cpu_us\":$(per_call_us "$db_ticks" "$calls"),\"statements\":$(awk -v s="$stmts" -v n="$calls" 'BEGIN {printf "%.1f", (n > 0 ? s / n : 0)}')}"
  chibo_log "raw: record + 33 attendance rows + outbox event per transaction, 16 threads, ${DURATION}s"
  local db0 q0 q1 raw_n
  db0="$(cpu_ticks "$DB_PID")"
  DB_SOCK="$sock"
  read -r q0 _ <<<"$(db_counters)"
  RAW_RECORD="$("$RAWSQL" --socket="$sock" --schema=chibo_scheduling \
    --mode=record --attendance=33 --concurrency=16 --duration="$DURATION")" ||
    fail "chibo-rawsql record failed"
  read -r q1 _ <<<"$(db_counters)"
  DB_SOCK=""
  raw_n="$(json_field "$RAW_RECORD" transactions)"
  RAW_RECORD_COST="{\"client_cpu_us\":$(json_field "$RAW_RECORD" client_cpu_us),\"mariadb_cpu_us\":$(per_call_us $(($(cpu_ticks "$DB_PID") - db0)) "$raw_n"),\"statements\":$(awk -v s=$((q1 - q0)) -v n="$raw_n" 'BEGIN {printf "%.1f", (n > 0 ? s / n : 0)}')}"
}
RECORD33_COST="" RAW_RECORD_COST=""

# GetComplianceReport (one year) and ListMeetings (one month, every page)
# of the province root, each against the raw read of the same rows, calls
# interleaved with the raw reads round by round so background load hits
# both alike. Sets READ_COMPLIANCE, READ_MEETINGS (chibo-readbench's JSON)
# and RAW_COMPLIANCE, RAW_MEETINGS (chibo-rawsql's).
run_read_cases() { # SCHEDULING_PORT SOCKET
  local scheduling_port="$1" sock="$2" root year calls=3 round rounds=$ROUNDS
  root="$(json_field "$PROVINCE" province)"
  year="$(json_field "$PROVINCE" year)"
  [[ "$root" == organizations/* && -n "$year" ]] || chibo_die "chibo-datagen named no province root: $PROVINCE"
  ((SMOKE)) && calls=1
  # At least 5 rounds outside smoke: a listing is 60 calls, so a busy
  # host's stalls reach it far more often than the one raw statement, and
  # the median of 2 rounds still swung 1.8-2.0x on such a host.
  if ((!SMOKE && rounds < 5)); then rounds=5; fi
  local -a year_args=(--start_date="$year-01-01" --end_date="$year-12-31")
  local -a month_args=(--start_date="$year-03-01" --end_date="$year-03-31")
  local -a raw_year=() raw_month=() api_year=() api_month=()
  chibo_log "reads: GetComplianceReport $root $year and ListMeetings $year-03 (every page), $rounds round(s) against the raw reads"
  for ((round = 1; round <= rounds; round++)); do
    raw_year+=("$("$RAWSQL" --socket="$sock" --schema=chibo_scheduling --mode=subtree_read \
      --root="${root#organizations/}" "${year_args[@]}" --calls="$calls")") || fail "chibo-rawsql subtree_read (year) failed"
    api_year+=("$("$READBENCH" --target="127.0.0.1:$scheduling_port" --mode=compliance \
      --organization="$root" "${year_args[@]}" --calls="$calls")") || fail "GetComplianceReport of $root failed: ${api_year[-1]}"
    raw_month+=("$("$RAWSQL" --socket="$sock" --schema=chibo_scheduling --mode=subtree_read \
      --root="${root#organizations/}" "${month_args[@]}" --calls="$calls")") || fail "chibo-rawsql subtree_read (month) failed"
    api_month+=("$("$READBENCH" --target="127.0.0.1:$scheduling_port" --mode=meetings \
      --organization="$root" "${month_args[@]}" --calls="$calls")") || fail "ListMeetings of $root failed: ${api_month[-1]}"
  done
  # The round with the median figure of each (a single round: that one).
  READ_COMPLIANCE="$(median_by p50_ms "${api_year[@]}")"
  RAW_COMPLIANCE="$(median_by p50_ms "${raw_year[@]}")"
  READ_MEETINGS="$(median_by p50_total_ms "${api_month[@]}")"
  RAW_MEETINGS="$(median_by p50_ms "${raw_month[@]}")"
}

# The JSON line whose KEY is the median of the lines given (lower median).
median_by() { # KEY LINE...
  local key="$1" line
  shift
  for line in "$@"; do
    printf '%s\t%s\n' "$(json_field "$line" "$key")" "$line"
  done | sort -g | awk -v n="$#" 'NR == int((n + 1) / 2) {sub(/^[^\t]*\t/, ""); print}'
}

# Prints the province cases and writes them as JSON.
report_province_cases() {
  local api_rows raw_rows member_ratio rec_qps rec_p50 rec_p99 rec_err rec_codes raw_tx rec_ratio
  api_rows="$(json_field "$PROVINCE" member_rows_per_second)"
  raw_rows="$(json_field "$RAW_MEMBERS" rows_per_second)"
  read -r rec_qps rec_p50 rec_p99 _ rec_err rec_codes <<<"$RECORD33"
  raw_tx="$(json_field "$RAW_RECORD" transactions_per_second)"
  member_ratio="$(awk -v a="$api_rows" -v r="$raw_rows" 'BEGIN {if (r > 0) printf "%.3f", a / r; else print "n/a"}')"
  rec_ratio="$(awk -v a="$rec_qps" -v r="$raw_tx" 'BEGIN {if (r > 0) printf "%.3f", a / r; else print "n/a"}')"
  local verdict_m verdict_r
  # Verdicts on the unrounded ratios: 0.497 prints as 0.50 and is below 0.5.
  verdict_m="$(awk -v a="$api_rows" -v r="$raw_rows" 'BEGIN {print (r > 0 && a / r >= 0.5) ? "meets" : "BELOW"}')"
  verdict_r="$(awk -v a="$rec_qps" -v r="$raw_tx" 'BEGIN {print (r > 0 && a / r >= 0.7) ? "meets" : "BELOW"}')"
  echo
  echo "province (chibo-datagen --scale=$PROVINCE_SCALE): $(json_field "$PROVINCE" cells) cells, $(json_field "$PROVINCE" record_seconds) s of schedules and records"
  local prow='%-44s %12s %12s %8s  %s\n'
  # shellcheck disable=SC2059
  printf "$prow" case chibo raw ratio goal
  # shellcheck disable=SC2059
  printf "$prow" "BulkUpsertMembers (rows/s, 8 threads)" "$api_rows" "$raw_rows" "$member_ratio" ">= 0.5 ($verdict_m)"
  # shellcheck disable=SC2059
  printf "$prow" "RecordMeeting 33 rows (calls/s, 16 threads)" "$rec_qps" "$raw_tx" "$rec_ratio" ">= 0.7 ($verdict_r; p50 ${rec_p50} ms, p99 ${rec_p99} ms)"
  echo "  RecordMeeting per call: scheduling $(json_field "$RECORD33_COST" scheduling_cpu_us) us, registry $(json_field "$RECORD33_COST" registry_cpu_us) us, MariaDB $(json_field "$RECORD33_COST" mariadb_cpu_us) us of CPU, $(json_field "$RECORD33_COST" statements) statements"
  echo "  raw per transaction:    client $(json_field "$RAW_RECORD_COST" client_cpu_us) us, MariaDB $(json_field "$RAW_RECORD_COST" mariadb_cpu_us) us of CPU, $(json_field "$RAW_RECORD_COST" statements) statements"
  ((rec_err == 0)) || fail "RecordMeeting with 33 attendance rows: $rec_err call(s) failed ($rec_codes)"
  local c_p50 c_p99 c_raw c_ratio m_total m_raw m_ratio m_p50 m_p99 m_pages verdict_c verdict_ca verdict_mm verdict_mp
  c_p50="$(json_field "$READ_COMPLIANCE" p50_ms)"
  c_p99="$(json_field "$READ_COMPLIANCE" p99_ms)"
  c_raw="$(json_field "$RAW_COMPLIANCE" p50_ms)"
  m_total="$(json_field "$READ_MEETINGS" p50_total_ms)"
  m_p50="$(json_field "$READ_MEETINGS" page_p50_ms)"
  m_p99="$(json_field "$READ_MEETINGS" page_p99_ms)"
  m_pages="$(json_field "$READ_MEETINGS" pages)"
  m_raw="$(json_field "$RAW_MEETINGS" p50_ms)"
  c_ratio="$(awk -v a="$c_p50" -v r="$c_raw" 'BEGIN {if (r > 0) printf "%.2f", a / r; else print "n/a"}')"
  m_ratio="$(awk -v a="$m_total" -v r="$m_raw" 'BEGIN {if (r > 0) printf "%.3f", a / r; else print "n/a"}')"
  verdict_c="$(awk -v a="$c_p50" -v r="$c_raw" 'BEGIN {print (r > 0 && a / r <= 1.0) ? "meets" : "ABOVE"}')"
  verdict_ca="$(awk -v x="$c_p50" 'BEGIN {print (x <= 500) ? "meets" : "ABOVE"}')"
  verdict_mm="$(awk -v a="$m_total" -v r="$m_raw" 'BEGIN {print (r > 0 && a / r <= 1.0) ? "meets" : "ABOVE"}')"
  verdict_mp="$(awk -v x="$m_p99" 'BEGIN {print (x <= 20) ? "meets" : "ABOVE"}')"
  # shellcheck disable=SC2059
  printf "$prow" "GetComplianceReport, root, year (p50 ms)" "$c_p50" "$c_raw" "$c_ratio" "<= 1.0 ($verdict_c; p99 ${c_p99} ms; <= 500 ms: $verdict_ca)"
  # shellcheck disable=SC2059
  printf "$prow" "ListMeetings, root, month, all pages (ms)" "$m_total" "$m_raw" "$m_ratio" "<= 1.0 ($verdict_mm; $m_pages pages, page p50 ${m_p50} ms, p99 ${m_p99} ms, <= 20 ms: $verdict_mp)"
  [[ "$(json_field "$READ_COMPLIANCE" errors)" == 0 ]] || fail "GetComplianceReport: $(json_field "$READ_COMPLIANCE" errors) call(s) failed"
  [[ "$(json_field "$READ_MEETINGS" errors)" == 0 ]] || fail "ListMeetings: $(json_field "$READ_MEETINGS" errors) call(s) failed"
  if ((!SMOKE)); then
    [[ "$verdict_m" == meets ]] || fail "BulkUpsertMembers: $member_ratio x the raw rows/s (goal >= 0.5)"
    [[ "$verdict_r" == meets ]] || fail "RecordMeeting (33 rows): $rec_ratio x the raw transactions/s (goal >= 0.7)"
  fi
  local dir="$TMP" stamp
  ((SMOKE)) || dir="$CHIBO_ROOT/bench/results"
  mkdir -p "$dir"
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  PROVINCE_JSON="$dir/province-$stamp.json"
  cat >"$PROVINCE_JSON" <<JSON
{"date":"$stamp","machine":"$(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n 1)","smoke":$SMOKE,
 "province":$PROVINCE,
 "bulk_upsert_members":{"rows_per_second":$api_rows,"raw_rows_per_second":$raw_rows,"ratio":"$member_ratio","goal":">= 0.5","raw":$RAW_MEMBERS},
 "record_meeting_33":{"calls_per_second":$rec_qps,"p50_ms":$rec_p50,"p99_ms":$rec_p99,"errors":$rec_err,"raw_transactions_per_second":$raw_tx,"ratio":"$rec_ratio","goal":">= 0.7","raw":$RAW_RECORD,"cost_per_call":${RECORD33_COST:-null},"raw_cost_per_transaction":${RAW_RECORD_COST:-null}},
 "compliance_report_year":{"chibo":${READ_COMPLIANCE:-null},"raw":${RAW_COMPLIANCE:-null},"ratio":"$c_ratio","goal":"<= 1.0 x raw, <= 500 ms"},
 "list_meetings_month":{"chibo":${READ_MEETINGS:-null},"raw":${RAW_MEETINGS:-null},"ratio":"$m_ratio","goal":"<= 1.0 x raw, page p99 <= 20 ms"}}
JSON
  echo "written: $PROVINCE_JSON"
}
PROVINCE_JSON=""

# Stops a server with SIGTERM and reports whether it exited cleanly.
stop_server() { # NAME PID
  local name="$1" pid="$2" rc=0
  chibo_stop_pid "$pid" "$name" 20
  wait "$pid" 2>/dev/null || rc=$?
  ((rc == 0)) || fail "$name exited with status $rc after SIGTERM"
}

cleanup() {
  local rc=$?
  trap '' INT TERM HUP
  [[ -n "$LOADGEN_PID" ]] && { kill -TERM "$LOADGEN_PID" 2>/dev/null || true; }
  [[ -n "$SCHEDULING_PID" ]] && chibo_stop_pid "$SCHEDULING_PID" chibo-scheduling 10
  [[ -n "$REGISTRY_PID" ]] && chibo_stop_pid "$REGISTRY_PID" chibo-registry 10
  [[ -n "$ECHO_PID" ]] && chibo_stop_pid "$ECHO_PID" chibo-echo-server 10
  if [[ -n "$DB_DIR" ]]; then
    chibo_db_stop "$DB_DIR" || true
  fi
  if [[ -n "$TMP" ]]; then
    if ((KEEP)); then
      chibo_log "kept logs and data in $TMP"
    else
      rm -rf "$TMP"
    fi
  fi
  exit "$rc"
}

# ---------------------------------------------------------------- main

main() {
  parse_args "$@"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP

  if ((BUILD)); then
    chibo_install_deps
    chibo_build "$CHIBO_BUILD_DIR"
  fi
  ECHO_BIN="$CHIBO_BUILD_DIR/tools/bench/chibo-echo-server"
  LOADGEN="$CHIBO_BUILD_DIR/tools/bench/chibo-loadgen"
  RAWSQL="$CHIBO_BUILD_DIR/tools/bench/chibo-rawsql"
  DATAGEN="$CHIBO_BUILD_DIR/tools/datagen/chibo-datagen"
  READBENCH="$CHIBO_BUILD_DIR/tools/bench/chibo-readbench"
  REGISTRY_BIN="$(chibo_service_binary registry "$CHIBO_BUILD_DIR")"
  SCHEDULING_BIN="$(chibo_service_binary scheduling "$CHIBO_BUILD_DIR")"
  local bin
  for bin in "$ECHO_BIN" "$LOADGEN" "$RAWSQL" "$DATAGEN" "$READBENCH" "$REGISTRY_BIN" "$SCHEDULING_BIN"; do
    [[ -x "$bin" ]] || chibo_die "$bin is not built (run without --no-build, or set CHIBO_BUILD_DIR)"
  done
  [[ -x "$CHIBO_BUF" ]] || chibo_die "$CHIBO_BUF is missing (npm ci, or run without --no-build)"

  TMP="$(mktemp -d "${TMPDIR:-/tmp}/chibo-bench.XXXXXX")"
  DB_DIR="$TMP/db"
  chibo_db_start "$DB_DIR"
  local sock="$DB_DIR/mysqld.sock"
  chibo_db_provision "$sock" "$TMP/secrets"
  local db_pid
  db_pid="$(<"$DB_DIR/mysqld.pid")"
  DB_PID="$db_pid"

  # Both servers get the same thread quota explicitly, so a CHIBO_MAX_THREADS
  # in the environment cannot tilt the comparison.
  chibo_spawn "$TMP/echo.log" "$ECHO_BIN" --port=0 \
    --port_file="$TMP/echo.port" --max_threads="$MAX_THREADS"
  ECHO_PID=$CHIBO_SPAWNED_PID
  chibo_spawn "$TMP/registry.log" "$REGISTRY_BIN" --port=0 \
    --port_file="$TMP/registry.port" --db_host="unix://$sock" \
    --db_user=chibo_registry --db_password_file="$TMP/secrets/registry.password" \
    --db_schema=chibo_registry --insecure_dev --max_threads="$MAX_THREADS" \
    --shutdown_drain=0s
  REGISTRY_PID=$CHIBO_SPAWNED_PID
  local echo_port registry_port
  echo_port="$(wait_port chibo-echo-server "$ECHO_PID" "$TMP/echo.port" "$TMP/echo.log" 20)"
  registry_port="$(wait_port chibo-registry "$REGISTRY_PID" "$TMP/registry.port" "$TMP/registry.log" 60)"
  # Scheduling asks this registry (cells, members, the tree feed). Started
  # now so that its idle memory is measured with the others'.
  chibo_spawn "$TMP/scheduling.log" "$SCHEDULING_BIN" --port=0 \
    --port_file="$TMP/scheduling.port" --db_host="unix://$sock" \
    --db_user=chibo_scheduling --db_password_file="$TMP/secrets/scheduling.password" \
    --db_schema=chibo_scheduling --registry_address="127.0.0.1:$registry_port" \
    --insecure_dev --max_threads="$MAX_THREADS" --shutdown_drain=0s
  SCHEDULING_PID=$CHIBO_SPAWNED_PID
  local scheduling_port
  scheduling_port="$(wait_port chibo-scheduling "$SCHEDULING_PID" "$TMP/scheduling.port" "$TMP/scheduling.log" 60)"
  chibo_log "echo on port $echo_port (pid $ECHO_PID), registry on port $registry_port (pid $REGISTRY_PID), scheduling on port $scheduling_port (pid $SCHEDULING_PID), MariaDB pid $db_pid"

  # One organisation to read.
  local created org_name
  if ! created="$("$CHIBO_BUF" curl --protocol grpc --http2-prior-knowledge \
    -d '{"organization":{"displayName":"Tỉnh ủy Lạng Sơn","level":"ORGANIZATION_LEVEL_PROVINCE","externalCode":"BENCH"}}' \
    "http://127.0.0.1:$registry_port/chibo.registry.v1.RegistryService/CreateOrganization" 2>&1)"; then
    printf '%s\n' "$created" >&2
    chibo_die "CreateOrganization failed; answer above"
  fi
  org_name="$(grep -o -m 1 -E '"name": *"[^"]*"' <<<"$created" | sed -E 's/.*"([^"]*)"$/\1/')"
  [[ "$org_name" == organizations/* ]] || {
    printf '%s\n' "$created" >&2
    chibo_die "no organisation name in the CreateOrganization answer (above)"
  }
  chibo_log "created $org_name"

  # Idle memory: both servers started, nothing in flight.
  sleep 1
  local echo_idle registry_idle scheduling_idle db_idle
  echo_idle="$(rss_kib "$ECHO_PID")"
  registry_idle="$(rss_kib "$REGISTRY_PID")"
  scheduling_idle="$(rss_kib "$SCHEDULING_PID")"
  db_idle="$(rss_kib "$db_pid")"

  # Alternate the order (echo, registry, registry, echo, ...) so that a
  # drift in the machine's background load does not favour either target.
  local round order target
  local -a echo_results=() registry_results=()
  local echo_peak=0 registry_peak=0 db_peak=0
  local echo_cpu=0 registry_cpu=0 db_cpu=0
  local read_rounds=$ROUNDS
  wanted reads || read_rounds=0
  for ((round = 1; round <= read_rounds; round++)); do
    if ((round % 2 == 1)); then order=(echo registry); else order=(registry echo); fi
    for target in "${order[@]}"; do
      if [[ "$target" == echo ]]; then
        run_load "echo-$round" "$echo_port" /chibo.bench.v1.EchoService/Echo \
          '{"message":"Tỉnh ủy Lạng Sơn"}' "$ECHO_PID"
        echo_results+=("$RESULT")
        echo_cpu=$((echo_cpu + CPU[$ECHO_PID]))
        if ((PEAK[$ECHO_PID] > echo_peak)); then echo_peak=${PEAK[$ECHO_PID]}; fi
      else
        run_load "registry-$round" "$registry_port" \
          /chibo.registry.v1.RegistryService/GetOrganization \
          "{\"name\":\"$org_name\"}" "$REGISTRY_PID" "$db_pid"
        registry_results+=("$RESULT")
        registry_cpu=$((registry_cpu + CPU[$REGISTRY_PID]))
        db_cpu=$((db_cpu + CPU[$db_pid]))
        if ((PEAK[$REGISTRY_PID] > registry_peak)); then registry_peak=${PEAK[$REGISTRY_PID]}; fi
        if ((PEAK[$db_pid] > db_peak)); then db_peak=${PEAK[$db_pid]}; fi
      fi
    done
  done

  # Writes with and without request_id, into a cell of their own.
  local bloc cell
  bloc="$(create_org "$registry_port" "{\"organization\":{\"displayName\":\"Đảng ủy Khối\",\"level\":\"ORGANIZATION_LEVEL_BLOC\",\"parent\":\"$org_name\",\"externalCode\":\"BENCH-KHOI\"}}")"
  cell="$(create_org "$registry_port" "{\"organization\":{\"displayName\":\"Chi bộ\",\"level\":\"ORGANIZATION_LEVEL_GRASSROOTS_CELL\",\"category\":\"CELL_CATEGORY_ADMINISTRATIVE_AGENCY\",\"parent\":\"$bloc\",\"externalCode\":\"BENCH-CB\"}}")"
  if wanted writes; then
    DB_SOCK="$sock"
    run_write_loads "$registry_port" "$scheduling_port" "$cell" "$bloc"
    DB_SOCK=""
  fi
  if wanted province; then
    run_province_cases "$registry_port" "$scheduling_port" "$bloc" "$sock"
  fi

  # Raw MariaDB for scale: the same primary-key row, over the socket, with
  # the same number of clients (text protocol, no gRPC, no pool).
  local slap_qps="-"
  if ((!SMOKE)) && wanted reads; then
    local id="${org_name#organizations/}" queries slap_out seconds
    queries=$(awk -v d="$DURATION" 'BEGIN {q = int(20000 * d); print (q < 1000 ? 1000 : q)}')
    chibo_log "MariaDB baseline: $queries primary-key selects with mariadb-slap, concurrency $CONCURRENCY"
    # mariadb-slap exits 0 even when its queries fail: look for the result.
    slap_out="$(mariadb-slap --no-defaults --socket="$sock" --user=root \
      --create-schema=chibo_registry --concurrency="$CONCURRENCY" \
      --iterations=1 --number-of-queries="$queries" \
      --query="SELECT * FROM organizations WHERE id = $id" 2>&1)" || true
    seconds="$(sed -n 's/.*Average number of seconds to run all queries: *\([0-9.]*\).*/\1/p' <<<"$slap_out")"
    if [[ -n "$seconds" ]] && ! grep -q -i error <<<"$slap_out"; then
      slap_qps="$(awk -v q="$queries" -v s="$seconds" 'BEGIN {if (s > 0) printf "%.0f", q / s; else print "-"}')"
    else
      chibo_warn "mariadb-slap failed (baseline skipped): $(head -n 3 <<<"$slap_out")"
    fi
  fi

  local echo_problems registry_problems scheduling_problems
  echo_problems="$(log_problems chibo-echo-server "$TMP/echo.log")"
  registry_problems="$(log_problems chibo-registry "$TMP/registry.log")"
  scheduling_problems="$(log_problems chibo-scheduling "$TMP/scheduling.log")"

  # Scheduling first: it follows the registry.
  stop_server chibo-scheduling "$SCHEDULING_PID"
  SCHEDULING_PID=""
  stop_server chibo-registry "$REGISTRY_PID"
  REGISTRY_PID=""
  stop_server chibo-echo-server "$ECHO_PID"
  ECHO_PID=""

  # ------------------------------------------------------------ report
  echo
  echo "chibo benchmark on $(nproc) CPUs (shared by the servers, MariaDB and the client)"
  echo "  concurrency $CONCURRENCY, server max_threads $MAX_THREADS; parts: $ONLY"
  local e_qps=0 e_p50 e_p99 e_calls e_err=0 e_codes
  local r_qps=0 r_p50 r_p99 r_calls r_err=0 r_codes ratio verdict
  if wanted reads; then
    read -r e_qps e_p50 e_p99 e_calls e_err e_codes <<<"$(summarize "${echo_results[@]}")"
    read -r r_qps r_p50 r_p99 r_calls r_err r_codes <<<"$(summarize "${registry_results[@]}")"
    [[ -n "$e_qps" && -n "$r_qps" ]] || chibo_die "cannot read the loadgen results"
    ratio="$(awk -v r="$r_qps" -v e="$e_qps" 'BEGIN {if (e > 0) printf "%.2f", r / e; else print "n/a"}')"
    verdict="$(awk -v x="$ratio" 'BEGIN {print (x != "n/a" && x >= 0.8) ? "meets the goal" : "BELOW the goal"}')"

    # Server CPU per call, in microseconds (all processes share the CPUs, so
    # this shows where the time goes).
    local e_cpu_us r_cpu_us db_cpu_us
    e_cpu_us="$(per_call_us "$echo_cpu" "$e_calls")"
    r_cpu_us="$(per_call_us "$registry_cpu" "$r_calls")"
    db_cpu_us="$(per_call_us "$db_cpu" "$r_calls")"

    local row='%-28s %10s %9s %9s %9s %9s %9s %8s  %s\n'
    if ((ROUNDS > 1)); then
      echo "  per target: ${DURATION}s measured in $ROUNDS runs of ${RUN_SECONDS}s (alternating targets), ${WARMUP}s warmup each"
    else
      echo "  per target: ${DURATION}s measured, ${WARMUP}s warmup"
    fi
    echo "  qps counts OK calls; p50/p99 are the worst run's; srv_us and db_us are the"
    echo "  CPU time per call of the server and of mariadbd (microseconds)"
    echo
    # shellcheck disable=SC2059  # the format is ours.
    printf "$row" target qps p50_ms p99_ms srv_us db_us calls errors "error codes"
    # shellcheck disable=SC2059
    printf "$row" "echo  EchoService/Echo" "$e_qps" "$e_p50" "$e_p99" "$e_cpu_us" - "$e_calls" "$e_err" "$e_codes"
    # shellcheck disable=SC2059
    printf "$row" "registry  GetOrganization" "$r_qps" "$r_p50" "$r_p99" "$r_cpu_us" "$db_cpu_us" "$r_calls" "$r_err" "$r_codes"
    if [[ "$slap_qps" != "-" ]]; then
      printf '%-28s %10s  (raw primary-key SELECT via mariadb-slap, for scale)\n' \
        "MariaDB  SELECT by id" "$slap_qps"
    fi
    echo
    echo "ratio registry/echo (qps): $ratio   (goal >= 0.8: $verdict)"
    echo
  fi
  if wanted writes; then report_write_loads; fi
  if wanted province; then report_province_cases; fi
  echo
  local mrow='%-28s %10s %17s  %s\n'
  # shellcheck disable=SC2059
  printf "$mrow" "memory (VmRSS, MiB)" idle "under load (peak)" ""
  # shellcheck disable=SC2059
  printf "$mrow" chibo-echo-server "$(mib "$echo_idle")" "$(mib "$echo_peak")" "$(idle_verdict "$echo_idle")"
  # shellcheck disable=SC2059
  printf "$mrow" chibo-registry "$(mib "$registry_idle")" "$(mib "$registry_peak")" "$(idle_verdict "$registry_idle")"
  # shellcheck disable=SC2059
  printf "$mrow" chibo-scheduling "$(mib "$scheduling_idle")" "$(mib "$SCHEDULING_PEAK")" "$(idle_verdict "$scheduling_idle")"
  # shellcheck disable=SC2059
  printf "$mrow" "mariadbd (not ours)" "$(mib "$db_idle")" "$(mib "$db_peak")" ""
  echo
  if wanted reads; then
    echo "runs (chibo-loadgen output):"
    printf '  echo      %s\n' "${echo_results[@]}"
    printf '  registry  %s\n' "${registry_results[@]}"
  fi
  if ((echo_problems > 0 || registry_problems > 0 || scheduling_problems > 0)); then
    echo "server logs: $echo_problems problem line(s) from echo, $registry_problems from registry, $scheduling_problems from scheduling (first ones in the warnings above)"
  fi

  # ------------------------------------------------------------ verdict
  if wanted reads; then
    ((e_err == 0)) || fail "echo: $e_err call(s) failed ($e_codes)"
    ((r_err == 0)) || fail "registry: $r_err call(s) failed ($r_codes)"
    local e_warm r_warm
    e_warm="$(warmup_errors "${echo_results[@]}")"
    r_warm="$(warmup_errors "${registry_results[@]}")"
    ((e_warm == 0)) || fail "echo: $e_warm call(s) failed during the warm-up"
    ((r_warm == 0)) || fail "registry: $r_warm call(s) failed during the warm-up"
    awk -v q="$e_qps" 'BEGIN {exit !(q > 0)}' || fail "echo qps is 0"
    awk -v q="$r_qps" 'BEGIN {exit !(q > 0)}' || fail "registry qps is 0"
  fi
  ((echo_problems == 0)) || fail "chibo-echo-server logged $echo_problems problem line(s)"
  ((registry_problems == 0)) || fail "chibo-registry logged $registry_problems problem line(s)"
  ((scheduling_problems == 0)) || fail "chibo-scheduling logged $scheduling_problems problem line(s)"
  if ((${#FAILURES[@]} > 0)); then
    echo
    echo "problems:"
    printf '  - %s\n' "${FAILURES[@]}"
    if ((SMOKE)); then
      echo "bench smoke: FAILED"
      return 1
    fi
  elif ((SMOKE)); then
    echo "bench smoke: ok"
  fi
  return 0
}

main "$@"
