package io.densemesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.runtime.ModelSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The router's answer for a transport thread: a route from the view, or null and no write. */
class RouteWithoutBlockingTest {

  @TempDir Path dir;
  private SimulatedMesh mesh;
  private SimulatedNode a;
  private SimulatedNode b;
  private ModelSpec m;

  @BeforeEach
  void setUp() {
    mesh = new SimulatedMesh(dir);
    a = mesh.node("a", 1000);
    b = mesh.node("b", 1000);
    mesh.register("m");
    m = a.resolver.resolve("m", "", "", "");
  }

  @AfterEach
  void tearDown() {
    mesh.close();
  }

  @Test
  void aCopyHereIsLocal() {
    a.load("m");

    assertThat(a.router.routeWithoutBlocking(m, RouteHints.NONE)).isEqualTo(Route.LOCAL);
  }

  @Test
  void aPeersCopyIsThatPeer() {
    b.load("m");

    assertThat(a.router.routeWithoutBlocking(m, RouteHints.NONE))
        .isInstanceOfSatisfying(Route.Remote.class, r -> {
          assertThat(r.instanceId()).isEqualTo("b");
          assertThat(r.loadHere()).isFalse();
        });
  }

  @Test
  void aClusterWideMissIsLeftToTheBlockingRouteAndClaimsNothing() {
    assertThat(a.router.routeWithoutBlocking(m, RouteHints.NONE)).isNull();
    assertThat(mesh.registry.view().claims()).doesNotContainKey("m");

    assertThat(a.router.route(m, RouteHints.NONE)).isNotNull();
    assertThat(mesh.registry.view().claims()).containsKey("m");
  }

  @Test
  void aRequestToLoadHereIsLeftToTheBlockingRoute() {
    RouteHints loadHere = new RouteHints(1, java.util.Set.of(), true);

    assertThat(a.router.routeWithoutBlocking(m, loadHere)).isNull();
    assertThat(mesh.registry.view().claims()).doesNotContainKey("m");
  }
}
