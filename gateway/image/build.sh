#!/usr/bin/env bash
# Builds the emulator image (default tag streamer-gateway:dev) from local files only: no registry is
# pulled from. The root filesystem is this machine's node binary, the shared libraries node and
# workerd load (from ldd), and gateway/ with its node_modules; it is imported with `docker import`,
# so neither a base image nor BuildKit is needed.
#
#   gateway/image/build.sh [--force]
#
#   IMAGE   the tag to build (default streamer-gateway:dev)
#   DOCKER  the docker CLI (default docker)
#
# Idempotent and safe to call before every test run: the image carries a label with the hash of its
# root filesystem and settings, and an image whose label matches is left as it is ("up to date").
# Runs `npm ci` in gateway/ first when node_modules is missing. Concurrent calls take turns (flock).
#
# Run it:  docker run --rm --network host -e EMULATOR_PORT=18787 streamer-gateway:dev
# It listens on 127.0.0.1:$EMULATOR_PORT (default 8787) of the host network, keeps its state in /data
# inside the container (gone with the container), and stops on SIGTERM (docker stop).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gateway="$(dirname "$here")"
image="${IMAGE:-streamer-gateway:dev}"
docker="${DOCKER:-docker}"
force=0
case "${1:-}" in
  --force) force=1 ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

log() { echo "build.sh: $*" >&2; }
die() { log "$*"; exit 1; }

for tool in node npm ldd tar sha256sum "$docker"; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required and not on PATH"
done

# One build at a time per image tag (parallel Go test packages may all call this).
if command -v flock >/dev/null 2>&1; then
  lock="${TMPDIR:-/tmp}/streamer-gateway-image-$(printf '%s' "$image" | tr -c 'A-Za-z0-9._-' '_').lock"
  exec 9>"$lock"
  flock 9
fi

started=$SECONDS
work="$(mktemp -d "${TMPDIR:-/tmp}/streamer-gateway-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

# 1. The gateway's dependencies (miniflare, which brings workerd).
if ! (cd "$gateway" && node -e 'require.resolve("miniflare"); require("node:fs").accessSync(require("workerd").default)') 2>/dev/null; then
  log "installing gateway/node_modules (npm ci)"
  (cd "$gateway" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

node_bin="$(readlink -f "$(command -v node)")"
workerd_bin="$(readlink -f "$(cd "$gateway" && node -p 'require("workerd").default')")"
[[ -x "$workerd_bin" ]] || die "workerd binary not found (looked at $workerd_bin)"

# 2. The root filesystem.
mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc" "$rootfs/gateway" "$rootfs/tmp" "$rootfs/data"
chmod 1777 "$rootfs/tmp" "$rootfs/data"
cp "$node_bin" "$rootfs/usr/local/bin/node"

# The libraries node and workerd load, at the paths the loader looks for them (glibc, libstdc++,
# libgcc_s, libm, libdl, libpthread and the loader itself), copied as files, symlinks resolved.
libs="$( { ldd "$node_bin"; ldd "$workerd_bin"; } | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)"
[[ -n "$libs" ]] || die "ldd found no libraries for $node_bin and $workerd_bin"
for lib in $libs; do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done

# The gateway: the Worker, the emulator, and node_modules without what the emulator never loads
# (sharp and its libvips, for the Images binding; source maps; the workerd package's second copy of
# the binary, which it resolves from @cloudflare/workerd-<platform> instead).
tar -C "$gateway" \
  --exclude='node_modules/sharp' --exclude='node_modules/@img' --exclude='*.map' \
  --exclude='node_modules/workerd/bin/workerd' --exclude='node_modules/.cache' \
  -cf - package.json emulator.mjs wrangler.toml src node_modules | tar -C "$rootfs/gateway" -xf -

printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"

# 3. The image settings. docker import applies them as Dockerfile instructions.
changes=(
  'ENV PATH=/usr/local/bin'
  'ENV HOME=/tmp'
  'ENV TMPDIR=/tmp'
  'ENV EMULATOR_HOST=127.0.0.1'
  'ENV EMULATOR_PORT=8787'
  'ENV EMULATOR_STATE=/data'
  'ENV EMULATOR_TOKEN=dev-token'
  'USER 65534:65534'
  'WORKDIR /gateway'
  'ENTRYPOINT ["/usr/local/bin/node", "/gateway/emulator.mjs"]'
)

# 4. A deterministic tar (sorted, fixed times and owners), so identical inputs hash identically.
tar -C "$rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$work/rootfs.tar" .
hash="$( { sha256sum <"$work/rootfs.tar"; printf '%s\n' "${changes[@]}"; } | sha256sum | cut -c1-64)"

current="$("$docker" image inspect --format '{{ index .Config.Labels "org.streamer.gateway.inputs" }}' "$image" 2>/dev/null || true)"
if [[ "$force" == 0 && "$current" == "$hash" ]]; then
  log "$image is up to date ($((SECONDS - started))s)"
  exit 0
fi
old_id="$("$docker" image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"

args=()
for c in "${changes[@]}"; do args+=(--change "$c"); done
args+=(--change "LABEL org.streamer.gateway.inputs=$hash")
args+=(--message "streamer gateway emulator, built by gateway/image/build.sh from local files")
"$docker" import "${args[@]}" "$work/rootfs.tar" "$image" >/dev/null

# The previous build, now untagged, is removed unless a container still uses it.
if [[ -n "$old_id" ]]; then
  new_id="$("$docker" image inspect --format '{{.Id}}' "$image")"
  if [[ "$old_id" != "$new_id" ]]; then "$docker" image rm "$old_id" >/dev/null 2>&1 || true; fi
fi

size="$("$docker" image inspect --format '{{.Size}}' "$image")"
log "built $image: $((size / 1024 / 1024)) MiB, $((SECONDS - started))s"
