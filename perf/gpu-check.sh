#!/usr/bin/env bash
# GPU check, for a machine with an NVIDIA GPU, CUDA 12 and cuDNN 9 (what onnxruntime_gpu 1.21
# needs). Builds the node with -Pgpu (ONNX Runtime's CUDA build), starts it with
# --device cuda:N on free-looking ports, registers a 16 MiB ONNX classifier, infers once, and
# prints the node's GPU capacity/used from /metrics and the model's measured GPU size.
#   perf/gpu-check.sh                 device cuda:0
#   GPU=1 perf/gpu-check.sh           device cuda:1
#   DEVICE=cpu perf/gpu-check.sh      dry run of the same steps on the CPU build (no GPU needed)
#   SKIP_BUILD=1 perf/gpu-check.sh    use the jar already built
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DEVICE="${DEVICE:-cuda:${GPU:-0}}"
PROFILE=(-Pgpu)
[ "$DEVICE" = cpu ] && PROFILE=()
if [ -z "${SKIP_BUILD:-}" ]; then
  ./mvnw -q -B "${PROFILE[@]}" -DskipTests package -pl mesh-core -am
fi
if [ "$DEVICE" != cpu ]; then
  nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version --format=csv \
    -i "${DEVICE#cuda:}"
fi
JAR=mesh-core/target/densemesh-node.jar
WORK="$(mktemp -d)"
GRPC="${GRPC_PORT:-18033}" REST="${REST_PORT:-18008}" METRICS="${METRICS_PORT:-12112}"
INTERNAL="${INTERNAL_PORT:-18080}"
java -jar "$JAR" serve --device "$DEVICE" --grpc-port "$GRPC" --rest-port "$REST" \
  --metrics-port "$METRICS" --internal-port "$INTERNAL" --data-dir "$WORK/data" --capacity 2g >"$WORK/node.log" 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null; wait $NODE 2>/dev/null; echo "node log: $WORK/node.log"' EXIT
for _ in $(seq 1 240); do
  if ! kill -0 "$NODE" 2>/dev/null; then
    echo "gpu-check: the node exited:"; cat "$WORK/node.log"; exit 1
  fi
  curl -sf "http://127.0.0.1:$REST/v2/health/ready" >/dev/null && break
  sleep 0.5
done
grep -m1 "ready:" "$WORK/node.log" || true
java -cp "$JAR" perf/gpu/GpuCheck.java "$GRPC" "$REST" "$METRICS" "$WORK"
if [ "$DEVICE" != cpu ]; then
  nvidia-smi --query-gpu=memory.used --format=csv -i "${DEVICE#cuda:}"
fi
