#!/usr/bin/env bash
# Builds and runs the CUDA kernel test on a machine with a GPU: correctness, the benchmark and
# compute-sanitizer (memcheck, racecheck, synccheck) on a small batch. Logs go to $1 (default .).
set -u
out=${1:-.}
mkdir -p "$out"
build=${LPLB_CUDA_BUILD:-/tmp/lplb-cuda-build}
cmake -S native/tests/cuda -B "$build" -DCMAKE_BUILD_TYPE=Release > "$out/configure.log" 2>&1 \
  && cmake --build "$build" -j16 > "$out/build.log" 2>&1 || { tail -50 "$out/configure.log" "$out/build.log"; exit 1; }
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/device.txt"
"$build/test_batched_ipm" 2>&1 | tee "$out/test.log"; echo "test rc=${PIPESTATUS[0]}" | tee -a "$out/test.log"
"$build/test_batched_ipm" --bench 2>&1 | tee "$out/bench.log"
sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
for tool in memcheck racecheck synccheck; do
  timeout 150 "$sanitizer" --tool "$tool" --error-exitcode 9 "$build/test_batched_ipm" --batch 2 \
    > "$out/sanitizer-$tool.log" 2>&1
  echo "$tool rc=$?: $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$out/sanitizer-$tool.log" | tail -1)" | tee -a "$out/sanitizer.txt"
done
if [ "${LPLB_CUDA_PROFILE:-0}" = 1 ]; then
  ncu=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
  timeout 120 "$ncu" --section SpeedOfLight --section WarpStateStats --section LaunchStats --section Occupancy \
    -k regex:batched_hsd -c 1 --launch-skip 20 "$build/test_batched_ipm" --bench --launches 30 > "$out/ncu.log" 2>&1
  echo "ncu rc=$?" >> "$out/ncu.log"
fi
