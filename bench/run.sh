#!/usr/bin/env bash
# Builds the native peers (bench/native/*.c -> bench/build/) and runs every
# benchmark on native C, pyzmq, zeromq.js (installed on first use into
# bench/build/, see bench/README.md) and zmq-ffi on Deno, Bun and Node in the
# same run; prints a markdown table.
#   bench/run.sh            full counts (a few minutes)
#   bench/run.sh --quick    counts / 10, a fast check
#   bench/run.sh --repeat 1 --only pushpull,reqrep,inproc,wake --json results.json
#   bench/run.sh --columns pyzmq,deno,node   C and the columns named
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
mkdir -p bench/build
for source in bench/native/*.c; do
  cc -O2 -Wall -Wextra -o "bench/build/$(basename "$source" .c)" "$source" -lzmq -lpthread -lm
done
exec deno run --allow-all bench/run.ts "$@"
