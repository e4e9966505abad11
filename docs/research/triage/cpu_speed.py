"""Encoder inference speed on CPU (run under `taskset -c 0,1`, OMP_NUM_THREADS=2).
MiniLM-L6 (all-MiniLM-L6-v2 weights): torch fp32, torch dynamic int8, onnxruntime fp32 / int8,
6 layers and first-3-layers. Batch throughput on Banking77 test (3,080 texts, length-sorted
batches) and single-text latency. Writes int8 ONNX files to $ONNX_DIR (if set).
"""
import json, os, time, sys
import numpy as np, pandas as pd, torch
from transformers import AutoTokenizer, AutoModel

BASE = os.path.dirname(os.path.abspath(__file__))
MD = f"{BASE}/minilm"
torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
texts = pd.read_csv(f"{BASE}/data/test.csv").text.tolist()
tok = AutoTokenizer.from_pretrained(MD)
ONNX_DIR = os.environ.get("ONNX_DIR", "/tmp/onnx"); os.makedirs(ONNX_DIR, exist_ok=True)


def log(**kw):
    kw = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in kw.items()}
    print(json.dumps(kw), flush=True)


t = time.time(); enc_all = tok(texts, truncation=True, max_length=64); s = time.time() - t
lens = np.array([len(x) for x in enc_all["input_ids"]])
log(stage="tokenize", n=len(texts), per_s=len(texts) / s, mean_len=float(lens.mean()), p95_len=float(np.percentile(lens, 95)))
order = np.argsort(lens)


def batches(bs):
    for i in range(0, len(order), bs):
        b = order[i:i + bs]
        e = tok([texts[j] for j in b], padding=True, truncation=True, max_length=64, return_tensors="np")
        yield e


def pool(h, m):
    m = m[..., None].astype(np.float32); return (h * m).sum(1) / m.sum(1)


def bench(name, run_np, bss=(32, 128)):
    for bs in bss:
        run_np(next(batches(bs)))  # warm
        t = time.time(); n = 0
        for e in batches(bs):
            run_np(e); n += e["input_ids"].shape[0]
        s = time.time() - t
        log(stage="encoder_batch", variant=name, bs=bs, per_s=n / s, includes="tokenize+forward+pool")
    lat = []
    for x in texts[:200]:
        t0 = time.perf_counter(); run_np(tok([x], return_tensors="np")); lat.append(time.perf_counter() - t0)
    log(stage="encoder_single", variant=name, ms_median=1000 * float(np.median(lat)), ms_p99=1000 * float(np.percentile(lat, 99)))


def torch_model(n_layers):
    m = AutoModel.from_pretrained(MD, torch_dtype=torch.float32).eval()
    if n_layers < 6:
        m.encoder.layer = m.encoder.layer[:n_layers]; m.config.num_hidden_layers = n_layers
    return m


for n_layers in [6, 3]:
    m = torch_model(n_layers)

    @torch.inference_mode()
    def run_t(e, m=m):
        ii = torch.from_numpy(e["input_ids"]); am = torch.from_numpy(e["attention_mask"])
        h = m(input_ids=ii, attention_mask=am).last_hidden_state.numpy()
        return pool(h, e["attention_mask"])
    try:
        bench(f"torch_fp32_L{n_layers}", run_t)
    except Exception as ex:
        log(stage="error", variant=f"torch_fp32_L{n_layers}", err=repr(ex)[:300])
    try:
        mq = torch.ao.quantization.quantize_dynamic(m, {torch.nn.Linear}, dtype=torch.qint8)

        @torch.inference_mode()
        def run_q(e, m=mq):
            ii = torch.from_numpy(e["input_ids"]); am = torch.from_numpy(e["attention_mask"])
            return pool(m(input_ids=ii, attention_mask=am).last_hidden_state.numpy(), e["attention_mask"])
        bench(f"torch_dynint8_L{n_layers}", run_q)
    except Exception as ex:
        log(stage="error", variant=f"torch_dynint8_L{n_layers}", err=repr(ex)[:300])

    # ONNX export
    path = f"{ONNX_DIR}/minilm_L{n_layers}.onnx"
    try:
        class Wrap(torch.nn.Module):
            def __init__(s, m): super().__init__(); s.m = m
            def forward(s, input_ids, attention_mask):
                h = s.m(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
                am = attention_mask.unsqueeze(-1).to(h.dtype)
                return (h * am).sum(1) / am.sum(1)
        e = tok(["hello there my card"], return_tensors="pt")
        args = (e["input_ids"], e["attention_mask"])
        kw = dict(input_names=["input_ids", "attention_mask"], output_names=["emb"],
                  dynamic_axes={"input_ids": {0: "b", 1: "t"}, "attention_mask": {0: "b", 1: "t"}, "emb": {0: "b"}}, opset_version=17)
        try:
            torch.onnx.export(Wrap(m).eval(), args, path, dynamo=False, **kw)
        except Exception as ex1:
            log(stage="onnx_export_legacy_failed", err=repr(ex1)[:300])
            torch.onnx.export(Wrap(m).eval(), args, path, dynamo=True, external_data=False, **kw)
        import onnxruntime as ort
        from onnxruntime.quantization import quantize_dynamic, QuantType
        qpath = path.replace(".onnx", "_int8.onnx")
        quantize_dynamic(path, qpath, weight_type=QuantType.QInt8)
        log(stage="onnx_sizes", fp32_mb=os.path.getsize(path) / 1e6, int8_mb=os.path.getsize(qpath) / 1e6)
        for p, nm in [(path, "ort_fp32"), (qpath, "ort_int8")]:
            so = ort.SessionOptions(); so.intra_op_num_threads = int(os.environ.get("OMP_NUM_THREADS", "2")); so.inter_op_num_threads = 1
            sess = ort.InferenceSession(p, so, providers=["CPUExecutionProvider"])
            def run_o(e, sess=sess):
                return sess.run(None, {"input_ids": e["input_ids"].astype(np.int64), "attention_mask": e["attention_mask"].astype(np.int64)})[0]
            # agreement with torch fp32
            e = tok(texts[:64], padding=True, return_tensors="np")
            ref = run_t(e); got = run_o(e)
            cos = float(np.mean(np.sum(ref * got, 1) / np.linalg.norm(ref, axis=1) / np.linalg.norm(got, axis=1)))
            log(stage="onnx_agreement", variant=f"{nm}_L{n_layers}", mean_cos_vs_torch=cos)
            bench(f"{nm}_L{n_layers}", run_o, bss=(32, 128, 512))
    except Exception as ex:
        log(stage="error", variant=f"onnx_L{n_layers}", err=repr(ex)[:500])
