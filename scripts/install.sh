#!/usr/bin/env bash
# Installs postmortem-tracker: the prebuilt release binary for this OS and architecture,
# verified against its .sha256, else (no release for this target) a build from source.
# A checksum mismatch is an error, never a reason to fall back.
#
# Environment:
#   PMT_VERSION    release version without the v (default: latest of the action's ref: required)
#   PMT_BASE_URL   where releases live (default: https://github.com/$PMT_REPO/releases/download/v$PMT_VERSION)
#   PMT_REPO       owner/name of the tool (default: the repository of this script's action)
#   PMT_INSTALL_DIR  where the binary goes (default: $HOME/.local/bin)
#   PMT_SOURCE_DIR   build from this checkout when no release fits (default: this script's repository)
set -euo pipefail

version="${PMT_VERSION:?set PMT_VERSION (the action passes its version input)}"
version="${version#v}"
repo="${PMT_REPO:-postmortem-tracker/postmortem-tracker}"
base="${PMT_BASE_URL:-https://github.com/${repo}/releases/download/v${version}}"
dest="${PMT_INSTALL_DIR:-$HOME/.local/bin}"
source_dir="${PMT_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=x86_64-unknown-linux-gnu ;;
  Linux-aarch64 | Linux-arm64) target=aarch64-unknown-linux-gnu ;;
  Darwin-x86_64) target=x86_64-apple-darwin ;;
  Darwin-arm64) target=aarch64-apple-darwin ;;
  MINGW* | MSYS* | CYGWIN*) target=x86_64-pc-windows-msvc ;;
  *) target="" ;;
esac

mkdir -p "$dest"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

from_source() {
  echo "postmortem-tracker: building from source ($1)" >&2
  if [ -f "$source_dir/Cargo.toml" ]; then
    cargo install --locked --path "$source_dir" --root "$work/root"
  else
    cargo install --locked --git "https://github.com/${repo}" --tag "v${version}" --root "$work/root"
  fi
  install -m 0755 "$work/root/bin/postmortem-tracker" "$dest/postmortem-tracker"
}

if [ -z "$target" ]; then
  from_source "no prebuilt binary for $(uname -s) $(uname -m)"
else
  archive="postmortem-tracker-${version}-${target}.tar.gz"
  if curl -fsSL --retry 3 -o "$work/$archive" "$base/$archive" \
    && curl -fsSL --retry 3 -o "$work/$archive.sha256" "$base/$archive.sha256"; then
    # The .sha256 names the archive; check it exactly as published.
    if ! (cd "$work" && sha256sum -c "$archive.sha256" >&2); then
      echo "postmortem-tracker: checksum mismatch for $archive from $base: refusing to install" >&2
      exit 1
    fi
    tar -xzf "$work/$archive" -C "$work"
    install -m 0755 "$work/postmortem-tracker" "$dest/postmortem-tracker"
  else
    from_source "no release $archive at $base"
  fi
fi

echo "$dest" >> "${GITHUB_PATH:-/dev/null}"
"$dest/postmortem-tracker" --version
