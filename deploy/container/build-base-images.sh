#!/usr/bin/env bash
# Builds the two base images the Dockerfile takes as build arguments, from Debian's own packages,
# for machines that cannot pull the official Node images (no registry but Debian's and npm's):
#
#   localhost/hookline-base-node:20-bookworm       build stage: Node, npm, g++, make, python3
#   localhost/hookline-base-node:20-bookworm-slim  runtime stage: Node only
#
# Both are a Debian bookworm root file system made by mmdebstrap with this machine's own Node
# binary (and npm) copied in, the same layout as the official node:20-bookworm(-slim) images
# (/usr/local/bin/node). Use them with:
#
#   podman build --format docker \
#     --build-arg BUILD_IMAGE=localhost/hookline-base-node:20-bookworm \
#     --build-arg NODE_IMAGE=localhost/hookline-base-node:20-bookworm-slim -t hookline .
#
# Needs root, mmdebstrap and podman (or buildah): apt-get install mmdebstrap podman.
# ENGINE=buildah or ENGINE=docker picks another importer; MIRROR another Debian mirror;
# SLIM_ONLY=1 or BUILD_ONLY=1 makes only one of the two.
set -euo pipefail

ENGINE="${ENGINE:-podman}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
NODE_BIN="$(command -v node)"
NPM_DIR="$(readlink -f "$(dirname "$(readlink -f "$(command -v npm)")")/..")"
NODE_INCLUDE="$(readlink -f "$(dirname "$NODE_BIN")/../include/node")"
NODE_MAJOR="$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')"
REPO="localhost/hookline-base-node"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Documentation, manual pages and translations are not needed in an image.
slim_options=(
  --variant=minbase
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-exclude=/usr/share/info/*'
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*'
  --customize-hook='copy-in '"$NODE_BIN"' /usr/local/bin'
)

import_image() { # <tar> <tag> [ENV line...]
  local tar="$1" tag="$2" line
  shift 2
  local change=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["node"]')
  for line in "$@"; do change+=(--change "ENV $line"); done
  case "$ENGINE" in
    podman | docker) "$ENGINE" import "${change[@]}" "$tar" "$tag" >/dev/null ;;
    buildah)
      local ctr
      ctr="$(buildah from scratch)"
      buildah add "$ctr" "$tar" / >/dev/null
      buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd node "$ctr"
      for line in "$@"; do buildah config --env "$line" "$ctr"; done
      buildah commit --rm "$ctr" "$tag" >/dev/null
      ;;
    *) echo "unknown ENGINE $ENGINE" >&2 && exit 2 ;;
  esac
  echo "built $tag"
}

# mmdebstrap's merged-/usr step leaves usrmerge and the full Perl it needs behind: about 50 MB that
# nothing in the runtime image uses (perl-base, which dpkg needs, stays; /usr stays merged, which
# is all init-system-helpers' dependency on usrmerge asks).
if [ -z "${BUILD_ONLY:-}" ]; then
mmdebstrap "${slim_options[@]}" \
  --customize-hook='chroot "$1" dpkg --purge --force-depends usrmerge >/dev/null 2>&1 && chroot "$1" dpkg --purge libfile-find-rule-perl libnumber-compare-perl libtext-glob-perl perl perl-modules-5.36 libperl5.36 >/dev/null' \
  --format=tar bookworm "$work/slim.tar" "$MIRROR" 2>"$work/slim.log" ||
  { cat "$work/slim.log" >&2 && exit 1; }
import_image "$work/slim.tar" "$REPO:$NODE_MAJOR-bookworm-slim"
fi

[ -n "${SLIM_ONLY:-}" ] && exit 0

# The build stage also compiles better-sqlite3 (a C++ addon) and runs npm. It gets this machine's
# trusted certificates (a TLS-inspecting proxy's authority, if any, so that npm reaches the
# registry) and Node's headers (so that node-gyp compiles without downloading them).
mmdebstrap "${slim_options[@]}" --include=g++,make,python3,ca-certificates \
  --customize-hook='copy-in /usr/local/share/ca-certificates /usr/local/share' \
  --customize-hook='chroot "$1" update-ca-certificates >/dev/null 2>&1' \
  --customize-hook='mkdir -p "$1"/usr/local/include' \
  --customize-hook='copy-in '"$NODE_INCLUDE"' /usr/local/include' \
  --customize-hook='mkdir -p "$1"/usr/local/lib/node_modules' \
  --customize-hook='copy-in '"$NPM_DIR"' /usr/local/lib/node_modules' \
  --customize-hook='chroot "$1" ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm' \
  --customize-hook='chroot "$1" ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx' \
  --format=tar bookworm "$work/build.tar" "$MIRROR" 2>"$work/build.log" || { cat "$work/build.log" >&2 && exit 1; }
import_image "$work/build.tar" "$REPO:$NODE_MAJOR-bookworm" \
  NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt npm_config_nodedir=/usr/local
