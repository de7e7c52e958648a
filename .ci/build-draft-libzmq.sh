#!/usr/bin/env bash
# Builds libzmq with the draft API (ZMQ_SERVER, ZMQ_RADIO, zmq_join, ...) from
# Debian's source package of the installed libzmq version, for the draft tests:
#   ZMQ_LIBRARY_PATH="$(.ci/build-draft-libzmq.sh)" deno test --allow-all tests/draft.test.ts
# Prints the path of the built libzmq.so.5 (nothing else on stdout). Installs
# into $ZMQ_DRAFT_PREFIX (default ~/.cache/zmq-ffi-draft/<version>), outside the
# repository, and reuses that build when it is already there. Adding the deb-src
# entry and any missing build tools needs root; a reused build needs nothing.
# With --if-built it only prints the path of an existing build (exit 1: none).
set -euo pipefail

if_built=false
case "${1:-}" in
  --if-built) if_built=true ;;
  "") ;;
  *) echo "usage: $0 [--if-built]" >&2; exit 2 ;;
esac

fail() {
  echo "build-draft-libzmq: $*" >&2
  exit 1
}

command -v dpkg-query >/dev/null || fail "needs a Debian-based system (dpkg-query not found)"
package=libzmq5
version="$(dpkg-query -W -f='${Version}' "$package" 2>/dev/null)" ||
  fail "$package is not installed (apt-get install libzmq3-dev)"
source_package="$(dpkg-query -W -f='${source:Package}' "$package")"
upstream="${version#*:}"
upstream="${upstream%-*}"
prefix="${ZMQ_DRAFT_PREFIX:-$HOME/.cache/zmq-ffi-draft/$version}"
library="$prefix/lib/libzmq.so.5"
stamp="$prefix/.built-from"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$source_package $version drafts" ] && [ -e "$library" ]; then
  echo "$library"
  exit 0
fi
$if_built && exit 1

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  else
    fail "needs root to run: $* (or build once as root, then reuse $prefix)"
  fi
}

# Build tools: cmake, a C++ compiler, make, and apt's dpkg-source for unpacking.
missing=()
command -v cmake >/dev/null || missing+=(cmake)
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
command -v dpkg-source >/dev/null || missing+=(dpkg-dev)
pkg-config --exists libsodium 2>/dev/null || missing+=(libsodium-dev pkg-config)
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A deb-src entry for every configured deb entry (deb822 .sources and one-line
# .list files), so apt-get source finds the package of the installed suites.
deb_src_file=/etc/apt/sources.list.d/zmq-ffi-deb-src.sources
deb_src_entries() {
  local file
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] && [ "$file" != "$deb_src_file" ] || continue
    sed -e 's/^Types:.*\bdeb\b.*$/Types: deb-src/' "$file"
    echo
  done
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$file" ] || continue
    # "deb [options] URI suite components..." -> a deb822 stanza.
    awk '$1 == "deb" {
      i = 2; options = ""
      if ($2 ~ /^\[/) {
        while (i < NF) { options = options " " $i; if ($i ~ /\]$/) break; i++ }
        i++
      }
      gsub(/[\[\]]/, "", options)
      printf "Types: deb-src\nURIs: %s\nSuites: %s\nComponents:", $i, $(i + 1)
      for (j = i + 2; j <= NF && $j !~ /^#/; j++) printf " %s", $j
      printf "\n"
      count = split(options, option, " ")
      for (k = 1; k <= count; k++) {
        if (option[k] ~ /^signed-by=/) printf "Signed-By: %s\n", substr(option[k], 11)
        if (option[k] ~ /^trusted=/) printf "Trusted: %s\n", substr(option[k], 9)
      }
      printf "\n"
    }' "$file"
  done
}
if ! apt-cache showsrc "$source_package" 2>/dev/null | grep -q "^Version: $version\$"; then
  if [ ! -f "$deb_src_file" ]; then
    entries="$(deb_src_entries)"
    grep -q '^Types: deb-src' <<<"$entries" ||
      fail "no deb entries in /etc/apt/sources.list{,.d} to derive a deb-src entry from"
    printf '%s\n' "# Added by zmq-ffi's .ci/build-draft-libzmq.sh for apt-get source." "$entries" |
      as_root tee "$deb_src_file" >/dev/null
  fi
  as_root apt-get update -qq
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/zmq-ffi-draft-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # apt's _apt sandbox user downloads into it
log="$work/build.log"
run() {
  "$@" >>"$log" 2>&1 || {
    tail -n 40 "$log" >&2
    fail "failed: $* (last lines of the log above)"
  }
}

cd "$work"
run apt-get source --download-only "$source_package=$version"
origs=("$work/${source_package}_${upstream}".orig.tar.*)
orig="${origs[0]}"
[ -f "$orig" ] || fail "no orig tarball for $source_package $upstream among: $(ls "$work")"
mkdir source
run tar -xf "$orig" -C source --strip-components=1
[ -f source/CMakeLists.txt ] || fail "the orig tarball has no CMakeLists.txt"

run cmake -S source -B build \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DENABLE_DRAFTS=ON \
  -DBUILD_TESTS=OFF \
  -DBUILD_STATIC=OFF \
  -DWITH_DOCS=OFF \
  -DWITH_PERF_TOOL=OFF \
  -DWITH_LIBSODIUM=ON \
  -DENABLE_CURVE=ON
run make -C build -j2 install

[ -e "$library" ] || fail "the build did not install $library"
echo "$source_package $version drafts" >"$stamp"
echo "$library"
