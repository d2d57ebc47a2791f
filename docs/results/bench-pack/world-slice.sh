#!/bin/bash
# docs/results/bench-pack/world-slice.txt: the world slice one at a time, packed, --jobs 2 and --jobs 2 --pack 1, back
# to back at one commit, its records against the grid's; the smoke sweep three times each way; sampling packed
# against alone; the decode step. OUT (a scratch folder) and LOG (where the lines go) may be set.
cd "$(git rev-parse --show-toplevel)"
out=${OUT:-/tmp/world-slice-bench}; rm -rf $out; mkdir -p $out
log=${LOG:-$out.txt}
echo "== $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg) commit $(git rev-parse --short HEAD)" >> $log
t() { local name=$1; shift; local s=$(date +%s.%N); "$@" > $out/$name.log 2>&1; local rc=$?; local e=$(date +%s.%N);
  echo "$name: wall $(echo "$e - $s" | bc) s, exit $rc, load $(cut -d' ' -f1-3 /proc/loadavg)" >> $log; }
t pack1 npx t2lab sweep experiments/world-slice.ts --out $out/pack1 --no_report --pack 1
t packed npx t2lab sweep experiments/world-slice.ts --out $out/packed --no_report
t jobs2 npx t2lab sweep experiments/world-slice.ts --out $out/jobs2 --no_report --jobs 2
t jobs2-pack1 npx t2lab sweep experiments/world-slice.ts --out $out/jobs2-pack1 --no_report --jobs 2 --pack 1

xz -dc docs/results/world/samples.jsonl.xz > $out/grid.jsonl; node docs/results/bench-pack/world-slice-compare.mjs $out $out/grid.jsonl >> $log
same=0; differ=0
for m in packed jobs2 jobs2-pack1; do for f in $out/pack1/models/*.safetensors; do
  if cmp -s "$f" "$out/$m/models/$(basename "$f")"; then same=$((same+1)); else differ=$((differ+1)); fi; done; done
echo "model files against pack1's: $same byte-equal, $differ differ" >> $log
for i in 1 2 3; do
  t smoke-pack1-$i npx t2lab sweep experiments/smoke.ts --out $out/smoke-pack1-$i --no_report --pack 1
  t smoke-packed-$i npx t2lab sweep experiments/smoke.ts --out $out/smoke-packed-$i --no_report
done
node bin/ab-sample-pack.mjs --runs 2,4,8 --rounds 2 --questions 16 >> $log 2>&1
npx t2lab bench --kernel decode_step --reps 5 >> $log 2>&1
echo "all done $(date -u +%T)" >> $log
