package io.densemesh.tls;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Key and trust managers loaded from PEM files, each re-read by {@link PemReloader} when its
 * files change, all on one daemon thread started by {@link #start}. Used by the TLS of the
 * remote-runtime link, on the node and on the runtime server.
 */
final class ReloadingManagers implements AutoCloseable {

  private final List<Runnable> reloads = new ArrayList<>();
  private final ScheduledExecutorService reloader;

  ReloadingManagers(String threadName) {
    this.reloader = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
  }

  /** A key manager holding {@code cert} and {@code key}, replaced together when both change. */
  AdvancedTlsX509KeyManager identity(Path cert, Path key)
      throws IOException, GeneralSecurityException {
    AdvancedTlsX509KeyManager manager = new AdvancedTlsX509KeyManager();
    reloads.add(new PemReloader.Identity(cert, key, manager)::reloadIfChanged);
    return manager;
  }

  /** A trust manager holding the CA bundle {@code ca}, checking as {@code verification} says. */
  AdvancedTlsX509TrustManager trust(Path ca,
      AdvancedTlsX509TrustManager.Verification verification)
      throws IOException, GeneralSecurityException {
    AdvancedTlsX509TrustManager manager = AdvancedTlsX509TrustManager.newBuilder()
        .setVerification(verification).build();
    reloads.add(new PemReloader.Trust(ca, manager)::reloadIfChanged);
    return manager;
  }

  /** Checks every file for changes each {@code period}. */
  void start(Duration period) {
    long millis = period.toMillis();
    reloader.scheduleWithFixedDelay(() -> reloads.forEach(Runnable::run), millis, millis,
        TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    reloader.shutdownNow();
  }
}
