#!/usr/bin/env bash
# A cold smoke sweep with each output line stamped with seconds since start.
cd ${1:-/work/main}
d=$(mktemp -d); t0=$(date +%s.%N)
echo "== $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg) head $(git rev-parse --short HEAD) $(git status --short | wc -l) changed"
MESA_SHADER_CACHE_DISABLE=true T2LAB_CACHE_DIR=$d/cache npx t2lab sweep experiments/smoke.ts --out $d/results 2>&1 | grep --line-buffered -v Warning | while IFS= read -r l; do printf '%6.1f %s\n' $(echo "$(date +%s.%N) - $t0" | bc) "${l:0:150}"; done
printf '%6.1f end, load %s\n' $(echo "$(date +%s.%N) - $t0" | bc) "$(cut -d' ' -f1-3 /proc/loadavg)"
