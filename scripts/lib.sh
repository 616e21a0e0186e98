# shellcheck shell=bash
# Shared helpers for chibo's scripts. Source it; do not run it.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Functions (all fail loudly; callers run under `set -euo pipefail`):
#   chibo_install_deps                 apt packages + npm tools (buf)
#   chibo_build [BUILD_DIR]            cmake configure (once) + build
#   chibo_db_start DIR [PORT]          private MariaDB under DIR (reused if up)
#   chibo_db_stop DIR                  clean shutdown of that MariaDB
#   chibo_db_provision SOCKET SECRETS  schemas + per-service users, via root
#   chibo_db_provision_remote HOST PORT ADMIN_USER SECRETS
#                                      the same against an external server;
#                                      admin password in CHIBO_DB_ADMIN_PASSWORD
#   chibo_spawn LOG CMD...             background process in its own group
#   chibo_stop_pid PID NAME [SECONDS]  SIGTERM, wait, then SIGKILL
#
# Environment: CHIBO_BUILD_DIR (default $CHIBO_ROOT/build), CHIBO_JOBS
# (parallel build/test jobs, default 2), CHIBO_DB_PASSWORD_<SVC> (fixes a
# service's database password instead of a generated one).

if [[ -n "${CHIBO_LIB_LOADED:-}" ]]; then
  return 0
fi
CHIBO_LIB_LOADED=1

# The repository root, whatever the caller's working directory.
CHIBO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHIBO_BUILD_DIR="${CHIBO_BUILD_DIR:-$CHIBO_ROOT/build}"
CHIBO_JOBS="${CHIBO_JOBS:-2}"
CHIBO_BUF="$CHIBO_ROOT/node_modules/.bin/buf"

# Every service, in dependency order (each may call the ones before it).
CHIBO_SERVICES=(registry scheduling supervision evaluation)

CHIBO_APT_PACKAGES=(
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libmysqlcppconn-dev mariadb-server mariadb-client grpc-proto
  pkg-config cmake g++ make libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev openssl
  ccache nodejs npm clang-format curl ca-certificates
  prometheus-cpp-dev
)

# ---------------------------------------------------------------- messages

chibo_log() { printf '[chibo] %s\n' "$*" >&2; }
chibo_warn() { printf '[chibo] warning: %s\n' "$*" >&2; }
chibo_die() {
  printf '[chibo] error: %s\n' "$*" >&2
  exit 1
}

# ---------------------------------------------------------------- services

# The fixed local port of each service (the same in every environment, so
# that the printed examples and the other services' flags agree).
chibo_service_port() {
  case "$1" in
    registry) echo 50051 ;;
    scheduling) echo 50052 ;;
    supervision) echo 50053 ;;
    evaluation) echo 50054 ;;
    *) chibo_die "unknown service: $1" ;;
  esac
}

# Its Prometheus /metrics port: the gRPC port + 1000 (51051, 51052, ...).
chibo_service_metrics_port() {
  echo $(($(chibo_service_port "$1") + 1000))
}

chibo_service_binary() { # SVC [BUILD_DIR]
  echo "${2:-$CHIBO_BUILD_DIR}/services/$1/chibo-$1"
}

# ---------------------------------------------------------------- processes

# True while PID runs. A zombie counts as gone: it has finished, it is only
# waiting for its parent to collect the exit status.
chibo_alive() {
  local pid="$1" stat
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != "Z" ]]
}

# True when PID runs and its command line contains NEEDLE: a pid file may
# outlive its process, and the number may since belong to something else.
chibo_pid_is() {
  local pid="$1" needle="$2" cmdline
  chibo_alive "$pid" || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *"$needle"* ]]
}

# Waits up to SECONDS for PID to end; false on timeout.
chibo_wait_exit() {
  local pid="$1" deadline=$((SECONDS + $2))
  while chibo_alive "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# Starts CMD in the background with output appended to LOG. It gets its own
# process group so that a Ctrl-C at the terminal reaches only the calling
# script, which then stops things in order (services before the database).
# Fd 9 (scripts/up.sh's lock) is closed so a leftover child cannot hold the
# lock. Sets CHIBO_SPAWNED_PID.
chibo_spawn() {
  local log="$1" had_monitor=0
  shift
  [[ $- == *m* ]] && had_monitor=1
  set -m
  "$@" </dev/null >>"$log" 2>&1 9>&- &
  CHIBO_SPAWNED_PID=$!
  ((had_monitor)) || set +m
}

# SIGTERM, then up to SECONDS (default 15) for a graceful exit, then SIGKILL.
chibo_stop_pid() {
  local pid="$1" name="$2" timeout="${3:-15}"
  chibo_alive "$pid" || return 0
  chibo_log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || return 0
  if ! chibo_wait_exit "$pid" "$timeout"; then
    chibo_warn "$name (pid $pid) still running after ${timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    chibo_wait_exit "$pid" 5 || true
  fi
}

# True when something accepts TCP connections on 127.0.0.1:PORT.
chibo_port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ---------------------------------------------------------------- deps

chibo__pkg_installed() {
  local status
  # shellcheck disable=SC2016  # ${Status} is dpkg-query's field, not ours.
  status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" || return 1
  [[ "$status" == "install ok installed" ]]
}

# Prints the apt packages still missing. node and npm count as present when
# on PATH from anywhere (nvm, NodeSource, a tarball): apt-installing Debian's
# npm over those would fight them.
chibo__missing_packages() {
  local pkg
  for pkg in "${CHIBO_APT_PACKAGES[@]}"; do
    case "$pkg" in
      nodejs) command -v node >/dev/null 2>&1 && continue ;;
      npm) command -v npm >/dev/null 2>&1 && continue ;;
    esac
    chibo__pkg_installed "$pkg" || printf '%s\n' "$pkg"
  done
}

chibo__install_apt() {
  local missing
  command -v dpkg-query >/dev/null 2>&1 ||
    chibo_die "dpkg-query not found: these scripts expect Debian 12 (or install the packages listed in scripts/lib.sh yourself)"
  mapfile -t missing < <(chibo__missing_packages)
  ((${#missing[@]} == 0)) && return 0
  if ((EUID != 0)); then
    chibo_die "missing packages: ${missing[*]}
  install them as root, then re-run:
    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
  fi
  chibo_log "installing: ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

chibo__buf_works() {
  [[ -x "$CHIBO_BUF" ]] && "$CHIBO_BUF" --version >/dev/null 2>&1
}

# buf comes from npm, pinned in package.json (and package-lock.json).
chibo__install_npm_tools() {
  chibo__buf_works && return 0
  chibo_log "installing npm tools (buf) into $CHIBO_ROOT/node_modules"
  mkdir -p "$CHIBO_ROOT/.cache"
  local log="$CHIBO_ROOT/.cache/npm-ci.log"
  if [[ -f "$CHIBO_ROOT/package-lock.json" ]]; then
    if ! (cd "$CHIBO_ROOT" && npm ci --no-audit --no-fund) >"$log" 2>&1; then
      # npm ci refuses a lockfile that lacks other platforms' optional
      # packages (npm/cli#4828, #8320), which is what npm writes when it
      # cannot see them. --no-save installs the same pinned version and
      # leaves package-lock.json untouched.
      grep -E 'npm error (code|Missing)' "$log" | head -n 4 >&2 || true
      chibo_warn "npm ci failed (full output: $log); using npm install --no-save"
      (cd "$CHIBO_ROOT" && npm install --no-audit --no-fund --no-save)
    fi
  else
    (cd "$CHIBO_ROOT" && npm install --no-audit --no-fund)
  fi
  chibo__buf_works || chibo_die "$CHIBO_BUF --version failed after npm install"
}

# Safe to re-run; takes well under a second when everything is present.
chibo_install_deps() {
  chibo__install_apt
  chibo__install_npm_tools
}

# ---------------------------------------------------------------- build

# True when BUILD needs (re)configuring: never configured, a configure that
# failed (a cache but no build files), or a CMakeLists.txt newer than the
# last configure. The last matters because the tree adds directories with
# if(EXISTS .../CMakeLists.txt), which cmake does not watch: a new service
# or test directory would otherwise never be built.
chibo__needs_configure() {
  local build="$1" newer
  [[ -f "$build/CMakeCache.txt" ]] || return 0
  [[ -f "$build/Makefile" || -f "$build/build.ninja" ]] || return 0
  newer="$(find "$CHIBO_ROOT" \( -name 'build*' -o -name node_modules \
    -o -name '.?*' \) -prune -o -name CMakeLists.txt \
    -newer "$build/CMakeCache.txt" -print -quit)"
  [[ -n "$newer" ]]
}

chibo_build() {
  local build="${1:-$CHIBO_BUILD_DIR}"
  # Keep the compiler cache with the checkout, so CI can cache one folder.
  export CCACHE_DIR="${CCACHE_DIR:-$CHIBO_ROOT/.cache/ccache}"
  # Paths relative to the checkout, so that two checkouts (git worktrees,
  # CI's fresh clone restoring a cached folder) share compiled objects.
  export CCACHE_BASEDIR="$CHIBO_ROOT" CCACHE_NOHASHDIR=1
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S "$CHIBO_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
  elif chibo__needs_configure "$build"; then
    # No -D here: a re-configure keeps whatever the cache holds (a build
    # type or sanitizer option chosen by hand stays).
    cmake -S "$CHIBO_ROOT" -B "$build"
  fi
  cmake --build "$build" -j "$CHIBO_JOBS"
}

# ---------------------------------------------------------------- MariaDB

# Root over the socket has no password (the datadir is installed with
# --auth-root-authentication-method=normal); the socket sits in a 0700
# directory, so only this OS user can reach it.
chibo__db_root() { # DIR, then mariadb arguments
  local dir="$1"
  shift
  mariadb --no-defaults --socket="$dir/mysqld.sock" --user=root "$@"
}

# Prints the pid of the MariaDB serving DIR/data, if one runs.
chibo__db_pid() {
  local dir="$1" pid
  [[ -f "$dir/mysqld.pid" ]] || return 1
  pid="$(<"$dir/mysqld.pid")"
  chibo_pid_is "$pid" "--datadir=$dir/data" || return 1
  echo "$pid"
}

# Installs into a temporary name and renames it at the end, so an
# interrupted install is redone rather than mistaken for a datadir.
chibo__db_install() {
  local dir="$1"
  chibo_log "creating MariaDB datadir $dir/data"
  rm -rf "$dir/data.installing"
  if ! mariadb-install-db --no-defaults --datadir="$dir/data.installing" \
    --user="$(id -un)" --auth-root-authentication-method=normal \
    --skip-test-db >"$dir/install.log" 2>&1; then
    tail -n 20 "$dir/install.log" >&2
    chibo_die "mariadb-install-db failed; see $dir/install.log"
  fi
  mv "$dir/data.installing" "$dir/data"
}

# mariadb-install-db also creates root@127.0.0.1, root@::1, root@<host> and
# anonymous users, all without a password: with a TCP port open any local
# user could log in as root or as anyone. Keep only root over the socket.
chibo__db_harden() {
  local dir="$1" drops
  drops="$(chibo__db_root "$dir" --batch --skip-column-names -e "
    SELECT CONCAT('DROP USER ', QUOTE(User), '@', QUOTE(Host), ';')
    FROM mysql.user
    WHERE is_role = 'N' AND (User = '' OR (User = 'root' AND Host <> 'localhost'))")"
  [[ -z "$drops" ]] || chibo__db_root "$dir" -e "$drops"
}

# Waits up to 30 s for the server to answer; fails early if it died.
chibo__db_wait_ready() {
  local dir="$1" pid="$2" deadline=$((SECONDS + 30))
  until mariadb-admin --no-defaults --socket="$dir/mysqld.sock" --user=root \
    --connect-timeout=2 ping >/dev/null 2>&1; do
    if ! chibo_alive "$pid"; then
      tail -n 20 "$dir/err.log" >&2 || true
      chibo_die "MariaDB exited during start-up; see $dir/err.log"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 20 "$dir/err.log" >&2 || true
      chibo_die "MariaDB did not answer within 30 s; see $dir/err.log"
    fi
    sleep 0.2
  done
}

# A reused server keeps the settings it was started with; say so if they
# differ from what the caller asked for now.
chibo__db_check_port() {
  local dir="$1" want="$2" have
  have="$(chibo__db_root "$dir" --batch --skip-column-names \
    -e "SELECT IF(@@skip_networking, '', @@port)")"
  if [[ "$have" != "$want" ]]; then
    chibo_warn "the running MariaDB listens on '${have:-socket only}', not '${want:-socket only}'; stop it (chibo_db_stop $dir, or scripts/down.sh) to change that"
  fi
}

chibo_db_start() { # DIR [PORT]
  local dir="$1" port="${2:-}" pid
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  # The socket, with root's passwordless login, must stay private.
  chmod 0700 "$dir"
  local sock="$dir/mysqld.sock"
  # sun_path holds 108 bytes including the terminating NUL.
  ((${#sock} <= 107)) ||
    chibo_die "socket path too long (${#sock} bytes, limit 107): $sock"

  if pid="$(chibo__db_pid "$dir")"; then
    chibo_log "reusing MariaDB (pid $pid) on $dir/data"
    chibo__db_wait_ready "$dir" "$pid"
    chibo__db_check_port "$dir" "$port"
    return 0
  fi
  rm -f "$dir/mysqld.pid"
  [[ -d "$dir/data" ]] || chibo__db_install "$dir"

  local net=(--skip-networking)
  if [[ -n "$port" ]]; then
    chibo_port_in_use "$port" && chibo_die "port $port is already in use (another MariaDB/MySQL?)"
    net=(--port="$port" --bind-address=127.0.0.1)
  fi
  chibo_log "starting MariaDB on $dir (${port:+127.0.0.1:$port, }socket $sock)"
  # --skip-name-resolve: a TCP client is known by its address, so the
  # 'localhost' accounts match only socket logins.
  chibo_spawn "$dir/mariadbd.out" mariadbd --no-defaults \
    --datadir="$dir/data" --socket="$sock" --pid-file="$dir/mysqld.pid" \
    --log-error="$dir/err.log" --user="$(id -un)" "${net[@]}" \
    --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_vietnamese_ci \
    --innodb-flush-log-at-trx-commit=1
  chibo__db_wait_ready "$dir" "$CHIBO_SPAWNED_PID"
  chibo__db_harden "$dir"
}

chibo_db_stop() { # DIR
  local dir="$1" pid
  [[ -d "$dir" ]] || return 0
  dir="$(cd "$dir" && pwd)"
  if ! pid="$(chibo__db_pid "$dir")"; then
    rm -f "$dir/mysqld.pid"
    return 0
  fi
  chibo_log "stopping MariaDB (pid $pid) on $dir/data"
  if ! timeout 60 mariadb-admin --no-defaults --socket="$dir/mysqld.sock" \
    --user=root --connect-timeout=5 shutdown >/dev/null 2>&1; then
    # SIGTERM is also a clean shutdown for mariadbd.
    kill -TERM "$pid" 2>/dev/null || true
  fi
  if ! chibo_wait_exit "$pid" 60; then
    # InnoDB recovers from this at the next start; no commit is lost.
    chibo_warn "MariaDB (pid $pid) did not stop within 60 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    chibo_wait_exit "$pid" 10 || true
  fi
  rm -f "$dir/mysqld.pid"
}

# ---------------------------------------------------------------- provisioning

# Quotes a value for a single-quoted SQL string literal.
chibo__sql_quote() {
  local s="${1//\\/\\\\}"
  printf "'%s'" "${s//\'/\'\'}"
}

# Quotes a value for a double-quoted MariaDB/MySQL option-file value.
chibo__cnf_quote() {
  local s="${1//\\/\\\\}"
  printf '"%s"' "${s//\"/\\\"}"
}

# Prints SVC's database password, creating SECRETS/<svc>.password (0600)
# on first use. CHIBO_DB_PASSWORD_<SVC>, when set, wins and is written to
# the file, so the services always read their password from a file.
chibo_service_password() { # SECRETS SVC
  local secrets="$1" svc="$2" var pw file
  var="CHIBO_DB_PASSWORD_${svc^^}"
  file="$secrets/$svc.password"
  pw="${!var:-}"
  # Callers use $(...), where bash drops `set -e`: every step is checked.
  if [[ -z "$pw" && -s "$file" ]]; then
    pw="$(<"$file")" || chibo_die "cannot read $file"
  fi
  if [[ -z "$pw" ]]; then
    pw="$(openssl rand -hex 24)" || chibo_die "openssl rand failed"
  fi
  [[ -n "$pw" ]] || chibo_die "empty password for $svc"
  if [[ ! -f "$file" || "$(<"$file")" != "$pw" ]]; then
    if ! (umask 077 && printf '%s' "$pw" >"$file.tmp" && mv -f "$file.tmp" "$file"); then
      chibo_die "cannot write $file"
    fi
  fi
  chmod 0600 "$file" || chibo_die "cannot chmod $file"
  printf '%s' "$pw"
}

# MariaDB has utf8mb4_vietnamese_ci; MySQL 8 calls the accent-sensitive
# Vietnamese collation utf8mb4_vi_0900_as_cs.
chibo__pick_collation() { # CNF
  local coll
  # This runs inside $(...), where bash drops `set -e`: check explicitly.
  coll="$(mariadb --defaults-file="$1" --batch --skip-column-names -e "
    SELECT COLLATION_NAME FROM information_schema.COLLATIONS
    WHERE COLLATION_NAME IN ('utf8mb4_vietnamese_ci', 'utf8mb4_vi_0900_as_cs')
    ORDER BY COLLATION_NAME = 'utf8mb4_vietnamese_ci' DESC LIMIT 1")" ||
    chibo_die "cannot log in to the database as its admin (see the error above)"
  [[ -n "$coll" ]] || chibo_die "the server has no Vietnamese utf8mb4 collation"
  echo "$coll"
}

# The SQL for one service: its schema, its user at each host, and rights on
# that schema only. `\_` makes the underscore literal: in GRANT a bare `_`
# is a wildcard, so chibo_x would also match chiboXx.
chibo__provision_sql() { # SVC PASSWORD COLLATION
  local svc="$1" pw coll="$3" host user
  pw="$(chibo__sql_quote "$2")"
  # shellcheck disable=SC2016  # the backquotes are SQL identifier quotes.
  printf 'CREATE DATABASE IF NOT EXISTS `chibo_%s` CHARACTER SET utf8mb4 COLLATE %s;\n' \
    "$svc" "$coll"
  for host in localhost 127.0.0.1 %; do
    user="'chibo_$svc'@'$host'"
    printf 'CREATE USER IF NOT EXISTS %s IDENTIFIED BY %s;\n' "$user" "$pw"
    printf 'ALTER USER %s IDENTIFIED BY %s;\n' "$user" "$pw"
    # shellcheck disable=SC2016  # as above.
    printf 'GRANT ALL PRIVILEGES ON `chibo\\_%s`.* TO %s;\n' "$svc" "$user"
  done
}

# Provisions every service through the admin connection described by CNF.
# The SQL (with the passwords) goes over stdin, never on a command line.
chibo__provision() { # SECRETS CNF
  local secrets="$1" cnf="$2" coll svc pw
  mkdir -p "$secrets"
  chmod 0700 "$secrets"
  coll="$(chibo__pick_collation "$cnf")"
  for svc in "${CHIBO_SERVICES[@]}"; do
    pw="$(chibo_service_password "$secrets" "$svc")"
    chibo__provision_sql "$svc" "$pw" "$coll"
  done | mariadb --defaults-file="$cnf" --batch
  chibo_log "provisioned schemas and users chibo_{${CHIBO_SERVICES[*]}} (passwords in $secrets)"
}

# Runs chibo__provision with a temporary 0600 option file, removed even when
# provisioning fails (it may hold the admin password).
chibo__provision_with_cnf() { # SECRETS, then option-file lines
  local secrets="$1"
  shift
  (
    cnf="$(mktemp "${TMPDIR:-/tmp}/chibo-admin.XXXXXX.cnf")"
    trap 'rm -f "$cnf"' EXIT
    printf '%s\n' "[client]" "$@" >"$cnf"
    chibo__provision "$secrets" "$cnf"
  )
}

chibo_db_provision() { # SOCKET SECRETS_DIR
  local socket="$1" secrets="$2"
  chibo__provision_with_cnf "$secrets" "user=root" \
    "socket=$(chibo__cnf_quote "$socket")"
}

chibo_db_provision_remote() { # HOST PORT ADMIN_USER SECRETS_DIR
  local host="$1" port="$2" user="$3" secrets="$4"
  chibo__provision_with_cnf "$secrets" "protocol=tcp" \
    "host=$(chibo__cnf_quote "$host")" "port=$port" \
    "user=$(chibo__cnf_quote "$user")" \
    "password=$(chibo__cnf_quote "${CHIBO_DB_ADMIN_PASSWORD:-}")"
}
