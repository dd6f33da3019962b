#!/usr/bin/env bash
# Builds the default base image of the DenseMesh node and operator images from Debian's packages,
# without Docker or a registry: an mmdebstrap root of Debian bookworm with a Java 17 runtime
# (openjdk-17-jre-headless), glibc and libstdc++6 (all that ONNX Runtime's native library links
# against: libc, libm, libdl, librt, libpthread, libstdc++, libgcc_s; it needs no OpenMP),
# ca-certificates, and the user densemesh (uid/gid 10001, home /data, /data owned by it), packed
# as a `docker save`-format tarball that Jib reads as its base (`tar://`, the `images` profile).
#
#   deploy/images/build-base.sh [OUTPUT]    default OUTPUT: .images/densemesh-base.tar
#
# Idempotent: the tarball is rebuilt only when this script's commands (comments aside) or the
# mirror changed since it was built; a key file next to it records what it was built from. Needs
# root (mmdebstrap chroots and assigns file ownership), mmdebstrap and jq, and the Debian mirror
# (DM_DEBIAN_MIRROR, default http://deb.debian.org/debian). Prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-.images/densemesh-base.tar}"
MIRROR="${DM_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
UID_GID=10001
PACKAGES=openjdk-17-jre-headless,libstdc++6,ca-certificates

fail() { echo "build-base: $*" >&2; exit 1; }

key="$(grep -v '^ *#' "$0"; echo "$MIRROR")"
key="$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)"
if [ -f "$OUT" ] && [ "$(cat "$OUT.key" 2>/dev/null)" = "$key" ]; then
  echo "build-base: $OUT is up to date (delete it to rebuild)"
  exit 0
fi

[ "$(id -u)" = 0 ] || fail "needs root: mmdebstrap builds the root in a chroot and sets file owners"
command -v mmdebstrap >/dev/null \
  || fail "mmdebstrap is missing: apt-get install mmdebstrap (Debian/Ubuntu)"
command -v jq >/dev/null || fail "jq is missing: apt-get install jq"
curl -fsS -o /dev/null --max-time 30 "$MIRROR/dists/$SUITE/InRelease" \
  || fail "the Debian mirror $MIRROR does not answer (set DM_DEBIAN_MIRROR to a reachable one)"

start=$SECONDS
arch="$(dpkg --print-architecture)"
case "$arch" in
  amd64 | arm64) ;;
  *) fail "unsupported architecture $arch (images are built for amd64 and arm64)" ;;
esac
work="$(mktemp -d "${TMPDIR:-/tmp}/densemesh-base.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/image"

# One layer: the whole root, without /dev (container runtimes provide it). Documentation, manual
# pages and translations are left out (man1 stays as a directory: the JRE's update-alternatives
# links a manual page there); apt's package lists and caches are removed (the image has no use
# for apt at run time).
echo "build-base: mmdebstrap $SUITE ($arch) with $PACKAGES from $MIRROR"
mmdebstrap --variant=essential --architectures="$arch" --include="$PACKAGES" \
  --format=tar --skip=output/dev \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
  --customize-hook="echo 'densemesh:x:$UID_GID:$UID_GID:DenseMesh:/data:/usr/sbin/nologin' >> \"\$1/etc/passwd\"" \
  --customize-hook="echo 'densemesh:x:$UID_GID:' >> \"\$1/etc/group\"" \
  --customize-hook="mkdir -p \"\$1/data\" && chown $UID_GID:$UID_GID \"\$1/data\" && chmod 0750 \"\$1/data\"" \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*.log' \
  "$SUITE" "$work/image/layer.tar" "$MIRROR"

diff_id="sha256:$(sha256sum "$work/image/layer.tar" | cut -d' ' -f1)"
java_home="/usr/lib/jvm/java-17-openjdk-$arch"
tar -tf "$work/image/layer.tar" | grep -x "\.$java_home/bin/java" >/dev/null \
  || fail "the root has no $java_home/bin/java"
created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
jq -n --arg arch "$arch" --arg diff "$diff_id" --arg created "$created" \
  --arg java "$java_home" --arg user "$UID_GID:$UID_GID" \
  --arg by "deploy/images/build-base.sh: mmdebstrap --variant=essential $SUITE + $PACKAGES" '{
    architecture: $arch, os: "linux", created: $created,
    config: {
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ("JAVA_HOME=" + $java), "LANG=C.UTF-8"],
      User: $user, WorkingDir: "/data",
      Labels: {"org.opencontainers.image.description":
               "Debian bookworm with a Java 17 runtime, built by deploy/images/build-base.sh"}
    },
    rootfs: {type: "layers", diff_ids: [$diff]},
    history: [{created: $created, created_by: $by}]
  }' > "$work/image/config.json"
config="$(sha256sum "$work/image/config.json" | cut -d' ' -f1).json"
mv "$work/image/config.json" "$work/image/$config"
jq -n --arg config "$config" \
  '[{Config: $config, RepoTags: ["densemesh/base:bookworm"], Layers: ["layer.tar"]}]' \
  > "$work/image/manifest.json"

mkdir -p "$(dirname "$OUT")"
tar -C "$work/image" -cf "$OUT.tmp" manifest.json "$config" layer.tar
mv "$OUT.tmp" "$OUT"
echo "$key" > "$OUT.key"
echo "build-base: wrote $OUT ($(du -m "$OUT" | cut -f1) MiB) in $((SECONDS - start)) s"
