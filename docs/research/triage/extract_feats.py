"""CPU feature extraction with the hand-built ONNX MiniLM (fp32 unless MODEL is given):
mini_layers_{train,test}.npy [N, 8, 384] (mean pool of emb, L1..L6, CLS of L6), static token tables
(model2vec-like: single-token table, and a contextual table averaged over TRAIN occurrences), token ids.
Same fit/val split as cpu_exp.py."""
import os, sys, time, numpy as np, pandas as pd, onnxruntime as ort
from tokenizers import Tokenizer
from sklearn.model_selection import train_test_split

BASE = os.path.dirname(os.path.abspath(__file__)); FEAT = os.environ.get("FEAT", f"{BASE}/feat"); os.makedirs(FEAT, exist_ok=True)
MODEL = os.environ.get("MODEL", "/tmp/onnx/minilm_L6_feats.onnx"); TAG = os.environ.get("TAG", "")
so = ort.SessionOptions(); so.intra_op_num_threads = int(os.environ.get("THREADS", "1")); so.inter_op_num_threads = 1
sess = ort.InferenceSession(MODEL, so, providers=["CPUExecutionProvider"])
tok = Tokenizer.from_file(f"{BASE}/minilm/tokenizer.json"); tok.no_padding(); tok.enable_truncation(64)  # tokenizer.json pads to 128 by default
tr = pd.read_csv(f"{BASE}/data/train.csv"); te = pd.read_csv(f"{BASE}/data/test.csv")
cats = sorted(set(tr.category)); ytr = tr.category.map({c: i for i, c in enumerate(cats)}).values
itr, iva = train_test_split(np.arange(len(tr)), test_size=0.15, stratify=ytr, random_state=0)
V = tok.get_vocab_size()


def run(ids_list, want_last=False, bs=64):
    order = np.argsort([len(x) for x in ids_list]); pooled = [None] * len(ids_list); S = np.zeros((V, 384)); C = np.zeros(V)
    for i in range(0, len(order), bs):
        b = order[i:i + bs]; T = max(len(ids_list[j]) for j in b)
        ids = np.zeros((len(b), T), np.int64); am = np.zeros((len(b), T), np.int64)
        for r, j in enumerate(b): ids[r, :len(ids_list[j])] = ids_list[j]; am[r, :len(ids_list[j])] = 1
        P, L = sess.run(None, {"input_ids": ids, "attention_mask": am})
        for r, j in enumerate(b): pooled[j] = P[r]
        if want_last:
            msk = am.astype(bool); np.add.at(S, ids[msk], L[msk]); np.add.at(C, ids[msk], 1)
    return np.stack(pooled), S, C


t = time.time()
tk = {n: [e.ids for e in tok.encode_batch(d.text.tolist())] for n, d in [("train", tr), ("test", te)]}
for n in tk: np.save(f"{FEAT}/tokids_{n}.npy", np.array(tk[n], dtype=object), allow_pickle=True)
Pf, Sf, Cf = run([tk["train"][i] for i in itr], want_last=True)
Pv, Sv, Cv = run([tk["train"][i] for i in iva], want_last=True)
Ptr = np.zeros((len(tr),) + Pf.shape[1:], np.float32); Ptr[itr] = Pf; Ptr[iva] = Pv
S, C = Sf + Sv, Cf + Cv
Pte, _, _ = run(tk["test"])
np.save(f"{FEAT}/mini_layers{TAG}_train.npy", Ptr.astype(np.float16)); np.save(f"{FEAT}/mini_layers{TAG}_test.npy", Pte.astype(np.float16))
print("layer feats", round(time.time() - t, 1), "s", flush=True)
if "notables" in sys.argv: sys.exit()
# single-token table: [CLS] t [SEP], mean-pooled last layer
t = time.time()
single, _, _ = run([[101, v, 102] for v in range(V)], bs=512)
single = single[:, 6]
print("single table", round(time.time() - t, 1), "s", flush=True)
# contextual table from the fit part (for validation) and from full train (for test)
for name, (SS, CC) in {"fit": (Sf, Cf), "full": (S, C)}.items():
    Tb = single.astype(np.float64).copy(); seen = CC > 0; Tb[seen] = SS[seen] / CC[seen, None]
    np.save(f"{FEAT}/tab_ctx_{name}.npy", Tb.astype(np.float16))
np.save(f"{FEAT}/tab_single.npy", single.astype(np.float16))
print("tables done; tokens seen in train:", int((C > 0).sum()), flush=True)
