#!/usr/bin/env bash
# One command from a fresh clone to a running gateway: installs the npm dependencies when
# missing, builds when the sources are newer than dist/, then runs `dockgate serve "$@"`.
# With no config this is the embedded default: 0.0.0.0:2376 -> /var/run/docker.sock, ./certs.
set -euo pipefail
# A relative --config (or DOCKGATE_CONFIG) names a file in the caller's directory, not in the
# checkout this script changes to below (rev-newuser F9). Under `npm start` the caller's
# directory is INIT_CWD (npm runs the script in the package root); otherwise it is $PWD.
caller=$PWD
if [ "${npm_lifecycle_event:-}" = start ] && [ -n "${INIT_CWD:-}" ]; then caller=$INIT_CWD; fi
absolute() {
  case $1 in
    /*) printf '%s' "$1" ;;
    *[![:space:]]*) printf '%s/%s' "$caller" "$1" ;;
    *) printf '%s' "$1" ;; # blank: serve refuses it as empty (a usage error, never the default)
  esac
}
args=()
config_next=0
for arg in "$@"; do
  if [ "$config_next" = 1 ]; then
    arg=$(absolute "$arg")
    config_next=0
  elif [ "$arg" = --config ]; then
    config_next=1
  elif [ "${arg#--config=}" != "$arg" ]; then
    arg=--config=$(absolute "${arg#--config=}")
  fi
  args+=("$arg")
done
set -- ${args[@]+"${args[@]}"}
if [ -n "${DOCKGATE_CONFIG+set}" ]; then DOCKGATE_CONFIG=$(absolute "$DOCKGATE_CONFIG"); export DOCKGATE_CONFIG; fi
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
if [ ! -f dist/cli/main.js ] || [ -n "$(find src package.json -newer dist/cli/main.js -print -quit)" ]; then
  npm run build
fi
# A 4 MiB young generation (V8 defaults to 16): ~25 MiB less resident memory under load and
# with many open streams, for more CPU per request under many concurrent clients
# (docs/deployment.md, "Young generation"). The flag is in the bin shebang and the
# Dockerfile too (test/unit/cli/launch-flags.test.ts keeps the three the same).
# --inspect-port on an address no interface has: a SIGUSR1 that arrives while Node boots,
# before `serve` takes the signal over, cannot open the inspector (src/cli/main.ts).
exec node --max-semi-space-size=4 --inspect-port=0.0.0.1:9229 dist/cli/main.js serve "$@"
