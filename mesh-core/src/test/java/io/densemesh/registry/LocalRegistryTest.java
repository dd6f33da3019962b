package io.densemesh.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalRegistryTest extends RegistryContract {

  @TempDir Path dir;

  @Override
  protected Registry open() {
    return new LocalRegistry(dir);
  }

  @Test
  void persistentRecordsSurviveARestartAndLiveOnesDoNot() {
    registry.putModel(model("m", "/a"), 0).orElseThrow();
    registry.putConfig(Map.of("eviction", "lru"));
    registry.claimLoad("m", "a");
    registry.close();
    registry = new LocalRegistry(dir);
    assertThat(registry.model("m")).isPresent();
    assertThat(registry.view().config()).containsEntry("eviction", "lru");
    assertThat(registry.view().claims()).isEmpty();
  }
}
