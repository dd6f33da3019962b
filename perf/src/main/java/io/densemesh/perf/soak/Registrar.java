package io.densemesh.perf.soak;

import io.densemesh.api.mmesh.GetStatusRequest;
import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.ModelMeshGrpc;
import io.densemesh.api.mmesh.ModelStatusInfo.ModelStatus;
import io.densemesh.api.mmesh.RegisterModelRequest;
import io.densemesh.api.mmesh.UnregisterModelRequest;
import io.densemesh.testing.NodeProcess;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Registrations and unregistrations through random nodes of the rotation, all the while: every
 * acknowledged registration that was not unregistered must be there at the end; every
 * acknowledged unregistration must stay gone. An unregistration that failed leaves its model in
 * an unknown state, excluded from both checks.
 */
final class Registrar implements AutoCloseable {

  final Set<String> registered = ConcurrentHashMap.newKeySet();
  final Set<String> unregistered = ConcurrentHashMap.newKeySet();
  final Set<String> uncertain = ConcurrentHashMap.newKeySet();
  long attempts;
  long refused;

  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  Registrar(Rotation rotation, Path modelFile, long periodMillis) {
    thread = new Thread(() -> {
      SplittableRandom random = new SplittableRandom(7);
      List<String> live = new ArrayList<>();
      for (int n = 0; running.get(); n++) {
        var mesh = ModelMeshGrpc.newBlockingStub(rotation.pick(random).channel())
            .withDeadlineAfter(10, TimeUnit.SECONDS);
        attempts++;
        if (n % 3 == 2 && !live.isEmpty()) {
          String id = live.remove(random.nextInt(live.size()));
          registered.remove(id);
          try {
            mesh.unregisterModel(UnregisterModelRequest.newBuilder().setModelId(id).build());
            unregistered.add(id);
          } catch (StatusRuntimeException e) {
            refused++;
            uncertain.add(id);
          }
        } else {
          String id = "reg-" + n;
          try {
            mesh.registerModel(RegisterModelRequest.newBuilder().setModelId(id)
                .setModelInfo(ModelInfo.newBuilder().setType("onnx")
                    .setPath(modelFile.toString())).build());
            registered.add(id);
            live.add(id);
          } catch (StatusRuntimeException e) {
            refused++;
            uncertain.add(id); // the write may have landed before the error
          }
        }
        try {
          Thread.sleep(periodMillis); // a steady pace, not a correctness wait
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "soak-registrar");
    thread.start();
  }

  /** Acknowledged registrations that a node does not know ({@code lost}) and unregistered ones it does. */
  record Check(int lost, int resurrected) {}

  Check check(NodeProcess node) {
    var mesh = ModelMeshGrpc.newBlockingStub(node.channel());
    int lost = 0;
    for (String id : registered) {
      if (status(mesh, id) == ModelStatus.NOT_FOUND) {
        lost++;
      }
    }
    int resurrected = 0;
    for (String id : unregistered) {
      if (status(mesh, id) != ModelStatus.NOT_FOUND) {
        resurrected++;
      }
    }
    return new Check(lost, resurrected);
  }

  private static ModelStatus status(ModelMeshGrpc.ModelMeshBlockingStub mesh, String id) {
    return mesh.withDeadlineAfter(10, TimeUnit.SECONDS)
        .getModelStatus(GetStatusRequest.newBuilder().setModelId(id).build()).getStatus();
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    thread.interrupt();
    thread.join(30_000);
  }
}
