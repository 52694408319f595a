#!/usr/bin/env bash
# On the development machine: builds the addon (with CUDA when nvcc is here) and the native CUDA
# tests, and packs what the GPU machine needs into .device/ (git-ignored): Node (via
# ../shared/tools/device-prep.sh when present), the addon, the test binaries, and the GPU checks
# bundled with esbuild, since the GPU machine has Node but no package registry.
# Then, on the GPU machine, with .device carried:  bash scripts/gpu/run.sh "$OUT"
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
if [[ -x ../shared/tools/device-prep.sh ]]; then ../shared/tools/device-prep.sh >/dev/null; fi
mkdir -p .device/bin
pnpm --filter @lplb/ipm build:native
pnpm exec tsc -b packages/cli
build=${LPLB_CUDA_BUILD:-/tmp/lplb-gpu-tests}
cmake -S native -B "$build" -DCMAKE_BUILD_TYPE=Release -DLPLB_CUDA=ON -DLPLB_BUILD_TESTS=ON \
  -DCMAKE_CUDA_ARCHITECTURES=90 >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
for test in test_minmax_cuda test_routing_cuda test_step_cuda test_nccl test_minmax; do
  cp "$build/tests/$test" .device/bin/
done
cp packages/ipm/build/Release/lplb_ipm.node .device/
esbuild=$(node -p "require.resolve('esbuild/bin/esbuild', { paths: [require.resolve('tsx', { paths: ['packages/cli'] })] })")
for entry in ipm/bench/gpu-smoke planner/bench/gpu-smoke planner/bench/nccl-check cli/bench/ep8-cube; do
  name=$(echo "$entry" | sed 's#/bench/#-#')
  "$esbuild" "packages/$entry.ts" --bundle --platform=node --format=esm --target=node20 --log-level=warning \
    --outfile=".device/$name.mjs" \
    --banner:js="import{createRequire as __cr}from'module';const require=__cr(import.meta.url);"
done
# The DeepSeek-V3 statistics of ../shared may not ship with the project; .device is git-ignored.
trace=../shared/data/traces/deepseek-v3-sglang-ep-stats.json
if [[ -f $trace ]]; then mkdir -p .device/traces && cp "$trace" .device/traces/; fi
du -sh .device
echo "carry [\".device\"] and run: source .device/setup.sh && bash scripts/gpu/run.sh \"\$OUT\""
