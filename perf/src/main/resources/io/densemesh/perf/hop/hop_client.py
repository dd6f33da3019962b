#!/usr/bin/python3
"""External client for `densemesh bench-hop`: a process of its own, as a user's client is.

Sends pre-serialized KServe V2 ModelInferRequest bytes (written by the benchmark) with grpcio,
identity serializers, so no protobuf code is needed here.

  hop_client.py run TARGET REQUEST_FILE THREADS START_AT WARM_S MEASURE_S
      Warms up until START_AT (epoch seconds, shared by the processes of one measurement) plus
      WARM_S, then measures for MEASURE_S with THREADS blocking callers. Prints one line:
      "calls SECONDS" followed by one line of space-separated latencies in microseconds.
  hop_client.py once TARGET REQUEST_FILE
      Connects (a ServerLive call), then times one ModelInfer; prints microseconds.
"""
import sys
import threading
import time

import grpc

INFER = "/inference.GRPCInferenceService/ModelInfer"
LIVE = "/inference.GRPCInferenceService/ServerLive"


def identity(b):
    return b


def channel(target):
    ch = grpc.insecure_channel(target)
    grpc.channel_ready_future(ch).result(timeout=30)
    return ch


def run(target, request_file, threads, start_at, warm_s, measure_s):
    body = open(request_file, "rb").read()
    ch = channel(target)
    infer = ch.unary_unary(INFER, request_serializer=identity, response_deserializer=identity)
    measure_from = start_at + warm_s
    measure_to = measure_from + measure_s
    results = [[] for _ in range(threads)]

    def caller(out):
        perf = time.perf_counter
        while time.time() < measure_from:
            infer(body, timeout=30)
        # The measured window, on the wall clock shared with the other client process.
        end = measure_to
        while True:
            t0 = perf()
            infer(body, timeout=30)
            t1 = perf()
            out.append(int((t1 - t0) * 1e6))
            if time.time() >= end:
                break

    workers = [threading.Thread(target=caller, args=(results[i],)) for i in range(threads)]
    while time.time() < start_at:
        time.sleep(0.01)
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    latencies = [v for r in results for v in r]
    print(len(latencies), measure_s)
    print(" ".join(map(str, latencies)))
    ch.close()


def once(target, request_file):
    body = open(request_file, "rb").read()
    ch = channel(target)
    ch.unary_unary(LIVE, request_serializer=identity, response_deserializer=identity)(b"",
                                                                                     timeout=30)
    infer = ch.unary_unary(INFER, request_serializer=identity, response_deserializer=identity)
    t0 = time.perf_counter()
    infer(body, timeout=60)
    print(int((time.perf_counter() - t0) * 1e6))
    ch.close()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "run":
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]),
            float(sys.argv[7]))
    elif mode == "once":
        once(sys.argv[2], sys.argv[3])
    else:
        sys.exit("unknown mode " + mode)
