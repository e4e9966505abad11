"""Encoder speed on THIS 2-core CPU (shared with other jobs, so CPU time is reported as well:
cpu_per_s = texts per CPU-second with 1 thread, i.e. the throughput of one dedicated core).
Variants: hand-built ONNX MiniLM fp32/int8, 6 layers and first 3 layers. Includes tokenization
(HF `tokenizers`) and mean pooling. Texts: Banking77 test (3,080), length-sorted batches."""
import json, os, sys, time, numpy as np, pandas as pd, onnxruntime as ort
from tokenizers import Tokenizer

BASE = os.path.dirname(os.path.abspath(__file__))
texts = pd.read_csv(f"{BASE}/data/test.csv").text.tolist()
N = int(os.environ.get("N", "3080")); texts = texts[:N]
tok = Tokenizer.from_file(f"{BASE}/minilm/tokenizer.json"); tok.no_padding(); tok.enable_truncation(64)  # tokenizer.json pads to 128 by default


def log(**kw):
    print(json.dumps({k: (round(v, 2) if isinstance(v, float) else v) for k, v in kw.items()}), flush=True)


t0, c0 = time.perf_counter(), time.process_time(); enc = tok.encode_batch(texts); t1, c1 = time.perf_counter(), time.process_time()
lens = np.array([len(e.ids) for e in enc])
log(stage="tokenize", per_s_wall=N / (t1 - t0), per_cpu_s=N / max(c1 - c0, 1e-9), mean_tokens=float(lens.mean()), p95=float(np.percentile(lens, 95)), max=int(lens.max()))
order = np.argsort(lens)


def embed(sess, batch_texts):
    es = tok.encode_batch(batch_texts); T = max(len(e.ids) for e in es)
    ids = np.zeros((len(es), T), np.int64); am = np.zeros((len(es), T), np.int64)
    for r, e in enumerate(es): ids[r, :len(e.ids)] = e.ids; am[r, :len(e.ids)] = 1
    return sess.run(None, {"input_ids": ids, "attention_mask": am})[0]


for path in sys.argv[1:]:
    for threads in [1, 2]:
        so = ort.SessionOptions(); so.intra_op_num_threads = threads; so.inter_op_num_threads = 1
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        sorted_texts = [texts[i] for i in order]
        for bs in ([32, 128] if threads == 1 else [64]):
            embed(sess, sorted_texts[:bs])
            t0, c0 = time.perf_counter(), time.process_time()
            for i in range(0, N, bs): embed(sess, sorted_texts[i:i + bs])
            t1, c1 = time.perf_counter(), time.process_time()
            log(model=os.path.basename(path), threads=threads, bs=bs, per_s_wall=N / (t1 - t0), per_cpu_s=N / (c1 - c0))
        lat, cpu = [], []
        for x in texts[:150]:
            t0, c0 = time.perf_counter(), time.process_time(); embed(sess, [x]); lat.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
        log(model=os.path.basename(path), threads=threads, single_ms_wall_median=1000 * float(np.median(lat)), single_ms_cpu_median=1000 * float(np.median(cpu)))
