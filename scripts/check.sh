#!/usr/bin/env bash
# House habits that CI enforces, beyond the compiler's -Werror:
#   1. every C++ file is clang-formatted (.clang-format);
#   2. clang-tidy (.clang-tidy) finds nothing in the C++ files changed recently;
#   3. the commit subjects of that range stay within 72 characters.
# Usage: scripts/check.sh [build-dir]    (the build dir provides compile_commands.json; default: build)
# MPEMU_CHECK_BASE=REV tidies the files changed since REV; by default, since the newest commit older
# than 12 hours (what one working session changed). MPEMU_CHECK_BASE=all tidies every file.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
JOBS=${MPEMU_JOBS:-2}
failed=0

mapfile -t sources < <(git ls-files -- '*.cpp' '*.hpp' '*.h')
unformatted=$(clang-format --dry-run "${sources[@]}" 2>&1 | sed -nE 's/^([^:]+):[0-9]+:[0-9]+: (warning|error):.*/\1/p' | sort -u)
if [ -n "$unformatted" ]; then
  echo "check: not clang-formatted (fix with: clang-format -i FILE):"
  echo "$unformatted" | sed 's/^/  /'
  failed=1
else
  echo "check: clang-format: ${#sources[@]} files formatted"
fi

# clang-tidy reads its own compile database: the build's precompiled header is GCC's, which clang
# cannot load, so a configure-only tree without precompiled headers provides the commands.
TIDY_DIR=$BUILD_DIR-tidy
cmake -S . -B "$TIDY_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON \
  -DMPEMU_BUILD_TESTS=ON > /dev/null
base=${MPEMU_CHECK_BASE:-$(git rev-list -1 --before='12 hours ago' HEAD 2>/dev/null || true)}
if [ "$base" = all ] || [ -z "$base" ]; then
  mapfile -t changed < <(git ls-files -- '*.cpp')
else
  mapfile -t changed < <(git diff --name-only --diff-filter=ACMR "$base" -- '*.cpp'; git ls-files --others --exclude-standard -- '*.cpp')
fi

# Commit subjects of the same range: at most 72 characters (the body says why).
if [ -n "$base" ] && [ "$base" != all ]; then
  long=$(git log --format='%h %s' "$base..HEAD" | awk 'length($0) - 8 > 72')
  if [ -n "$long" ]; then
    echo "check: commit subjects over 72 characters:"; echo "$long" | sed 's/^/  /'
    failed=1
  fi
fi

# The static analyzer (clang-analyzer-*) costs ~40 s of CPU per file here, three quarters of the
# time: it runs with MPEMU_TIDY_DEEP=1, the rest of the profile always.
TIDY_CHECKS=""
[ "${MPEMU_TIDY_DEEP:-0}" = 1 ] || TIDY_CHECKS="--checks=-clang-analyzer-*"
# A file found clean is remembered (like ccache) under a key of its text, the project headers it
# includes, the profile and the tool's version, so an unchanged file is not analysed again on this
# machine. Its headers come from the compiler's dependency file in the build (BUILD/…/CMakeFiles/
# T.dir/FILE.o.d, written by the build that runs before this check); a file without one is keyed on
# every project header.
cache=${MPEMU_TIDY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mpemu-tidy}
mkdir -p "$cache"
profile=$( { clang-tidy --version; cat .clang-tidy; echo "$TIDY_CHECKS"; } | sha256sum | cut -c1-32)
all_headers=$(git ls-files -z -- '*.hpp' '*.h' | xargs -0 cat | sha256sum | cut -c1-32)
declare -A depfiles=()
while IFS= read -r d; do
  wd=${d%%/CMakeFiles/*}
  src=$(sed -n '1{s/^[^:]*: *//;s/ .*//;p;q}' "$d")
  [ -n "$src" ] || continue
  [[ "$src" == /* ]] || src=$wd/$src
  src=$(realpath -m --relative-to=. "$src")
  depfiles[$src]+="$d "
done < <(find "$BUILD_DIR" -name '*.o.d' -path '*/CMakeFiles/*' 2>/dev/null)
headers_key() {  # the text of every project header FILE's translation unit includes
  local d wd
  if [ -z "${depfiles[$1]:-}" ]; then echo "$all_headers"; return; fi
  for d in ${depfiles[$1]}; do
    wd=${d%%/CMakeFiles/*}
    tr -s ' \\' '\n' < "$d" | grep -E '\.(hpp|h|hxx|inc)$' | grep -v '^/usr/' |
      while IFS= read -r h; do [[ "$h" == /* ]] && echo "$h" || echo "$wd/$h"; done
  done | xargs -r realpath -m --relative-to=. | sort -u | grep -v '^\.\./' |
    while IFS= read -r h; do echo "$h"; cat "$h" 2>/dev/null; done | sha256sum | cut -c1-32
}
tidy=()
for f in "${changed[@]+"${changed[@]}"}"; do
  [ -f "$f" ] || continue
  grep -q "\"file\": \"$PWD/$f\"" "$TIDY_DIR/compile_commands.json" || continue  # not built here (bench/)
  key=$( { echo "$profile"; headers_key "$f"; echo "$f"; cat "$f"; } | sha256sum | cut -c1-40)
  [ -f "$cache/$key" ] || tidy+=("$f:$key")
done
echo "check: clang-tidy: ${#changed[@]} changed files, ${#tidy[@]} to analyse (the rest known clean)"
if ((${#tidy[@]})); then
  out=$(mktemp -d)
  export TIDY_DIR TIDY_CHECKS out cache
  printf '%s\n' "${tidy[@]}" | xargs -P "$JOBS" -I{} bash -c '
    f=${1%%:*}; key=${1##*:}
    clang-tidy -p "$TIDY_DIR" --quiet ${TIDY_CHECKS:+"$TIDY_CHECKS"} "$f" > "$out/$key.log" 2>/dev/null
    if grep -qE "(warning|error):" "$out/$key.log"; then cp "$out/$key.log" "$out/$key.findings"; else touch "$cache/$key"; fi
  ' _ {}
  if compgen -G "$out/*.findings" > /dev/null; then
    cat "$out"/*.findings | grep -E -A3 '(warning|error):' | head -300
    echo "check: clang-tidy: $(cat "$out"/*.findings | grep -cE '(warning|error):') findings"
    failed=1
  else
    echo "check: clang-tidy: clean"
  fi
  rm -rf "$out"
fi
exit $failed
