#!/usr/bin/env bash
# Make gguf-py available for export_gguf.py: clone the llama.cpp source that node-llama-cpp ships
# as a git bundle (node_modules/node-llama-cpp/llama/gitRelease.bundle) into .cache/llama.cpp.
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
bundle="$repo_root/node_modules/node-llama-cpp/llama/gitRelease.bundle"
dest="$repo_root/.cache/llama.cpp"
[[ -f "$bundle" ]] || { echo "error: $bundle missing; run npm ci first" >&2; exit 1; }
if [[ ! -d "$dest/gguf-py/gguf" ]]; then
  rm -rf "$dest"
  git -c advice.detachedHead=false clone -q "$bundle" "$dest"
fi
echo "$dest/gguf-py"
