"""Check a `t2lab export --format hf` folder in transformers itself (not run by npm test).

    pip install torch transformers pandas
    npx t2lab export --format hf test/fixtures/add2-L1-C32.safetensors out/add2-hf
    npx t2lab sample --checkpoint test/fixtures/add2-L1-C32.safetensors --n 4 --questions 8 --json --out out/add2-sample.json
    python test/python/check_hf_export.py out/add2-hf out/add2-sample.json test/fixtures/add2-L1-C32.safetensors

1. GPT2LMHeadModel.from_pretrained and AutoTokenizer.from_pretrained load the folder with no custom code
   (and the tokenizer encodes every held-out question to t2lab's ids);
2. on every held-out question of the sample file, transformers' logits match t2lab's (its float64 CPU
   reference model, via test/python/t2lab-logits.mjs) within float32 tolerance;
3. p_i = exp(-NLL of the gold answer and its EOS) from transformers matches `t2lab sample --json`'s p_i;
4. the reverse: a randomly initialised GPT-2 saved by transformers' own save_pretrained (with the
   exported tokenizer) goes through `t2lab import`, and t2lab's logits match transformers' again.
Exits 1 if any check fails.
"""
import json
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

HERE = Path(__file__).parent

LOGITS_ATOL = 1e-4  # float32 (torch) against float64 (t2lab's CPU reference), logits of magnitude ~10
P_RTOL = 1e-3  # t2lab's p_i comes from its float32 GPU kernels


def main(folder: str, sample_json: str, checkpoint: str) -> int:
    model = GPT2LMHeadModel.from_pretrained(folder).eval()
    tok = AutoTokenizer.from_pretrained(folder)
    sample = json.loads(Path(sample_json).read_text())
    questions = sample["questions"]
    print(f"loaded {folder}: {type(model).__name__}, {sum(p.numel() for p in model.parameters()):,} params, "
          f"tokenizer {type(tok).__name__} (eos {tok.eos_token!r} = {tok.eos_token_id}, vocab {len(tok)})")
    texts = [q["prompt"] + q["answer"] + tok.eos_token for q in questions]
    ref = t2lab_logits(checkpoint, texts)
    worst_logit, worst_p, ok = 0.0, 0.0, True
    for q, text, r in zip(questions, texts, ref):
        ids = tok(text)["input_ids"]
        if ids != r["ids"]:
            print(f"FAIL tokenizer: {text!r} -> {ids}, t2lab {r['ids']}")
            ok = False
            continue
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0].double()
        worst_logit = max(worst_logit, (logits - torch.tensor(r["logits"], dtype=torch.float64)).abs().max().item())
        # p_i: the probability of the answer and its EOS, given the prompt (teacher forcing).
        logp = torch.log_softmax(logits, dim=-1)
        start = len(tok(q["prompt"])["input_ids"])
        nll = -sum(logp[t - 1, ids[t]].item() for t in range(start, len(ids)))
        p_hf = math.exp(-nll)
        rel = abs(p_hf - q["p"]) / max(q["p"], 1e-30)
        worst_p = max(worst_p, rel)
        print(f"  {q['prompt']!r:>16} -> {q['answer']!r:6} p_i transformers {p_hf:.6g}  t2lab sample {q['p']:.6g}  (rel. diff {rel:.1e})")
    print(f"{len(questions)} held-out questions: max |logit difference| {worst_logit:.2e} (tolerance {LOGITS_ATOL}), "
          f"max relative p_i difference {worst_p:.2e} (tolerance {P_RTOL})")
    ok = ok and worst_logit < LOGITS_ATOL and worst_p < P_RTOL
    ok = check_import(folder, texts) and ok
    print("OK" if ok else "FAIL")
    return 0 if ok else 1


def t2lab_logits(checkpoint: str, texts: list) -> list:
    out = subprocess.run(["node", str(HERE / "t2lab-logits.mjs"), checkpoint, *texts], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def check_import(folder: str, texts: list) -> bool:
    """A GPT-2 written by transformers itself, imported by t2lab, gives transformers' logits."""
    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=52, n_positions=32, n_embd=32, n_layer=2, n_head=4, activation_function="gelu_new",
                     layer_norm_epsilon=1e-5, bos_token_id=1, eos_token_id=1, pad_token_id=0)
    model = GPT2LMHeadModel(cfg).eval()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "gpt2"
        model.save_pretrained(src)
        for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
            shutil.copy(Path(folder) / name, src / name)
        out = Path(tmp) / "imported.safetensors"
        subprocess.run(["node", str(HERE.parent.parent / "bin" / "t2lab.mjs"), "import", str(src), str(out)], check=True, capture_output=True, text=True)
        ref = t2lab_logits(str(out), texts)
    tok = AutoTokenizer.from_pretrained(folder)
    worst = 0.0
    for r in ref:
        with torch.no_grad():
            logits = model(torch.tensor([tok(r["text"])["input_ids"]])).logits[0].double()
        worst = max(worst, (logits - torch.tensor(r["logits"], dtype=torch.float64)).abs().max().item())
    print(f"import: a random GPT-2 saved by transformers' save_pretrained ({sum(p.numel() for p in model.parameters()):,} params), "
          f"through `t2lab import`: max |logit difference| {worst:.2e} (tolerance {LOGITS_ATOL})")
    return worst < LOGITS_ATOL


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
