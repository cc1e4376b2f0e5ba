#!/usr/bin/env bash
# Builds the service's container image (default tag streamer:$VERSION, also tagged streamer:latest)
# FROM scratch, from local files only: no registry is pulled from, here or in CI.
#
#   deploy/image/build.sh
#
#   VERSION       the version baked into the binary and the tag (default: git describe, else dev)
#   IMAGE         the image repository (default streamer)
#   DOCKER        the docker CLI (default docker)
#   GO            the go command (default go)
#   CA_BUNDLE     the CA certificates to ship (default /etc/ssl/certs/ca-certificates.crt)
#
# What is inside: /usr/local/bin/streamer (static, CGO_ENABLED=0, stripped; the time zone database
# is embedded in it), /etc/ssl/certs/ca-certificates.crt, /etc/passwd and /etc/group with the
# unprivileged user streamer (65532), /data (owned by it: the volume of the embedded default) and
# /tmp. The HEALTHCHECK runs `streamer healthcheck`, which asks /livez.
#
# Run it:  docker run --rm -p 8080:8080 -v streamer-data:/data -e SAMPLE_DATA=true streamer:latest
# Concurrent calls take turns (flock). Prints the image's size.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
docker="${DOCKER:-docker}"
go="${GO:-go}"
repo="${IMAGE:-streamer}"
version="${VERSION:-$(git -C "$root" describe --always --dirty 2>/dev/null || echo dev)}"
ca="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

log() { echo "image/build.sh: $*" >&2; }
die() { log "$*"; exit 1; }

for tool in "$docker" "$go"; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required and not on PATH"
done
[[ -r "$ca" ]] || die "no CA bundle at $ca (Debian: apt-get install ca-certificates)"

if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/streamer-image.lock"
  flock 9
fi

started=$SECONDS
work="$(mktemp -d "${TMPDIR:-/tmp}/streamer-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs/usr/local/bin" "$work/rootfs/etc/ssl/certs" "$work/rootfs/tmp" "$work/data"
chmod 1777 "$work/rootfs/tmp"
chmod 0750 "$work/data"

# 1. The static binary, exactly as `make build` makes it.
(cd "$root" && CGO_ENABLED=0 "$go" build -trimpath \
  -ldflags "-s -w -X github.com/torrent-streamer/streamer/bootstrap.Version=$version" \
  -o "$work/rootfs/usr/local/bin/streamer" ./cmd/streamer)

# 2. CA certificates (Cloudflare's API is HTTPS) and the users.
cp -L "$ca" "$work/rootfs/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nstreamer:x:65532:65532:streamer:/data:/sbin/nologin\n' >"$work/rootfs/etc/passwd"
printf 'root:x:0:\nstreamer:x:65532:\n' >"$work/rootfs/etc/group"
chmod 0644 "$work/rootfs/etc/passwd" "$work/rootfs/etc/group" "$work/rootfs/etc/ssl/certs/ca-certificates.crt"
cp "$here/Dockerfile" "$work/Dockerfile"

# 3. The image. FROM scratch needs no pull with either builder; without buildx the classic one runs.
if ! "$docker" buildx version >/dev/null 2>&1; then
  export DOCKER_BUILDKIT=0
fi
"$docker" build --quiet --build-arg "VERSION=$version" -t "$repo:$version" -t "$repo:latest" "$work" >/dev/null

size="$("$docker" image inspect --format '{{.Size}}' "$repo:$version")"
log "built $repo:$version (also $repo:latest): $((size / 1000 / 1000)) MB ($size bytes), $((SECONDS - started))s"
echo "$repo:$version"
