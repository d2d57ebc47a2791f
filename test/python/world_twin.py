"""Train the PyTorch twin (../../../shared/tools/toy_regime.py: the same GPT and recipe as t2lab) on a mix dumped by
test/python/world_stream.ts, at isoFLOP levels, and append one JSON line per run (held-out loss, p_i per question,
chance per question). Not run by npm test; the feasibility check of a corpus before a long grid in t2lab.

    python test/python/world_twin.py PREFIX LEVELS SIZES BATCH OUT.jsonl [LR_MULT]
    e.g. python test/python/world_twin.py /tmp/w2 1e11 L4C44,L4C32,L2C32,L2C24,L2C16 8 w2_runs.jsonl
Needs TOY_REGIME=path/to/toy_regime.py's folder (default ../shared/tools beside the repository).
"""
import os, sys, json, time, math
sys.path.insert(0, os.environ.get('TOY_REGIME', os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'tools')))
import numpy as np, torch
import toy_regime as tr
pre, levels, sizes, batch, out = sys.argv[1], [float(x) for x in sys.argv[2].split(',')], sys.argv[3].split(','), int(sys.argv[4]), sys.argv[5]
lr_mult = float(sys.argv[6]) if len(sys.argv) > 6 else 1.0
torch.set_num_threads(1)
data = np.fromfile(pre + '_train.bin', dtype=np.uint8)
ev = np.fromfile(pre + '_eval.bin', dtype=np.uint8)
qj = json.load(open(pre + '_qs.json'))
qs = {t: [(q['p'], q['a']) for q in v] for t, v in qj.items()}
for lv in levels:
    for sz in sizes:
        L, C, H = tr.size_spec(sz)
        lr = tr.default_lr(C) * lr_mult
        r = tr.train(pre, None, sz, lv, batch=batch, lr=lr, data=data, ev=ev, qs=qs)
        r['chance'] = {t: [q['chance'] for q in v] for t, v in qj.items()}
        with open(out, 'a') as f: f.write(json.dumps(r) + '\n')
        pm = {k: round(sum(v) / len(v), 4) for k, v in r['p'].items()}
        print(f"lv={lv:.0e} {sz} Nne={r['N_ne']} D/N={r['D']/r['N_ne']:.0f} steps={r['steps']} t={r['train_s']}s loss={r['eval_loss']} p1={pm}", flush=True)
