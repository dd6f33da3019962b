package io.densemesh.registry;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The registry's change listeners: each runs in turn; one that throws is logged, not fatal. */
final class ChangeListeners {

  private static final Logger log = LoggerFactory.getLogger(ChangeListeners.class);

  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  void add(Runnable listener) {
    listeners.add(listener);
  }

  void fire() {
    for (Runnable l : listeners) {
      try {
        l.run();
      } catch (RuntimeException e) {
        log.warn("registry listener failed: {}", e.toString());
      }
    }
  }
}
