#!/usr/bin/env bash
# Builds the image (build.sh), starts the server inside it on the host's
# loopback, and checks from outside that it serves: gRPC health answers
# SERVING (custodianctl health), the process runs as user 10001, and it
# created its embedded SQLite databases in the image's data directory.
# Exits non-zero, naming what failed. Run by .ci/run (make image-check).
set -euo pipefail
cd "$(dirname "$0")/../.."

TAG="${IMAGE_TAG:-localhost/custodian:latest}"
DRIVER="${BUILDAH_STORAGE_DRIVER:-vfs}"
B=(buildah --storage-driver "$DRIVER")
PORT="${IMAGE_CHECK_PORT:-50091}"

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
}
trap cleanup EXIT

log="$(mktemp)"
"${B[@]}" run --isolation chroot --network host "$container" -- \
  /usr/local/bin/custodian serve --listen "127.0.0.1:$PORT" --console-listen off \
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
echo "$out" | grep -q 'SERVING' || { echo "image-check: FAILED: health is not SERVING: $out" >&2; exit 1; }

pid="$(inner_pids | head -n1)"
uid="$( [ -n "$pid" ] && ps -o uid= -p "$pid" | tr -d ' ' )"
if [ "$uid" != "10001" ]; then
  echo "image-check: FAILED: the server runs as uid '${uid:-?}', not 10001" >&2
  exit 1
fi
mnt="$("${B[@]}" mount "$container")"
for f in custodian.db keys.db master.key; do
  if [ ! -e "$mnt/var/lib/custodian/data/$f" ]; then
    echo "image-check: FAILED: the server did not create /var/lib/custodian/data/$f in the image" >&2
    exit 1
  fi
done
"${B[@]}" umount "$container" >/dev/null
echo "image-check: $TAG serves gRPC health (SERVING) as uid 10001 from its own data directory"
