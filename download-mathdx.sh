#!/usr/bin/env bash
# Fetches NVIDIA MathDx (cuBLASDx, cuSolverDx, ...) into .mathdx/ (git-ignored), for the
# optional build of the CUDA min-max kernel against cuSolverDx (LPLB_MATHDX_DIR).
#
#   ./download-mathdx.sh [cuda-major]     # 13 (default) or 12
#
# MathDx is distributed by NVIDIA under its own license (the NVIDIA Software License Agreement),
# which you accept by downloading it. Environment: LPLB_MATHDX_VERSION (default 25.12.1),
# LPLB_MATHDX_URL (a full URL to use instead, e.g. an internal mirror).
#
# Status: the kernel's built-in Cholesky is the default and the tested path; a MathDx build is
# not wired into CMake in this version (see native/README.md), so this only stages the files.
set -euo pipefail
cd "$(dirname "$0")"
major=${1:-13}
if [ "$major" != 12 ] && [ "$major" != 13 ]; then
  echo "download-mathdx.sh: expected CUDA major version 12 or 13, got '$major'" >&2
  exit 2
fi
version=${LPLB_MATHDX_VERSION:-25.12.1}
name="nvidia-mathdx-${version}-cuda${major}"
url=${LPLB_MATHDX_URL:-"https://developer.nvidia.com/downloads/compute/cublasdx/redist/cublasdx/cuda${major}/${name}.tar.gz"}
dest=.mathdx
archive="$dest/${name}.tar.gz"
mkdir -p "$dest"

fetch() {
  if command -v curl >/dev/null; then
    curl --fail --location --silent --show-error --connect-timeout 20 --retry 2 -o "$archive.part" "$url"
  elif command -v wget >/dev/null; then
    wget --quiet --timeout=20 --tries=2 -O "$archive.part" "$url"
  else
    echo "download-mathdx.sh: neither curl nor wget is installed" >&2
    return 1
  fi
}

if ! fetch; then
  rm -f "$archive.part"
  cat >&2 <<MSG
download-mathdx.sh: could not download MathDx ${version} for CUDA ${major} from
  ${url}
This machine may have no access to developer.nvidia.com. Download the archive elsewhere
(https://developer.nvidia.com/cusolverdx-downloads) and unpack it into $(pwd)/${dest}, or set
LPLB_MATHDX_URL to a reachable copy. The CUDA kernel does not need MathDx: its built-in
factorisation is the default.
MSG
  exit 1
fi
if ! tar -tzf "$archive.part" >/dev/null 2>&1; then
  rm -f "$archive.part"
  echo "download-mathdx.sh: the file from ${url} is not a gzip tar archive (a login page?)" >&2
  exit 1
fi
mv "$archive.part" "$archive"
tar -xzf "$archive" -C "$dest"
echo "MathDx ${version} (CUDA ${major}) unpacked into $(pwd)/${dest}"
