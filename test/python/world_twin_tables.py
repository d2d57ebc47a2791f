"""Per-level tables of world_twin.py runs: held-out loss, p@1 and p@k at k = N_max/N per task, with chance's pass@k.
    python test/python/world_twin_tables.py RUNS.jsonl ...
"""
import json, sys, math, numpy as np
for f in sys.argv[1:]:
    rs=[json.loads(l) for l in open(f)]
    rs.sort(key=lambda r: r['N_ne'])
    for lv in sorted(set(r['level'] for r in rs)):
        R=[r for r in rs if r['level']==lv]; Nmax=max(r['N_ne'] for r in R)
        print(f"\n## {f} C={lv:.0e} (N_max {Nmax}, k = N_max/N)")
        print('| size | N_ne | N_tot | D/N_ne | D/N_tot | steps | loss | ' + ' | '.join(f'p@1 {t}' for t in R[0]['p']) + ' | k | ' + ' | '.join(f'p@k {t} (chance)' for t in R[0]['p']) + ' |')
        for r in R:
            k=Nmax/r['N_ne']; row=[r['size'], r['N_ne'], r['N_tot'], f"{r['D']/r['N_ne']:.0f}", f"{r['D']/r['N_tot']:.0f}", r['steps'], r['eval_loss']]
            row+= [f"{np.mean(v):.4f}" for v in r['p'].values()]
            row+= [f"{k:.1f}"]
            for t,v in r['p'].items():
                pk=np.mean([1-math.exp(k*math.log1p(-min(p,1-1e-12))) for p in v]); ck=np.mean([1-math.exp(k*math.log1p(-c)) for c in r['chance'][t]])
                row.append(f"{pk:.4f} ({ck:.2g})")
            print('| '+' | '.join(map(str,row))+' |')
        i=int(np.argmin([r['eval_loss'] for r in R]))
        print(f"best loss at {R[i]['size']} (N_ne {R[i]['N_ne']}, D/N_ne {R[i]['D']/R[i]['N_ne']:.0f}, D/N_tot {R[i]['D']/R[i]['N_tot']:.0f}){' EDGE' if i in (0,len(R)-1) else ''}")
