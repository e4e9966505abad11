"""Mean-pooled sentence embeddings of Banking77 train/test with one ONNX 'emb' model (e.g. the int8 one);
writes feat/{TAG}_{train,test}.npy."""
import os, sys, numpy as np, pandas as pd, onnxruntime as ort
from tokenizers import Tokenizer
BASE = os.path.dirname(os.path.abspath(__file__)); path, tag = sys.argv[1], sys.argv[2]
so = ort.SessionOptions(); so.intra_op_num_threads = 1; sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
tok = Tokenizer.from_file(f"{BASE}/minilm/tokenizer.json"); tok.no_padding(); tok.enable_truncation(64)
for split in ["train", "test"]:
    L = [e.ids for e in tok.encode_batch(pd.read_csv(f"{BASE}/data/{split}.csv").text.tolist())]
    order = np.argsort([len(x) for x in L]); out = np.zeros((len(L), 384), np.float32)
    for i in range(0, len(L), 32):
        b = order[i:i + 32]; T = max(len(L[j]) for j in b)
        ids = np.zeros((len(b), T), np.int64); am = np.zeros_like(ids)
        for r, j in enumerate(b): ids[r, :len(L[j])] = L[j]; am[r, :len(L[j])] = 1
        out[b] = sess.run(None, {"input_ids": ids, "attention_mask": am})[0]
    np.save(f"{BASE}/feat/{tag}_{split}.npy", out.astype(np.float16)); print(split, "done", flush=True)
