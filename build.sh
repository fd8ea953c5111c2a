#!/usr/bin/env bash
# LogService's one entry point.
#   ./build.sh run              start LogService locally on its embedded defaults
#   ./build.sh test             build and run every test; ends with "N passed, N failed"
#   ./build.sh bench SCENARIO   run one benchmark (add --quick for a short run)
# Each command installs what it is missing (Debian packages when root, NuGet, npm).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

# Debian packages the named command needs; installed only when missing.
apt_ensure() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  local sudo=""
  if [ "$(id -u)" != 0 ]; then command -v sudo >/dev/null || die "need root or sudo to install: ${missing[*]}"; sudo=sudo; fi
  say "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

dotnet_ensure() {
  command -v dotnet >/dev/null || die "the .NET 10 SDK is required (https://dot.net); 'dotnet' is not on PATH"
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
}

# Packages the test suite drives for real: PostgreSQL server, headless chromium for the console tests, strace for
# the storage test that checks every acknowledgement follows the write-ahead log's sync.
test_prerequisites() {
  apt_ensure postgresql
  apt_ensure chromium
  apt_ensure strace
  command -v node >/dev/null || apt_ensure nodejs npm
  [ -d tests/LogService.Server.Tests/idp/node_modules ] || npm ci --prefix tests/LogService.Server.Tests/idp --no-audit --no-fund
}

cmd_test() {
  dotnet_ensure
  test_prerequisites
  say "restoring and building (Release)"
  dotnet restore LogService.sln --nologo -v q
  dotnet build LogService.sln -c Release --no-restore --nologo -v q -clp:ErrorsOnly
  local results; results=$(mktemp -d)
  say "running tests"
  local status=0
  # The browser tests run after the rest: beside the multi-process cluster tests on two cores their pages missed
  # the browser's 30 s timeouts.
  dotnet test LogService.sln -c Release --no-build --nologo -v q --filter "FullyQualifiedName!~LogService.Console.Tests" \
    --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" || status=$?
  dotnet test tests/LogService.Console.Tests -c Release --no-build --nologo -v q \
    --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" || status=$?
  # Sum the counters of every project's TRX file.
  local passed=0 failed=0 counters
  for f in "$results"/*.trx; do
    [ -e "$f" ] || continue
    counters=$(grep -o '<Counters [^>]*>' "$f" | head -1)
    passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
    failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
  done
  # A test host that crashed writes no failures of its own; never report such a run as clean.
  if [ "$status" != 0 ] && [ "$failed" = 0 ]; then failed=1; echo "a test run aborted (exit $status) without reporting failures" >&2; fi
  rm -rf "$results"
  echo "$passed passed, $failed failed"
  return "$status"
}

# The Web Log Console beside whatever `run` starts: signs people in at the local issuer (:5080) and reads the
# replicas' API (:5081-:5084); it stops when the run does (the watcher outlives an exec of this shell's process).
console_start() {
  dotnet build console/LogService.Console -c Release --nologo -v q -clp:ErrorsOnly
  dotnet console/LogService.Console/bin/Release/net10.0/LogService.Console.dll --urls http://127.0.0.1:5090 \
    --Logging:LogLevel:Default Warning >/dev/null &
  local console=$! run=$$
  ( while kill -0 "$run" 2>/dev/null; do sleep 1; done; kill "$console" 2>/dev/null ) &
  say "Web Log Console: http://127.0.0.1:5090 (sign in as reviewer / reviewer-dev-password, see policies/local-users.yaml)"
}

cmd_bench() {
  dotnet_ensure
  [ $# -ge 1 ] || die "usage: ./build.sh bench SCENARIO [--quick]"
  dotnet run -c Release --project bench/LogService.Bench -- "$@"
}

cmd_run() {
  dotnet_ensure
  say "building the server (Release)"
  dotnet build src/LogService.Server -c Release --nologo -v q -clp:ErrorsOnly
  # Four replica processes, the local issuer and a demo stream; data (keys, stores) stays in ./.data between runs.
  exec dotnet src/LogService.Server/bin/Release/net10.0/LogService.Server.dll local --data "${LOGSERVICE_DATA:-.data}" --policies policies "$@"
}

case "${1:-}" in
  run) shift; dotnet_ensure; console_start; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  *) die "usage: ./build.sh run | test | bench SCENARIO [--quick]" ;;
esac
