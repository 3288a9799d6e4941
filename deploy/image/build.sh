#!/usr/bin/env bash
# Builds the container image FROM scratch with buildah (Debian's `buildah`
# package; no daemon, no base image to pull): the release binaries of
# custodian and custodianctl, the shared libraries they link (from ldd), a
# passwd entry for the unprivileged user 10001, and an empty data directory.
#
#   deploy/image/build.sh                 # tag localhost/custodian:latest
#   IMAGE_TAG=registry.example/custodian:1.2 deploy/image/build.sh
#
# BUILDAH_STORAGE_DRIVER (default vfs) and the chroot isolation make it work
# without a daemon or user namespaces, as on CI.
set -euo pipefail
cd "$(dirname "$0")/../.."

TAG="${IMAGE_TAG:-localhost/custodian:latest}"
DRIVER="${BUILDAH_STORAGE_DRIVER:-vfs}"
if ! command -v buildah >/dev/null 2>&1; then
  echo "image: FAILED: buildah is not installed (apt-get install -y buildah)" >&2
  exit 1
fi

cargo build --release --locked --bin custodian --bin custodianctl

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
root="$ctx/rootfs"
mkdir -p "$root/usr/local/bin" "$root/etc" "$root/tmp" "$ctx/data"
chmod 1777 "$root/tmp"
cp target/release/custodian target/release/custodianctl "$root/usr/local/bin/"

# Every shared library the binaries load, including the dynamic loader.
libs="$(for b in "$root"/usr/local/bin/*; do
  ldd "$b" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
done | sort -u)"
for lib in $libs; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done

cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
custodian:x:10001:10001:Custodian:/var/lib/custodian:/sbin/nologin
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
custodian:x:10001:
GROUP

buildah --storage-driver "$DRIVER" bud --isolation chroot --quiet \
  -t "$TAG" -f deploy/image/Containerfile "$ctx" >/dev/null
echo "image: built $TAG ($(echo $libs | wc -w) shared libraries: $(echo $libs | xargs -n1 basename | tr '\n' ' '))"
