#!/usr/bin/env bash
# Builds the dockgate container image and runs the end-to-end smoke through it, the way an
# operator would run it: read-only root, all capabilities dropped, no-new-privileges, uid 10001
# with the docker socket's group, host network, the socket and an (initially empty) certificate
# volume mounted.
#
# There is no registry here, so the base image is made locally: `debootstrap --variant=minbase
# bookworm` plus this machine's Node.js (and npm, for the build stage), `docker import`-ed as
# dockgate-base:node20. The tarball is cached under .tmp/image/ (git-ignored), so reruns skip
# debootstrap. The build reaches the npm registry only through the host network.
#
# Environment:
#   DOCKGATE_CI_DOCKER_SOCK  daemon socket to build and run on (the e2e suite passes its
#                            private daemon). Unset: a private dockerd is started and removed.
#   DOCKGATE_IMAGE_TAG       tag of the built image (default dockgate:ci)
#   DOCKGATE_IMAGE_CACHE     cache directory for the base tarball (default .tmp/image)
#   DEBIAN_MIRROR            debootstrap mirror (default: the first deb.debian.org-style URI in
#                            apt's sources, else http://deb.debian.org/debian)
#
# Idempotent; removes every container, directory and daemon it started; exits non-zero on the
# first failure. Needs root (debootstrap, dockerd), debootstrap, docker (CLI), dockerd.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

IMAGE=${DOCKGATE_IMAGE_TAG:-dockgate:ci}
BASE=dockgate-base:node20
CACHE=${DOCKGATE_IMAGE_CACHE:-$ROOT/.tmp/image}
RUN_ID="dgi-$$"
UID_GW=10001

say() { printf '[ci-image] %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

# ---------------------------------------------------------------------------- cleanup
WORK=$(mktemp -d /tmp/dgi-work-XXXXXX)
DAEMON_ROOT=""
DAEMON_PID=""
CONTAINERS=()
cleanup() {
  local rc=$?
  set +e
  for c in "${CONTAINERS[@]}"; do dk rm -f "$c" >/dev/null 2>&1; done
  if [ -n "$DAEMON_PID" ]; then
    kill "$DAEMON_PID" 2>/dev/null
    for _ in $(seq 1 150); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$DAEMON_PID" 2>/dev/null
    # dockerd leaves mounts (netns, overlays) under its roots; unmount deepest first.
    grep -o " $DAEMON_ROOT/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount "$m"; done 2>/dev/null
    rm -rf "$DAEMON_ROOT"
  fi
  rm -rf "$WORK"
  if [ $rc -ne 0 ]; then say "exit $rc"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------- daemon
if [ -n "${DOCKGATE_CI_DOCKER_SOCK:-}" ]; then
  SOCK=$DOCKGATE_CI_DOCKER_SOCK
else
  DAEMON_ROOT=$(mktemp -d /tmp/dgi-d-XXXXXX)
  SOCK=$DAEMON_ROOT/d.sock
  say "starting a private dockerd in $DAEMON_ROOT"
  dockerd --data-root "$DAEMON_ROOT/data" --exec-root "$DAEMON_ROOT/exec" \
    --pidfile "$DAEMON_ROOT/dockerd.pid" -H "unix://$SOCK" \
    --bridge=none --iptables=false --ip6tables=false >"$DAEMON_ROOT/dockerd.log" 2>&1 &
  DAEMON_PID=$!
fi
# Always the legacy builder: no buildx here, and BuildKit would want to pull its frontend.
dk() { DOCKER_BUILDKIT=0 docker -H "unix://$SOCK" "$@"; }
# Match in a command's output without a pipe: `grep -q` quits at the first match, and with
# pipefail the writer's SIGPIPE would turn a match into a failure.
has() { local pattern=$1; shift; local out; out=$("$@" 2>&1) || true; grep -q -- "$pattern" <<<"$out"; }
for _ in $(seq 1 240); do dk version >/dev/null 2>&1 && break; sleep 0.25; done
dk version >/dev/null 2>&1 || fail "no daemon answering at $SOCK"

# The smoke runs busybox containers; the e2e global setup imports it, standalone runs do here.
if ! dk image inspect busybox:latest >/dev/null 2>&1; then
  bb=$(command -v busybox || true); [ -n "$bb" ] || fail "busybox not found (apt install busybox-static)"
  mkdir -p "$WORK/bb/bin" "$WORK/bb/tmp" && cp "$bb" "$WORK/bb/bin/busybox"
  for a in $("$WORK/bb/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$WORK/bb/bin/$a"; done
  tar -C "$WORK/bb" -c . | dk import --change 'CMD ["/bin/sh"]' - busybox:latest >/dev/null
fi

# ---------------------------------------------------------------------------- base image
NODE_BIN=$(readlink -f "$(command -v node)")
NODE_VERSION=$("$NODE_BIN" --version)
NPM_DIR=$(readlink -f "$(dirname "$NODE_BIN")/../lib/node_modules/npm")
[ -f "$NPM_DIR/bin/npm-cli.js" ] || fail "npm not found next to $NODE_BIN (looked in $NPM_DIR)"
# The machine's TLS trust (npm's cafile, else NODE_EXTRA_CA_CERTS): where the network
# intercepts TLS, npm in the build stage needs it, as a site's own base image would carry it.
CA_FILE=$(npm config get cafile 2>/dev/null || true)
case "$CA_FILE" in null | undefined | "") CA_FILE=${NODE_EXTRA_CA_CERTS:-} ;; esac
[ -z "$CA_FILE" ] || [ -f "$CA_FILE" ] || CA_FILE=""
CA_SUM=$( { [ -z "$CA_FILE" ] || cat "$CA_FILE"; } | sha256sum | cut -c1-12)
BASE_TAR=$CACHE/dockgate-base-bookworm-node-$NODE_VERSION-ca-$CA_SUM.tar

debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local uri
  uri=$(grep -hoE '(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | head -n1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

build_base_tar() {
  command -v debootstrap >/dev/null || fail "debootstrap not found (apt install debootstrap)"
  local rootfs=$WORK/rootfs mirror
  mirror=$(debian_mirror)
  say "debootstrap bookworm from $mirror (a few minutes; cached afterwards)"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; fail "debootstrap failed"; }
  # Nothing at run time reads docs, man pages, locales or apt's caches.
  rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/usr/share/locale/* "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/log/*.log "$rootfs"/var/cache/debconf/*-old
  # The same layout as the official node images: node and npm under /usr/local.
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/local/lib/node_modules"
  cp "$NODE_BIN" "$rootfs/usr/local/bin/node"
  if command -v strip >/dev/null; then strip --strip-unneeded "$rootfs/usr/local/bin/node"; fi
  cp -a "$NPM_DIR" "$rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  if [ -n "$CA_FILE" ]; then
    mkdir -p "$rootfs/etc/ssl/certs" && cp "$CA_FILE" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  fi
  chroot "$rootfs" /usr/local/bin/node --version >/dev/null || fail "node does not run in the bookworm rootfs"
  mkdir -p "$CACHE"
  tar --numeric-owner -C "$rootfs" -cf "$BASE_TAR.partial" .
  mv "$BASE_TAR.partial" "$BASE_TAR"
  rm -rf "$rootfs"
}

BASE_ID="node $NODE_VERSION ca $CA_SUM"
if dk image inspect "$BASE" >/dev/null 2>&1 && [ "$(dk image inspect -f '{{.Comment}}' "$BASE")" = "$BASE_ID" ]; then
  say "base image $BASE present"
else
  [ -f "$BASE_TAR" ] || build_base_tar
  say "importing $BASE from $BASE_TAR"
  ca_env=()
  [ -z "$CA_FILE" ] || ca_env=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
  dk import -m "$BASE_ID" --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "${ca_env[@]}" \
    --change 'CMD ["node"]' "$BASE_TAR" "$BASE" >/dev/null
fi

# ---------------------------------------------------------------------------- build
REGISTRY=$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)
say "docker build -t $IMAGE (NODE_IMAGE=$BASE, NPM_REGISTRY=$REGISTRY)"
dk build --network host --build-arg "NODE_IMAGE=$BASE" --build-arg "NPM_REGISTRY=$REGISTRY" \
  -t "$IMAGE" . >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log" >&2; fail "docker build failed"; }
size=$(dk image inspect -f '{{.Size}}' "$IMAGE")
base_size=$(dk image inspect -f '{{.Size}}' "$BASE")
say "image $IMAGE size: $((size / 1000000)) MB (base $BASE: $((base_size / 1000000)) MB)"
echo "IMAGE_SIZE_BYTES=$size"

[ "$(dk image inspect -f '{{.Config.User}}' "$IMAGE")" = "$UID_GW:$UID_GW" ] || fail "image does not default to uid $UID_GW"
[ "$(dk image inspect -f '{{.Config.StopSignal}}' "$IMAGE")" = SIGTERM ] || fail "STOPSIGNAL is not SIGTERM"
has '"2376/tcp"' dk image inspect -f '{{json .Config.ExposedPorts}}' "$IMAGE" || fail "2376 not exposed"
# No dev dependencies, tests or key material in the runtime image.
leftovers=$(dk run --rm --network none --user 0 --entrypoint /bin/sh "$IMAGE" -c \
  'ls -d /opt/dockgate/node_modules/typescript /opt/dockgate/node_modules/vitest /opt/dockgate/test /opt/dockgate/src 2>/dev/null; find /opt /var/lib/dockgate /etc/dockgate -name "*.pem" 2>/dev/null; true')
if [ -n "$leftovers" ]; then say "$leftovers"; fail "runtime image holds dev dependencies, sources, tests or PEM files"; fi

# ---------------------------------------------------------------------------- run
# The embedded default listens on 2376 with its admin on 127.0.0.1:9376 in the host network.
for port in 2376 9376; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "port $port is in use on this host; the embedded default needs it"; fi
done

CERTS=$WORK/certs
mkdir -p "$CERTS" && chown "$UID_GW:$UID_GW" "$CERTS" && chmod 0700 "$CERTS"
SOCK_GID=$(stat -c %g "$SOCK")
GW="$RUN_ID-gw"
CONTAINERS+=("$GW")
say "docker run $GW as $UID_GW:$SOCK_GID (read-only, cap-drop ALL, no-new-privileges, host network)"
dk run -d --name "$GW" --read-only --tmpfs /tmp:rw,noexec,nosuid,size=16m \
  --cap-drop ALL --security-opt no-new-privileges --user "$UID_GW:$SOCK_GID" --network host \
  --health-interval 2s --health-start-period 30s \
  -v "$SOCK:/var/run/docker.sock" -v "$CERTS:/var/lib/dockgate/certs" "$IMAGE" >/dev/null

for _ in $(seq 1 120); do
  has 'dockgate listening' dk logs "$GW" && break
  [ "$(dk inspect -f '{{.State.Running}}' "$GW")" = true ] || { dk logs "$GW" >&2; fail "gateway container exited"; }
  sleep 0.25
done
has 'dockgate listening' dk logs "$GW" || { dk logs "$GW" >&2; fail "gateway did not start"; }
ADMIN=$CERTS/clients/admin
[ -f "$ADMIN/cert.pem" ] && [ -f "$CERTS/ca.pem" ] || fail "the empty certificate volume did not get a CA and an admin bundle"
# With --network host the container has the host's name; the connect line must say so.
has "DOCKER_HOST=tcp://$(hostname):2376" dk logs "$GW" \
  || { dk logs "$GW" >&2; fail "connect line does not name this host ($(hostname))"; }

gw() { local b=$1; shift; docker --tlsverify --tlscacert "$b/ca.pem" --tlscert "$b/cert.pem" --tlskey "$b/key.pem" -H tcp://127.0.0.1:2376 "$@"; }

say "smoke: version"
gw "$ADMIN" version --format '{{.Server.Version}}' >/dev/null || fail "docker version through the gateway"
say "smoke: run --rm"
out=$(gw "$ADMIN" run --rm busybox:latest echo hello-from-run) || fail "docker run --rm"
[ "$out" = hello-from-run ] || fail "docker run --rm printed '$out'"
say "smoke: exec -i"
gw "$ADMIN" run -d --name "$RUN_ID-sleeper" busybox:latest sleep 300 >/dev/null || fail "docker run -d"
CONTAINERS+=("$RUN_ID-sleeper")
out=$(echo piped-stdin | gw "$ADMIN" exec -i "$RUN_ID-sleeper" cat) || fail "docker exec -i"
[ "$out" = piped-stdin ] || fail "docker exec -i printed '$out'"
say "smoke: logs -f"
gw "$ADMIN" run -d --name "$RUN_ID-talker" busybox:latest sh -c 'echo one; sleep 1; echo two' >/dev/null || fail "docker run -d talker"
CONTAINERS+=("$RUN_ID-talker")
out=$(timeout 30 docker --tlsverify --tlscacert "$ADMIN/ca.pem" --tlscert "$ADMIN/cert.pem" --tlskey "$ADMIN/key.pem" \
  -H tcp://127.0.0.1:2376 logs -f "$RUN_ID-talker") || fail "docker logs -f"
[ "$out" = "$(printf 'one\ntwo')" ] || fail "docker logs -f printed '$out'"

say "smoke: a denied request (bob, read-only under the default policy)"
dk run --rm --read-only --cap-drop ALL --security-opt no-new-privileges --network none \
  -v "$CERTS:/var/lib/dockgate/certs" "$IMAGE" certs issue bob --dir certs >/dev/null || fail "certs issue bob in the image"
BOB=$CERTS/clients/bob
gw "$BOB" ps >/dev/null || fail "bob may not even list containers"
if gw "$BOB" run --rm busybox:latest true >"$WORK/bob.out" 2>&1; then fail "bob was allowed to run a container"; fi
grep -q 'dockgate: denied' "$WORK/bob.out" || { cat "$WORK/bob.out" >&2; fail "bob's denial does not say 'dockgate: denied'"; }
has '"decision":"deny".*"status":403\|"status":403.*"decision":"deny"' dk logs "$GW" \
  || fail "no audit record with decision deny and status 403"

say "healthcheck"
# wait_healthy CONTAINER WHAT: up to 30 s for Docker's healthcheck to report healthy.
wait_healthy() {
  for _ in $(seq 1 60); do
    [ "$(dk inspect -f '{{.State.Health.Status}}' "$1")" = healthy ] && return 0
    sleep 0.5
  done
  fail "$2 never became healthy"
}
wait_healthy "$GW" "container"

say "graceful stop (SIGTERM)"
dk stop -t 30 "$GW" >/dev/null
code=$(dk inspect -f '{{.State.ExitCode}}' "$GW")
[ "$code" = 0 ] || { dk logs "$GW" 2>&1 | tail -20 >&2; fail "gateway exited with $code after SIGTERM"; }
has 'shutting down' dk logs "$GW" || fail "no graceful shutdown logged"

# ---------------------------------------------------------------------------- config mode
# The compose layout: a config directory (dockgate.yaml, policy.yaml) and the (now existing)
# certificates mounted read-only, as directories.
say "config mode: read-only config directory and certificates, custom ports"
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
# config_container NAME DIR PORT ADMIN HEALTH_URL: the compose layout in a hardened container
# on the host network: DIR holds dockgate.yaml (the example, listening on PORT, with `admin:`
# set to ADMIN) and policy.yaml, mounted read-only as /etc/dockgate, the certificates read-only.
config_container() {
  local name=$1 dir=$2 listen_port=$3 admin=$4 health=$5
  mkdir -p "$dir"
  sed -e "s/^listen: .*/listen: 127.0.0.1:$listen_port/" -e "s#^admin: .*#admin: $admin#" \
    deploy/config.example.yaml >"$dir/dockgate.yaml"
  cp config/policies/default.yaml "$dir/policy.yaml"
  chmod -R a+rX "$dir"
  CONTAINERS+=("$name")
  dk run -d --name "$name" --read-only --cap-drop ALL --security-opt no-new-privileges \
    --user "$UID_GW:$SOCK_GID" --network host --health-interval 2s \
    -e DOCKGATE_CONFIG=/etc/dockgate/dockgate.yaml -e "DOCKGATE_HEALTH_URL=$health" \
    -v "$SOCK:/var/run/docker.sock" -v "$CERTS:/var/lib/dockgate/certs:ro" -v "$dir:/etc/dockgate:ro" \
    "$IMAGE" >/dev/null
}
port=$(free_port)
aport=$(free_port)
GW2="$RUN_ID-gw2"
config_container "$GW2" "$WORK/etc" "$port" "127.0.0.1:$aport" "http://127.0.0.1:$aport/healthz"
for _ in $(seq 1 120); do
  has 'dockgate listening' dk logs "$GW2" && break
  [ "$(dk inspect -f '{{.State.Running}}' "$GW2")" = true ] || { dk logs "$GW2" >&2; fail "config-mode container exited"; }
  sleep 0.25
done
docker --tlsverify --tlscacert "$ADMIN/ca.pem" --tlscert "$ADMIN/cert.pem" --tlskey "$ADMIN/key.pem" \
  -H "tcp://127.0.0.1:$port" version --format '{{.Server.Version}}' >/dev/null || { dk logs "$GW2" >&2; fail "docker version in config mode"; }
wait_healthy "$GW2" "config-mode container"

# deploy/compose.yaml mounts directories because a file bind mount would pin the old inode: a
# policy replaced on the host by rename must reach the running gateway.
say "config mode: a policy replaced by rename on the host is picked up"
cp "$WORK/etc/policy.yaml" "$WORK/etc/.policy.new"
printf '\n# replaced by rename\n' >>"$WORK/etc/.policy.new"
chmod a+r "$WORK/etc/.policy.new"
mv "$WORK/etc/.policy.new" "$WORK/etc/policy.yaml"
for _ in $(seq 1 80); do
  has 'policy loaded' dk logs "$GW2" && break
  sleep 0.25
done
has 'policy loaded' dk logs "$GW2" || { dk logs "$GW2" 2>&1 | tail -20 >&2; fail "a policy replaced by rename did not reach the container"; }

# ---------------------------------------------------------------------------- admin TLS
# With admin.tls the health check speaks https to the container's own admin listener.
say "admin TLS: the health check over https"
aport3=$(free_port)
GW3="$RUN_ID-gw3"
config_container "$GW3" "$WORK/etc3" "$(free_port)" \
  "{ listen: 127.0.0.1:$aport3, tls: { cert: /var/lib/dockgate/certs/server-cert.pem, key: /var/lib/dockgate/certs/server-key.pem } }" \
  "https://127.0.0.1:$aport3/healthz"
wait_healthy "$GW3" "admin-TLS container"

say "OK"
