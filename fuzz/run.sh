#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (ASan + UBSan + fuzzer coverage) and runs one.
#   fuzz/run.sh TARGET [RUNS] [extra libFuzzer args...]     e.g. fuzz/run.sh fuzz_gguf 1000000
# Seeds: small GGUF files from $ZIGLLM_REF_DIR (if set) are copied into a scratch corpus dir.
# Crashes are written as fuzz/crash-*; turn each into a regression test.
# FUZZ_FAST=1 builds without ASan and without comparison tracing in the library (about 10x more
# executions per second, for long runs; then replay the corpus under ASan with RUNS=0).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?target name, e.g. fuzz_gguf}
runs=${2:-1000000}
shift $(( $# >= 2 ? 2 : $# ))
san=address,undefined lib_args=-fsanitize=fuzzer-no-link build=build-fuzz
if [ "${FUZZ_FAST:-0}" = 1 ]; then
  san=undefined lib_args="$lib_args -fno-sanitize-coverage=trace-cmp" build=build-fuzz-fast
fi
if [ ! -f $build/build.ninja ]; then
  CXX=clang++-14 CC=clang-14 meson setup $build -Dfuzz=true -Dfuzz_sanitize=$san -Dtests=false -Db_sanitize=$san \
    -Db_lundef=false "-Dcpp_args=$lib_args" -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C $build "fuzz/$target" >/dev/null
corpus=fuzz/corpus-$target
mkdir -p "$corpus"
if [ "$target" = fuzz_gguf ] && [ -n "${ZIGLLM_REF_DIR:-}" ]; then
  find "$ZIGLLM_REF_DIR" -name '*.gguf' -size -400k -exec cp -n {} "$corpus/" \; 2>/dev/null || true
fi
"$build/fuzz/$target" "$corpus" -runs="$runs" -max_len=65536 -artifact_prefix=fuzz/crash- -print_final_stats=1 "$@"
