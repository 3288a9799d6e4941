#!/usr/bin/env bash
# Builds the image (build.sh), starts the server inside it on the host's
# loopback, and checks from outside that it serves: gRPC health answers
# SERVING (custodianctl health), Prometheus metrics answer on their port, the
# process runs as user 10001, and it opened its embedded SQLite database in the
# image's data directory (a volume: buildah mounts one for it, as a runtime does).
# Exits non-zero, naming what failed. Run by .ci/run (make image-check).
set -euo pipefail
cd "$(dirname "$0")/../.."

TAG="${IMAGE_TAG:-localhost/custodian:latest}"
DRIVER="${BUILDAH_STORAGE_DRIVER:-vfs}"
B=(buildah --storage-driver "$DRIVER")
PORT="${IMAGE_CHECK_PORT:-50091}"
METRICS_PORT="${IMAGE_CHECK_METRICS_PORT:-50092}"

deploy/image/build.sh

container="$("${B[@]}" from --quiet "$TAG")"
server_pid=""
# The server process itself (command name custodian), not buildah's wrapper.
inner_pids() {
  for p in $(pgrep -x custodian || true); do
    if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "--listen 127.0.0.1:$PORT"; then echo "$p"; fi
  done
}
cleanup() {
  if [ -n "$server_pid" ]; then
    for p in $(inner_pids); do kill -TERM "$p" 2>/dev/null || true; done
    wait "$server_pid" 2>/dev/null || true
  fi
  "${B[@]}" rm "$container" >/dev/null 2>&1 || true
  # The checked image is not kept (vfs copies every layer in full).
  "${B[@]}" rmi "$TAG" >/dev/null 2>&1 || true
  "${B[@]}" rmi --prune >/dev/null 2>&1 || true
}
trap cleanup EXIT

log="$(mktemp)"
"${B[@]}" run --isolation chroot --network host "$container" -- \
  /usr/local/bin/custodian serve --listen "127.0.0.1:$PORT" --console-listen off \
  --metrics-listen "127.0.0.1:$METRICS_PORT" \
  >"$log" 2>&1 &
server_pid=$!

ok=""
for _ in $(seq 1 60); do
  if out="$(target/release/custodianctl --server "http://127.0.0.1:$PORT" health 2>&1)"; then
    ok=1
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  sleep 1
done
if [ -z "$ok" ]; then
  echo "image-check: FAILED: the server in $TAG did not answer gRPC health on 127.0.0.1:$PORT" >&2
  echo "--- its output:" >&2
  tail -n 40 "$log" >&2
  exit 1
fi
echo "$out" | grep -Eq '^\(server\)[[:space:]]+SERVING$' || { echo "image-check: FAILED: health is not SERVING: $out" >&2; exit 1; }

pid="$(inner_pids | head -n1)"
uid="$( [ -n "$pid" ] && ps -o uid= -p "$pid" | tr -d ' ' )"
if [ "$uid" != "10001" ]; then
  echo "image-check: FAILED: the server runs as uid '${uid:-?}', not 10001" >&2
  exit 1
fi
if ! python3 -c "import sys, urllib.request; sys.exit(b'custodian_' not in urllib.request.urlopen('http://127.0.0.1:$METRICS_PORT/metrics', timeout=10).read())"; then
  echo "image-check: FAILED: no custodian metrics on 127.0.0.1:$METRICS_PORT/metrics" >&2
  exit 1
fi
if ! grep -q 'sqlite:///var/lib/custodian/data/custodian.db' "$log"; then
  echo "image-check: FAILED: the server did not open its database in /var/lib/custodian/data" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
echo "image-check: $TAG serves gRPC health (SERVING) and metrics as uid 10001, its SQLite database in /var/lib/custodian/data"
