package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densemesh.api.registry.ModelRecord;
import io.densemesh.api.registry.VModelRecord;
import io.densemesh.auth.Principal;
import io.densemesh.auth.Role;
import io.densemesh.runtime.error.ModelLoadException;
import io.densemesh.runtime.error.ModelNotFoundException;
import io.densemesh.runtime.error.PermissionDeniedException;
import io.densemesh.runtime.error.PreconditionFailedException;
import io.densemesh.runtime.error.UnavailableException;
import io.densemesh.serving.ModelRepository;
import io.densemesh.serving.ModelRepository.IndexEntry;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository extension mapped onto a mesh of simulated nodes: load makes one copy exist
 * somewhere, unload drops the copies on every node and keeps the registration, the index reports
 * mesh-wide states; names resolve and are authorised as elsewhere.
 */
class ModelRepositoryTest {

  static final Principal ADMIN = Principal.OPEN;
  static final Principal TENANT_A = new Principal("alice", "a", Role.TENANT);
  static final Principal READER_A = new Principal("rita", "a", Role.READER);

  @TempDir Path dir;
  SimulatedMesh mesh;
  SimulatedNode a;
  SimulatedNode b;

  @BeforeEach
  void setUp() {
    mesh = new SimulatedMesh(dir);
    a = mesh.node("a", 1000);
    b = mesh.node("b", 1000);
  }

  @AfterEach
  void tearDown() {
    mesh.close();
  }

  int loadsOf(String id) {
    return a.runtime.loadsOf(id) + b.runtime.loadsOf(id);
  }

  void registerFor(String tenant, String id) {
    ModelRecord m = mesh.register(id);
    mesh.registry.putModel(m.toBuilder().setTenant(tenant).build(),
        mesh.registry.model(id).orElseThrow().version()).orElseThrow();
  }

  void vmodel(String id, String active, String tenant) {
    mesh.registry.putVModel(VModelRecord.newBuilder().setVmodelId(id).setActiveModelId(active)
        .setTargetModelId(active).setTenant(tenant).build(), 0).orElseThrow();
  }

  @Test
  void loadAnswersOnceOneCopyIsLoadedAndNeverReloadsALoadedModel() {
    mesh.register("m");

    assertThat(a.repository.load(ADMIN, "m")).isEqualTo("m");

    mesh.publishAll(); // the copy's record may trail the load's answer by a moment
    assertThat(mesh.registry.view().loadedOn("m")).hasSize(1);
    a.repository.load(ADMIN, "m");
    b.repository.load(ADMIN, "m");
    assertThat(loadsOf("m")).as("loaded once in the mesh").isEqualTo(1);
  }

  @Test
  void aVmodelNameLoadsAndUnloadsItsActiveModel() {
    mesh.register("m1");
    vmodel("v", "m1", "");

    assertThat(a.repository.load(ADMIN, "v")).isEqualTo("m1");
    mesh.publishAll();
    assertThat(mesh.registry.view().loadedOn("m1")).hasSize(1);

    assertThat(b.repository.unload(ADMIN, "v")).isEqualTo("m1");
    mesh.publishAll();
    assertThat(mesh.registry.view().copiesOf("m1")).isEmpty();
  }

  @Test
  void anUnknownNameAndAnotherTenantsModelOrVmodelAnswerAlike() {
    registerFor("b", "b-model");
    vmodel("b-vmodel", "b-model", "b");

    for (String name : new String[] {"nope", "b-model", "b-vmodel"}) {
      assertThatThrownBy(() -> a.repository.load(TENANT_A, name)).as(name)
          .isInstanceOf(ModelNotFoundException.class)
          .hasMessage("model '" + name + "' is not registered");
      assertThatThrownBy(() -> a.repository.unload(TENANT_A, name)).as(name)
          .isInstanceOf(ModelNotFoundException.class)
          .hasMessage("model '" + name + "' is not registered");
    }
    assertThat(loadsOf("b-model")).isZero();
  }

  @Test
  void aReaderMayReadTheIndexButNotLoadOrUnload() {
    registerFor("a", "a-model");

    assertThatThrownBy(() -> a.repository.load(READER_A, "a-model"))
        .isInstanceOf(PermissionDeniedException.class);
    assertThatThrownBy(() -> a.repository.unload(READER_A, "a-model"))
        .isInstanceOf(PermissionDeniedException.class);
    assertThat(a.repository.index(READER_A, false)).extracting(IndexEntry::name)
        .containsExactly("a-model");
    assertThat(a.repository.load(TENANT_A, "a-model")).isEqualTo("a-model");
  }

  @Test
  void aFailedLoadIsALoadFailureWithTheRuntimesReason() {
    mesh.register("broken");
    a.runtime.failures.put("broken", "weights are truncated");
    b.runtime.failures.put("broken", "weights are truncated");

    assertThatThrownBy(() -> a.repository.load(ADMIN, "broken"))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("loading model 'broken' failed: ")
        .hasMessageContaining("weights are truncated");
  }

  @Test
  void unloadDropsTheCopiesOnEveryNodeAndKeepsTheRegistration() {
    mesh.register("m");
    a.load("m");
    b.load("m");

    a.repository.unload(ADMIN, "m");

    assertThat(a.cache.copyState("m")).isEmpty();
    assertThat(b.cache.copyState("m")).as("dropped through PeerControl").isEmpty();
    mesh.publishAll();
    assertThat(mesh.registry.view().copiesOf("m")).isEmpty();
    assertThat(mesh.registry.model("m")).as("still registered").isPresent();
    assertThat(mesh.registry.model("m").orElseThrow().value().getUnloadedAt())
        .as("marked, so proactive loading leaves it alone").isEqualTo(mesh.clock.millis());
    assertThat(a.repository.index(ADMIN, false)).containsExactly(
        new IndexEntry("m", "1", "UNAVAILABLE", "not loaded (the first request loads it)"));

    a.repository.load(ADMIN, "m");
    assertThat(loadsOf("m")).as("loads again on request").isEqualTo(3);
    assertThat(mesh.registry.model("m").orElseThrow().value().getUnloadedAt())
        .as("a repository load clears the mark").isZero();
  }

  @Test
  void theLeadersProactiveLoadingLeavesAnUnloadedModelAloneUntilItIsLoadedAgain() {
    mesh.register("m");
    b.load("m");
    a.repository.unload(ADMIN, "m");
    mesh.publishAll();
    LeaderDuties leader = new LeaderDuties(a.id, mesh.registry, a.loader, a.vmodels, mesh.clock,
        SimulatedNode.FAILURE_EXPIRY, true, () -> true);

    leader.tick();
    leader.tick();

    assertThat(mesh.registry.view().copiesOf("m")).isEmpty();
    assertThat(loadsOf("m")).isEqualTo(1);
    // A model never unloaded is still warmed: the rule is about the mark only.
    mesh.register("other");
    leader.tick();
    assertThat(a.cache.copyState("other").isPresent() || b.cache.copyState("other").isPresent())
        .isTrue();
  }

  @Test
  void aModelKeptByMinCopiesIsNotUnloaded() {
    mesh.register("pinned", 1, 0);
    b.load("pinned");

    assertThatThrownBy(() -> a.repository.unload(ADMIN, "pinned"))
        .isInstanceOf(PreconditionFailedException.class)
        .hasMessageContaining("keeps 1 copies by its policy (min copies)");
    assertThat(b.cache.isLoaded("pinned")).isTrue();
    assertThat(mesh.registry.model("pinned").orElseThrow().value().getUnloadedAt()).isZero();
  }

  @Test
  void aHolderThatCannotBeReachedIsNamedAndTheOtherCopiesAreDropped() {
    SimulatedNode c = mesh.node("c", 1000);
    mesh.register("m");
    b.load("m");
    c.load("m");
    c.crash();

    assertThatThrownBy(() -> a.repository.unload(ADMIN, "m"))
        .isInstanceOf(UnavailableException.class)
        .hasMessageStartingWith("could not ask c (UNAVAILABLE) to drop its copy of model 'm'");
    assertThat(b.cache.copyState("m")).isEmpty();
  }

  @Test
  void theIndexListsWhatTheCallerSeesWithMeshWideStatesSortedByName() {
    registerFor("a", "ready");
    registerFor("a", "idle");
    registerFor("a", "failing");
    registerFor("b", "hidden");
    vmodel("v-ready", "ready", "a");
    vmodel("v-hidden", "hidden", "b");
    b.load("ready");
    b.runtime.failures.put("failing", "no such file");
    assertThatThrownBy(() -> b.load("failing")).isInstanceOf(ModelLoadException.class);
    b.publish();

    assertThat(a.repository.index(TENANT_A, false)).containsExactly(
        new IndexEntry("failing", "1", "UNAVAILABLE", "no such file"),
        new IndexEntry("idle", "1", "UNAVAILABLE", "not loaded (the first request loads it)"),
        new IndexEntry("ready", "1", "READY", ""),
        new IndexEntry("v-ready", "1", "READY", ""));
    assertThat(a.repository.index(TENANT_A, true)).extracting(IndexEntry::name)
        .containsExactly("ready", "v-ready");
    assertThat(a.repository.index(ADMIN, false)).extracting(IndexEntry::name)
        .containsExactly("failing", "hidden", "idle", "ready", "v-hidden", "v-ready");
  }

  @Test
  void anIndexLargerThanItsBoundIsRefusedRatherThanTruncated() {
    for (int i = 0; i <= ModelRepository.MAX_INDEX_ENTRIES; i++) {
      mesh.register(String.format("m%05d", i));
    }

    assertThatThrownBy(() -> a.repository.index(ADMIN, false))
        .isInstanceOf(PreconditionFailedException.class)
        .hasMessageContaining("more than 10000 models and vmodels are visible")
        .hasMessageContaining("MeshAdmin/listModels");
    assertThat(a.repository.index(ADMIN, true)).as("the ready ones fit").isEmpty();
  }
}
