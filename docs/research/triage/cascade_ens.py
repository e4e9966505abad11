"""Recommended design, end to end on this CPU: score-level ensemble
  S = 0.5 * LinearSVC(C=0.5) on TF-IDF  +  1.0 * LinearSVC(C=1.0) on L2-normalised MiniLM-L6 mean-pooled embedding,
with a cascade: the MiniLM branch runs only when the TF-IDF top-1/top-2 margin < tau (tau chosen on val).
Prints val routing table, test accuracy with val-chosen tau, and train timing of the sklearn part."""
import json, os, time, numpy as np, pandas as pd
from sklearn.svm import LinearSVC
from sklearn.preprocessing import normalize
from sklearn.model_selection import train_test_split
import importlib.util, sys
BASE = os.path.dirname(os.path.abspath(__file__)); FEAT = f"{BASE}/feat"
spec = importlib.util.spec_from_file_location("ce", f"{BASE}/cpu_exp.py")
tr = pd.read_csv(f"{BASE}/data/train.csv"); te = pd.read_csv(f"{BASE}/data/test.csv")
cats = sorted(set(tr.category)); cid = {c: i for i, c in enumerate(cats)}
ytr = tr.category.map(cid).values; yte = te.category.map(cid).values
itr, iva = train_test_split(np.arange(len(tr)), test_size=0.15, stratify=ytr, random_state=0)
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_union
def tfidf():
    return make_union(TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"),
                      TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2))
E_tr = normalize(np.load(f"{FEAT}/mini_layers_train.npy")[:, 6].astype(np.float32)); E_te = normalize(np.load(f"{FEAT}/mini_layers_test.npy")[:, 6].astype(np.float32))
T = tr.text.tolist()
def fit(idx_fit, texts_eval, E_eval):
    t0 = time.process_time(); w0 = time.time()
    v = tfidf(); X = v.fit_transform([T[i] for i in idx_fit]); m1 = LinearSVC(C=0.5).fit(X, ytr[idx_fit]); m2 = LinearSVC(C=1.0).fit(E_tr[idx_fit], ytr[idx_fit])
    cpu = time.process_time() - t0; wall = time.time() - w0
    return m1.decision_function(v.transform(texts_eval)), m2.decision_function(E_eval), cpu, wall
def cascade(S1, S2, tau):
    top = np.sort(S1, 1)[:, -2:]; route = (top[:, 1] - top[:, 0]) < tau
    return np.where(route, (0.5 * S1 + S2).argmax(1), S1.argmax(1)), route
S1, S2, cpu, wall = fit(itr, [T[i] for i in iva], E_tr[iva])
rows = []
for tau in [0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 100]:
    p, r = cascade(S1, S2, tau); rows.append((tau, round(float(r.mean()), 3), round(float((p == ytr[iva]).mean()), 4)))
print(json.dumps({"stage": "cascade_ens_val", "rows": rows}), flush=True)
full = rows[-1][2]; tau = min([r for r in rows if r[2] >= full - 0.002], key=lambda r: r[1])[0]
S1, S2, cpu, wall = fit(np.arange(len(tr)), te.text.tolist(), E_te)
p, r = cascade(S1, S2, tau); p_all, _ = cascade(S1, S2, 100)
print(json.dumps({"stage": "cascade_ens_test", "tau": tau, "routed": round(float(r.mean()), 3), "test": round(float((p == yte).mean()), 4),
                  "test_no_cascade": round(float((p_all == yte).mean()), 4), "sklearn_train_cpu_s": round(cpu, 1), "sklearn_train_wall_s": round(wall, 1)}), flush=True)
