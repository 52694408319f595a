#!/usr/bin/env bash
# On the GPU machine, after scripts/gpu/prepare.sh here and with .device carried: the native CUDA
# tests, the JavaScript checks against the CPU backend, and, where there are GPUs and NCCL for
# them, the EP group over NCCL (2 GPUs) and the EP8 cube (8 GPUs). Logs and JSON results go to
# $1; the last line is "N passed, N failed".
set -u
out=${1:-gpu-results}
mkdir -p "$out"
export LPLB_IPM_BINDING=$PWD/.device/lplb_ipm.node
trace=.device/traces/deepseek-v3-sglang-ep-stats.json
[[ -z "${LPLB_TRACE:-}" && -f $trace ]] && export LPLB_TRACE=$PWD/$trace
gpus=$(nvidia-smi --query-gpu=name --format=csv,noheader | wc -l)
passed=0
failed=0
check() {
  local name=$1
  shift
  if timeout 300 "$@" >"$out/$name.log" 2>&1; then
    passed=$((passed + 1))
    echo "ok   $name: $(tail -1 "$out/$name.log")"
  else
    failed=$((failed + 1))
    echo "FAIL $name: $(tail -3 "$out/$name.log" | tr '\n' ' ')"
  fi
}
for test in test_minmax test_minmax_cuda test_routing_cuda test_step_cuda test_nccl; do
  check "$test" ".device/bin/$test"
done
check ipm-gpu-smoke node .device/ipm-gpu-smoke.mjs
check planner-gpu-smoke node .device/planner-gpu-smoke.mjs
if [[ $gpus -ge 2 ]]; then
  check nccl-check node .device/planner-nccl-check.mjs "$out/nccl"
else
  echo "skip nccl-check: $gpus GPU(s), it needs 2"
fi
if [[ $gpus -ge 8 && -n "${LPLB_TRACE:-}" ]]; then
  check ep8-cube env LPLB_OUT="$out/ep8" node .device/cli-ep8-cube.mjs nccl 20
else
  echo "skip ep8-cube: it needs 8 GPUs ($gpus here) and LPLB_TRACE (the DeepSeek-V3 trace file)"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
