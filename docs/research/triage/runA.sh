#!/bin/bash
# device call A: encoder speed (cores 0,1), GPU features + fine-tune refs, sklearn single views (cores 2,3)
cd "$(dirname "$0")"; export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
lscpu > $OUT/lscpu.txt; nproc >> $OUT/lscpu.txt
python3 -c "import sklearn, transformers, onnxruntime, torch; print('versions', sklearn.__version__, transformers.__version__, onnxruntime.__version__, torch.__version__)"
OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 ONNX_DIR=/tmp/onnx timeout 420 taskset -c 0,1 python3 cpu_speed.py > $OUT/speed.log 2>&1 & SP=$!
timeout 200 taskset -c 4-15 python3 gpu_feats.py feats > $OUT/gpu.log 2>&1
OMP_NUM_THREADS=2 timeout 400 taskset -c 2,3 python3 cpu_exp.py tfidf dense static timing > $OUT/expA.log 2>&1 & EX=$!
timeout 330 taskset -c 4-15 python3 gpu_feats.py full10 top2_5 full3 >> $OUT/gpu.log 2>&1
wait $SP; wait $EX
ls -la /tmp/onnx
for f in /tmp/onnx/*_int8.onnx; do split -b 15M -d "$f" "$OUT/$(basename $f)."; done
grep -h -v -i warn $OUT/gpu.log $OUT/speed.log $OUT/expA.log | grep '^{' 
