#!/usr/bin/env bash
# Runs on a lent GPU machine (no Node, no network), from the repository's root, after
# `node bin/device-pack.mjs` here: the adapter, the packed training-step bench, every kernel and the peer
# table, each timed on the GPU, raw output under $OUT. A command that fails or runs past its bound does not
# stop the next one. Typical call: run({ command: 'bash bin/device-gpu.sh', carry: ['.gpu', '.gl'] }).
set -uo pipefail
OUT=${OUT:-$(mktemp -d)}
for f in .gpu/node.xz .gpu/webgpu.tar.xz .gpu/t2lab.mjs.xz; do
  [ -f "$f" ] || { echo "missing $f: run \`node bin/device-pack.mjs\` first and carry .gpu and .gl" >&2; exit 2; }
done
# The Vulkan loader, and NVIDIA's driver manifest where the loader does not find it by itself.
if ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
NV=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$NV" ]; then export VK_DRIVER_FILES=$NV; fi
W=$(mktemp -d)
xz -dc .gpu/node.xz > "$W/node" && chmod +x "$W/node"
tar xJf .gpu/webgpu.tar.xz -C "$W"
xz -dc .gpu/t2lab.mjs.xz > "$W/t2lab.mjs"
export T2LAB_CACHE_DIR="$W/cache" T2LAB_ADAPTER=${T2LAB_ADAPTER:-hardware}
cd "$W"
step() { # step NAME SECONDS ARGS...: one command, its output to $OUT/NAME.txt
  local name=$1 limit=$2
  shift 2
  echo "== $(date -u +%FT%TZ) t2lab $*" | tee "$OUT/$name.txt"
  timeout "$limit" ./node t2lab.mjs "$@" 2>&1 | grep -v '^Warning: maxDynamic' | tee -a "$OUT/$name.txt"
  echo "== exit ${PIPESTATUS[0]}" | tee -a "$OUT/$name.txt"
}
{ nvidia-smi -L; ./node --version; } 2>&1 | tee "$OUT/machine.txt"
step devices 60 devices
if [ -n "${T2LAB_DEVICE_QUICK:-}" ]; then # a check of this script on any machine (T2LAB_ADAPTER=lavapipe here)
  step matmul 120 bench --kernel matmul --reps 1
  step peers 120 bench --peers --quick --reps 1
  exit 0
fi
step train-step 150 bench --kernel train_step --reps 5 --out "$OUT/train-step.json"
step bench 180 bench --reps 5 --out "$OUT/bench.json"
step peers 150 bench --peers --reps 3
