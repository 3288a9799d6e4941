#!/usr/bin/env bash
# Starts the split deployment on one machine: five server processes and the
# three workers, each with its own data directory, over the embedded SQLite
# (one shared main database file; the key store and master key in the vault's
# directory only). `make run-split` runs this; Ctrl-C stops everything.
#
#   core        controllers, audit, agreements, notifications   127.0.0.1:50061
#   vault       vault (the only holder of keys)                 127.0.0.1:50062
#   requests    requests                                        127.0.0.1:50063
#   switching   switching                                       127.0.0.1:50064
#   processing  breaches, subprocessors, deadlines              127.0.0.1:50065
#
# SQLite has no roles: the table isolation of docs/ARCHITECTURE.md needs
# PostgreSQL (`custodian migrate --per-service-schemas`, deploy/k8s/split).
set -euo pipefail

BIN=${CUSTODIAN_BIN:-target/release/custodian}
ROOT=${SPLIT_DIR:-./data-split}
DB="sqlite://$(mkdir -p "$ROOT" && cd "$ROOT" && pwd)/custodian.db?mode=rwc"
declare -A PORT=([core]=50061 [vault]=50062 [requests]=50063 [switching]=50064 [processing]=50065)
declare -A TARGET=(
  [core]=controllers,audit,agreements,notifications
  [vault]=vault
  [requests]=requests
  [switching]=switching
  [processing]=breaches,subprocessors,deadlines
)
mkdir -p "$ROOT"/{core,vault,requests,switching,processing}

# The owner migrates once; the processes only check that nothing is pending.
"$BIN" --data-dir "$ROOT/vault" --database-url "$DB" migrate
if [ ! -s "$ROOT/peer.token" ]; then
  "$BIN" --data-dir "$ROOT/vault" --database-url "$DB" tokens create --role peer --name split-peers >"$ROOT/peer.token"
  "$BIN" --data-dir "$ROOT/vault" --database-url "$DB" tokens create --role admin --name split-admin >"$ROOT/admin.token"
  chmod 600 "$ROOT"/*.token
fi

peers_env() {
  local self=$1
  for p in core vault requests switching processing; do
    [ "$p" = "$self" ] && continue
    local url="http://127.0.0.1:${PORT[$p]}"
    case $p in
      core) echo "CUSTODIAN_PEERS__CONTROLLERS=$url CUSTODIAN_PEERS__AGREEMENTS=$url" ;;
      vault) echo "CUSTODIAN_PEERS__VAULT=$url" ;;
      requests) echo "CUSTODIAN_PEERS__REQUESTS=$url" ;;
      switching) echo "CUSTODIAN_PEERS__SWITCHING=$url" ;;
      processing) echo "CUSTODIAN_PEERS__SUBPROCESSORS=$url CUSTODIAN_PEERS__BREACHES=$url CUSTODIAN_PEERS__DEADLINES=$url" ;;
    esac
  done
}

run() { # name, then the command after the binary
  local name=$1; shift
  # The key store defaults to keys.db in the process's data directory: only
  # the vault process (and its worker) ever opens it.
  # shellcheck disable=SC2046
  env $(peers_env "$name") \
    CUSTODIAN_PEER_TOKEN="$(cat "$ROOT/peer.token")" \
    CUSTODIAN_MIGRATE_ON_START=false \
    CUSTODIAN_DATA_DIR="$ROOT/$name" \
    CUSTODIAN_DATABASE_URL="$DB" \
    CUSTODIAN_TARGET="${TARGET[$name]}" \
    "$BIN" "$@" &
  PIDS+=($!)
}

PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait' INT TERM EXIT
# The DPO console runs in core (http://127.0.0.1:8080): it calls the
# services core does not host at their peers' addresses.
for p in core vault requests switching processing; do
  if [ "$p" = core ]; then console=127.0.0.1:8080; else console=off; fi
  run "$p" serve --listen "127.0.0.1:${PORT[$p]}" --console-listen "$console"
done
# The workers: the sweep with the vault, the switching round with switching,
# outbox delivery with notifications (in core).
run vault worker
run switching worker
run core worker
echo "split deployment up; admin token in $ROOT/admin.token; Ctrl-C stops it" >&2
wait
