"""Run the NumPy rebuild of the model printed in docs/checkpoint.md and compare its logits with t2lab's
(its float64 CPU reference, via test/python/t2lab-logits.mjs), so the page cannot drift from the code.
Not run by npm test.

    pip install numpy safetensors
    python test/python/check_docs_numpy.py [CHECKPOINT]     # default: the test fixture (format v1); try a v2 file too
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def main(checkpoint: str) -> int:
    doc = (ROOT / "docs" / "checkpoint.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", doc, re.S) if "def logits" in b)
    block = block.replace('path = "test/fixtures/add2-L1-C32.safetensors"', f"path = {checkpoint!r}")
    block = "\n".join(line for line in block.splitlines() if not line.startswith("print("))
    scope: dict = {}
    exec(block, scope)
    texts = ["add 2+8=01", "add 39+8=101"]
    out = subprocess.run(["node", str(ROOT / "test" / "python" / "t2lab-logits.mjs"), checkpoint, *texts], check=True, capture_output=True, text=True)
    worst = max(np.abs(scope["logits"](r["text"]) - np.array(r["logits"])).max() for r in json.loads(out.stdout))
    print(f"docs/checkpoint.md's NumPy model on {checkpoint}: max |logit difference| from t2lab {worst:.2e}")
    return 0 if worst < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "test" / "fixtures" / "add2-L1-C32.safetensors")))
