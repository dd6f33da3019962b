package io.densemesh.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.densemesh.auth.ClientGate;
import io.densemesh.auth.Principal;
import io.densemesh.errors.ErrorMapping;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.runtime.error.PayloadTooLargeException;
import io.densemesh.runtime.error.PermissionDeniedException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's HTTP side, mounted on the REST server's router: the page and its two assets
 * (held in memory, served with a strict Content-Security-Policy), the JSON API, and the live
 * activity feed as server-sent events. With authentication on, every console request needs an
 * admin's bearer token (the page asks for one and sends it as {@code Authorization}); without,
 * the node listens on loopback unless started with {@code --insecure}. API work runs on Vert.x
 * worker threads, never on the event loop.
 */
public final class ConsoleRoutes {

  private static final Logger log = LoggerFactory.getLogger(ConsoleRoutes.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Largest action body accepted (settings and copy bounds are small). */
  static final int MAX_BODY = 64 * 1024;

  private static final Map<String, String> ASSETS = Map.of(
      "index.html", "text/html; charset=utf-8",
      "app.js", "text/javascript; charset=utf-8",
      "app.css", "text/css; charset=utf-8");

  private final ConsoleApi api;
  private final ConsoleActions actions;
  private final ActivityFeed feed;
  private final ClientGate gate;
  private final String self;
  private final MeshActivity meshActivity;
  private final Map<String, byte[]> assets;

  public ConsoleRoutes(String self, ConsoleApi api, ConsoleActions actions, ActivityFeed feed,
      MeshActivity meshActivity, ClientGate gate) {
    this.self = self;
    this.meshActivity = meshActivity;
    this.api = api;
    this.actions = actions;
    this.feed = feed;
    this.gate = gate;
    this.assets = Map.of("index.html", asset("index.html"), "app.js", asset("app.js"),
        "app.css", asset("app.css"));
  }

  private static byte[] asset(String name) {
    try (InputStream in = ConsoleRoutes.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("console asset " + name + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Adds the console's routes to {@code router}. */
  public void mount(Router router) {
    // The page addresses its assets and the API relatively, so it works under any path prefix a
    // proxy puts in front; /console itself is redirected to console/ so that those relative
    // addresses resolve under it (a relative Location keeps the prefix too).
    router.routeWithRegex(HttpMethod.GET, "/console").handler(ctx -> ctx.response()
        .setStatusCode(301).putHeader("Location", "console/").putHeader("Cache-Control",
            "no-cache").end());
    router.routeWithRegex(HttpMethod.GET, "/console/").handler(ctx -> page(ctx, "index.html"));
    router.get("/console/app.js").handler(ctx -> page(ctx, "app.js"));
    router.get("/console/app.css").handler(ctx -> page(ctx, "app.css"));
    router.get("/console/api/mesh").handler(ctx -> json(ctx, caller -> api.mesh()));
    router.get("/console/api/tenants").handler(ctx -> json(ctx, caller -> api.tenants()));
    router.get("/console/api/history").handler(ctx -> json(ctx, caller -> api.history()));
    router.get("/console/api/activity").handler(ctx -> json(ctx, caller ->
        param(ctx, "scope").equals("mesh") ? meshActivity.since(since(param(ctx, "since")))
            : api.activity()));
    router.get("/console/api/activity/stream").handler(this::stream);
    router.get("/console/api/models").handler(ctx -> json(ctx, caller -> api.models(
        param(ctx, "prefix"), param(ctx, "tenant"), param(ctx, "state"), param(ctx, "after"),
        integer(param(ctx, "limit")))));
    router.getWithRegex("/console/api/models/([^/]+)").handler(ctx ->
        json(ctx, caller -> api.model(segment(ctx))));
    router.postWithRegex("/console/api/models/([^/]+)/load").handler(ctx ->
        action(ctx, (caller, body) -> actions.load(who(caller), segment(ctx))));
    router.postWithRegex("/console/api/models/([^/]+)/unload").handler(ctx ->
        action(ctx, (caller, body) -> actions.unload(caller, segment(ctx))));
    router.postWithRegex("/console/api/models/([^/]+)/copies").handler(ctx ->
        action(ctx, (caller, body) -> actions.copies(who(caller), segment(ctx), body)));
    router.postWithRegex("/console/api/models/([^/]+)/pin").handler(ctx ->
        action(ctx, (caller, body) -> actions.pin(who(caller), segment(ctx), body)));
    router.postWithRegex("/console/api/tenants/([^/]+)/limits").handler(ctx ->
        action(ctx, (caller, body) -> actions.tenantLimits(who(caller), segment(ctx), body)));
    router.post("/console/api/placement").handler(ctx ->
        action(ctx, (caller, body) -> actions.placement(who(caller), body)));
    router.post("/console/api/drain").handler(ctx ->
        action(ctx, (caller, body) -> actions.drain(who(caller), self)));
  }

  private void page(RoutingContext ctx, String name) {
    ctx.response().putHeader("Content-Type", ASSETS.get(name))
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
        .end(Buffer.buffer(assets.get(name)));
  }

  private interface Work {
    Object run(Principal caller) throws Exception;
  }

  private interface Action {
    Object run(Principal caller, JsonNode body) throws Exception;
  }

  private void json(RoutingContext ctx, Work work) {
    Principal caller;
    try {
      caller = admin(ctx);
    } catch (RuntimeException e) {
      fail(ctx, e);
      return;
    }
    blocking(ctx, () -> work.run(caller));
  }

  private void action(RoutingContext ctx, Action work) {
    Principal caller;
    try {
      caller = admin(ctx);
      String length = ctx.request().getHeader("Content-Length");
      if (length != null && Long.parseLong(length.trim()) > MAX_BODY) {
        throw new PayloadTooLargeException("console actions take at most " + MAX_BODY
            + " bytes");
      }
    } catch (NumberFormatException e) {
      fail(ctx, new InvalidInputException("bad Content-Length"));
      return;
    } catch (RuntimeException e) {
      fail(ctx, e);
      return;
    }
    Buffer body = Buffer.buffer();
    ctx.request().handler(chunk -> {
      if (body.length() + chunk.length() > MAX_BODY) {
        ctx.request().pause();
        fail(ctx, new PayloadTooLargeException("console actions take at most " + MAX_BODY
            + " bytes"));
        ctx.request().connection().close();
        return;
      }
      body.appendBuffer(chunk);
    });
    ctx.request().endHandler(v -> {
      if (ctx.response().ended()) {
        return;
      }
      blocking(ctx, () -> {
        JsonNode parsed;
        try {
          parsed = body.length() == 0 ? JSON.createObjectNode() : JSON.readTree(body.getBytes());
        } catch (JsonProcessingException e) {
          throw new InvalidInputException("body is not JSON: " + e.getOriginalMessage());
        }
        return work.run(caller, parsed);
      });
    });
  }

  private void blocking(RoutingContext ctx, Callable<Object> work) {
    ctx.vertx().executeBlocking(work, false).onComplete(result -> {
      if (result.failed()) {
        fail(ctx, result.cause());
        return;
      }
      try {
        send(ctx, 200, JSON.writeValueAsBytes(result.result()));
      } catch (JsonProcessingException e) {
        fail(ctx, e);
      }
    });
  }

  /** The live feed: the kept events, then each new one, as server-sent events. */
  private void stream(RoutingContext ctx) {
    try {
      admin(ctx);
    } catch (RuntimeException e) {
      fail(ctx, e);
      return;
    }
    HttpServerResponse response = ctx.response().setChunked(true)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache");
    Consumer<ObjectNode> subscriber = event -> {
      if (!response.writeQueueFull() && !response.closed()) {
        response.write(sse(event)); // a client too slow to read misses events, never blocks us
      }
    };
    feed.recent().forEach(e -> response.write(sse(e)));
    if (!feed.subscribe(subscriber)) {
      response.end("event: error\ndata: too many open activity streams\n\n");
      return;
    }
    response.closeHandler(v -> feed.unsubscribe(subscriber));
    ctx.request().connection().closeHandler(v -> feed.unsubscribe(subscriber));
    // A stream never ends by itself: when the node shuts down, end it at once rather than hold
    // the graceful drain for its whole timeout (the page reconnects to another node).
    ctx.request().connection().shutdownHandler(v -> {
      feed.unsubscribe(subscriber);
      if (!response.ended() && !response.closed()) {
        response.end();
      }
    });
  }

  private static String sse(ObjectNode event) {
    return "id: " + event.path("seq").asLong() + "\nevent: activity\ndata: " + event + "\n\n";
  }

  private Principal admin(RoutingContext ctx) {
    Principal caller = gate.admit(ctx.request().getHeader("Authorization"));
    if (gate.authenticating() && !caller.admin()) {
      throw new PermissionDeniedException("the console needs the admin role");
    }
    return caller;
  }

  private static String who(Principal caller) {
    return caller.subject();
  }

  private static String param(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    return v == null ? "" : v;
  }

  private static int integer(String text) {
    if (text.isEmpty()) {
      return 0;
    }
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new InvalidInputException("limit must be a whole number");
    }
  }

  private static long since(String text) {
    if (text.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new InvalidInputException("since must be a time in epoch milliseconds");
    }
  }

  private static String segment(RoutingContext ctx) {
    String raw = ctx.pathParam("param0");
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private void fail(RoutingContext ctx, Throwable error) {
    if (ErrorMapping.internal(error)) {
      log.error("console: internal error", error);
    }
    ObjectNode body = JSON.createObjectNode()
        .put("error", ErrorMapping.grpcStatus(error).getDescription());
    ErrorMapping.httpHeaders(error).forEach(ctx.response()::putHeader);
    try {
      send(ctx, ErrorMapping.httpStatus(error), JSON.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      send(ctx, 500, "{\"error\":\"internal\"}".getBytes(StandardCharsets.UTF_8));
    }
  }

  private static void send(RoutingContext ctx, int status, byte[] body) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store").end(Buffer.buffer(body));
  }
}
