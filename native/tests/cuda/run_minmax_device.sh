#!/usr/bin/env bash
# On a machine with a GPU: builds native/ with the CUDA backend (LPLB_CUDA=ON), runs every
# ctest suite (the CUDA ones included), the CUDA min-max and routing benchmarks, and compute-sanitizer
# (memcheck, racecheck, synccheck) on a small batch. Logs go to $1 (default .).
set -u
out=${1:-.}
mkdir -p "$out"
build=${LPLB_CUDA_BUILD:-/tmp/lplb-minmax-cuda}
generator=$(command -v ninja >/dev/null && echo "-G Ninja" || echo "")
cmake -S native -B "$build" $generator -DCMAKE_BUILD_TYPE=Release -DLPLB_CUDA=ON -DLPLB_BUILD_TESTS=ON \
  > "$out/configure.log" 2>&1 && cmake --build "$build" -j16 > "$out/build.log" 2>&1 \
  || { tail -60 "$out/configure.log" "$out/build.log"; exit 1; }
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/device.txt"
(cd "$build" && ctest --output-on-failure 2>&1) | tail -25 | tee "$out/ctest.log"
"$build/tests/test_minmax_cuda" --with-bench 2>&1 | tail -40 | tee "$out/minmax-cuda.log"
"$build/tests/test_routing_cuda" --bench 2>&1 | tail -20 | tee "$out/routing-cuda.log"
sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
for tool in memcheck racecheck synccheck; do
  timeout 120 "$sanitizer" --tool "$tool" --error-exitcode 9 "$build/tests/test_minmax_cuda" --check 2 \
    > "$out/sanitizer-$tool.log" 2>&1
  echo "$tool rc=$?: $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$out/sanitizer-$tool.log" | tail -1)" | tee -a "$out/sanitizer.txt"
  timeout 120 "$sanitizer" --tool "$tool" --error-exitcode 9 "$build/tests/test_routing_cuda" --check 3 \
    > "$out/sanitizer-routing-$tool.log" 2>&1
  echo "routing $tool rc=$?: $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$out/sanitizer-routing-$tool.log" | tail -1)" | tee -a "$out/sanitizer.txt"
done
