package io.densemesh.rest;

import io.densemesh.auth.ClientGate;
import io.densemesh.auth.Principal;
import io.densemesh.config.RestSettings;
import io.densemesh.errors.ErrorMapping;
import io.densemesh.metrics.NodeMetrics;
import io.densemesh.node.NodeState;
import io.densemesh.observability.RestTracing;
import io.densemesh.protocol.BinaryTensorData;
import io.densemesh.protocol.GenerateCodec;
import io.densemesh.protocol.JsonTensorCodec;
import io.densemesh.serving.ModelRepository;
import io.densemesh.serving.ModelResolver;
import io.densemesh.serving.Serving;
import io.densemesh.tls.NodeTls;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KServe V2 REST on Vert.x (Netty): {@code GET /v2/health/live}, {@code GET /v2/health/ready},
 * {@code GET /v2}, {@code GET /v2/models/{m}[/versions/{v}]}, {@code GET .../ready},
 * {@code POST .../infer} (JSON, or with the binary tensor data extension), Triton's generate
 * extension ({@code POST .../generate}, and {@code .../generate_stream} as server-sent events,
 * see {@link EventStream}), and the repository
 * extension's {@code POST /v2/repository/index} and {@code POST
 * /v2/repository/models/{m}/load|unload}, over HTTP/1.1 (keep-alive) and HTTP/2 (h2c, or ALPN with TLS). Errors
 * are {@code {"error": "..."}} with the status from {@link ErrorMapping}. The
 * {@code mm-vmodel-id}/{@code mm-model-id} headers work as on gRPC. Every call but the health
 * probes passes the {@link ClientGate} (bearer token, tenant rate) before its body is read, and
 * is authorised against the model's tenant before routing.
 *
 * <p>Threading: the health probes are answered on the event loop, so they never wait behind
 * inference. Everything else is admitted to {@link RestWorkers} when its headers arrive (429
 * when full), its body is read on the event loop within the size and silence limits
 * ({@link BodyReader}), and the work runs on a request thread. {@link HeaderDeadlines} closes
 * connections that go silent outside a request (slow-loris); none of these waits holds a
 * thread.
 *
 * <p>{@link #close} stops accepting, lets requests in progress finish within the drain timeout
 * (HTTP/2 clients get GOAWAY), then closes what is left.
 */
public final class RestServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RestServer.class);
  private static final Pattern MODEL_PATH =
      Pattern.compile("/v2/models/([^/]+)(?:/versions/([^/]+))?"
          + "(/ready|/infer|/generate_stream|/generate)?/?");
  private static final Pattern REPOSITORY_MODEL_PATH =
      Pattern.compile("/v2/repository/models/([^/]+)/(load|unload)/?");

  private final Vertx vertx;
  private final HttpServer server;
  private final RestWorkers workers;
  private final BodyReader bodies;
  private final HeaderDeadlines deadlines;
  private final V2Api api;
  private final RepositoryApi repository;
  private final NodeState state;
  private final NodeMetrics metrics;
  private final ClientGate gate;
  private final Duration drainTimeout;
  private final long maxBodyBytes;
  private final Duration bodyTimeout;
  private final java.util.function.Consumer<Router> mounts;
  private final RestTracing tracing;
  /** Where a request's span waits, in its routing context, for the answer. */
  private static final String TRACED = "densemesh.traced";

  /**
   * Starts serving on {@code host:port} (0: a free port).
   *
   * @param tls the node's TLS, served with the same (live-reloaded) certificate as gRPC
   */
  public RestServer(String host, int port, ModelResolver resolver, Serving serving,
      ModelRepository repository, NodeState state, NodeMetrics metrics, int maxBodyBytes,
      long maxTensorElements, ClientGate gate, RestSettings settings, Optional<NodeTls> tls,
      Duration drainTimeout, java.util.function.Consumer<Router> mounts, RestTracing tracing) {
    this.mounts = mounts;
    this.tracing = tracing;
    this.state = state;
    this.metrics = metrics;
    this.gate = gate;
    this.drainTimeout = drainTimeout;
    this.maxBodyBytes = maxBodyBytes;
    this.bodyTimeout = settings.bodyTimeout();
    this.vertx = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors()))
        .setWorkerPoolSize(2)
        .setPreferNativeTransport(true)
        // No file serving: no .vertx cache directory in the working directory.
        .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false)
            .setClassPathResolvingEnabled(false)));
    this.workers = new RestWorkers(settings.effectiveThreads(), settings.queue());
    this.bodies = new BodyReader(vertx, maxBodyBytes, settings.bodyTimeout(),
        settings.effectiveBodyBuffer(maxBodyBytes));
    this.deadlines = new HeaderDeadlines(settings.headerTimeout());
    this.api = new V2Api(resolver, serving, state, new JsonTensorCodec(maxTensorElements),
        new GenerateCodec(maxTensorElements));
    this.repository = new RepositoryApi(repository);
    Router router = routes(Router.router(vertx));
    this.server = vertx.createHttpServer(deadlines.configure(options(settings, tls)))
        // Connection-level trouble (a client reset, a failed handshake, a malformed request)
        // is the client's, not the node's: logged quietly instead of as Vert.x's ERROR.
        .exceptionHandler(e -> log.debug("REST connection error: {}", e.toString()))
        .connectionHandler(c -> c.exceptionHandler(
            e -> log.debug("REST connection error: {}", e.toString())))
        .requestHandler(request -> {
          deadlines.started(request);
          router.handle(request);
        });
    try {
      server.listen(port, host).toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      close();
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException("cannot start REST on " + host + ":" + port + ": "
          + cause.getMessage(), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IllegalStateException("interrupted while starting REST", e);
    }
  }

  private static HttpServerOptions options(RestSettings settings, Optional<NodeTls> tls) {
    HttpServerOptions options = new HttpServerOptions()
        .setHttp2ClearTextEnabled(true)
        .setTcpNoDelay(true)
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        .setSslHandshakeTimeout(settings.headerTimeout().toMillis())
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    tls.ifPresent(t -> {
      // The key and trust managers are the ones PemReloader keeps current: a renewed
      // certificate is served from the next handshake on, as on the gRPC ports.
      options.setSsl(true).setUseAlpn(true).setKeyCertOptions(KeyCertOptions.wrap(t.identity()));
      t.clientTrust().ifPresent(trust -> options.setTrustOptions(TrustOptions.wrap(trust))
          .setClientAuth(ClientAuth.REQUIRED));
    });
    return options;
  }

  private Router routes(Router router) {
    router.routeWithRegex("/v2/health/live/?").handler(ctx ->
        answer(ctx, "ServerLive", System.nanoTime(), getOnly(ctx).orElse(V2Api.LIVE)));
    router.routeWithRegex("/v2/health/ready/?").handler(ctx ->
        answer(ctx, "ServerReady", System.nanoTime(), getOnly(ctx).orElseGet(api::ready)));
    router.routeWithRegex("/v2/?").handler(ctx ->
        onWorker(ctx, "ServerMetadata", false, caller -> api.serverMetadata()));
    router.routeWithRegex("/v2/models/.*").handler(this::model);
    router.routeWithRegex("/v2/repository/index/?").handler(ctx -> withBody(ctx,
        "RepositoryIndex", false, (caller, body) -> repository.index(caller, body)));
    router.routeWithRegex("/v2/repository/models/.*").handler(this::repositoryModel);
    mounts.accept(router); // other front ends on this port (the console)
    router.route().handler(ctx -> answer(ctx, "other", System.nanoTime(), Reply.error(404,
        "no such endpoint: " + ctx.request().method() + " " + ctx.request().path())));
    return router;
  }

  private static Optional<Reply> getOnly(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    return method == HttpMethod.GET || method == HttpMethod.HEAD ? Optional.empty()
        : Optional.of(Reply.error(405, "use GET"));
  }

  private void model(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    Matcher m = MODEL_PATH.matcher(request.path());
    if (!m.matches()) {
      answer(ctx, "other", System.nanoTime(), Reply.error(404,
          "no such endpoint: " + request.method() + " " + request.path()));
      return;
    }
    V2Api.ModelRef ref;
    try {
      ref = new V2Api.ModelRef(decode(m.group(1)), m.group(2) == null ? null : decode(m.group(2)),
          request.getHeader("mm-vmodel-id"), request.getHeader("mm-model-id"));
    } catch (IllegalArgumentException e) {
      answer(ctx, "other", System.nanoTime(), Reply.error(400, "malformed path: "
          + request.path()));
      return;
    }
    String action = m.group(3) == null ? "" : m.group(3);
    switch (action) {
      case "/ready" -> onWorker(ctx, "ModelReady", true, caller -> api.modelReady(caller, ref));
      case "/infer" -> infer(ctx, ref);
      case "/generate" -> withBody(ctx, "ModelGenerate", true,
          (caller, body) -> api.generate(caller, ref, body));
      case "/generate_stream" -> withBody(ctx, "ModelGenerateStream", true,
          (caller, body) -> api.generateStream(caller, ref, body, events(ctx)));
      default -> onWorker(ctx, "ModelMetadata", true, caller -> api.modelMetadata(caller, ref));
    }
  }

  private void repositoryModel(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    Matcher m = REPOSITORY_MODEL_PATH.matcher(request.path());
    if (!m.matches()) {
      answer(ctx, "other", System.nanoTime(), Reply.error(404,
          "no such endpoint: " + request.method() + " " + request.path()), hasBody(request));
      return;
    }
    String model;
    try {
      model = decode(m.group(1));
    } catch (IllegalArgumentException e) {
      answer(ctx, "other", System.nanoTime(), Reply.error(400, "malformed path: "
          + request.path()), hasBody(request));
      return;
    }
    if (m.group(2).equals("load")) {
      withBody(ctx, "RepositoryModelLoad", true,
          (caller, body) -> repository.load(caller, model, body));
    } else {
      withBody(ctx, "RepositoryModelUnload", true,
          (caller, body) -> repository.unload(caller, model, body));
    }
  }

  /** Percent-decodes a path segment ({@code +} stays a plus, unlike in a query). */
  private static String decode(String segment) {
    return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** A GET whose work may block: admitted, then run on a request thread. */
  private void onWorker(RoutingContext ctx, String route, boolean model,
      Function<Principal, Reply> work) {
    long start = System.nanoTime();
    Optional<Reply> wrongMethod = getOnly(ctx);
    if (wrongMethod.isPresent()) {
      answer(ctx, route, start, wrongMethod.get());
      return;
    }
    RestWorkers.Permit permit;
    Principal caller;
    try {
      caller = admit(ctx, model);
      permit = workers.admit();
    } catch (RuntimeException e) {
      answer(ctx, route, start, failure(e));
      return;
    }
    run(ctx, route, start, permit, () -> work.apply(caller));
  }

  /**
   * The event stream of a request (on its request thread): the client may fall silent for the
   * body silence limit before the stream is cut, and the first event carries the request id.
   */
  private EventStream events(RoutingContext ctx) {
    return new EventStream(ctx.response(), ctx.request().version(), bodyTimeout, () -> {
      RestTracing.Traced traced = ctx.get(TRACED);
      return traced == null ? java.util.Map.of()
          : java.util.Map.of(RestTracing.REQUEST_ID_HEADER, traced.requestId());
    });
  }

  private void infer(RoutingContext ctx, V2Api.ModelRef ref) {
    String headerLength = ctx.request().getHeader(BinaryTensorData.HEADER_LENGTH);
    withBody(ctx, "ModelInfer", true,
        (caller, body) -> api.infer(caller, ref, body, headerLength));
  }

  /**
   * A POST whose work reads the body: admitted when the headers arrive, the body read on the
   * event loop within the limits, then the work run on a request thread.
   */
  private void withBody(RoutingContext ctx, String route, boolean model,
      BiFunction<Principal, RequestBody, Reply> work) {
    long start = System.nanoTime();
    HttpServerRequest request = ctx.request();
    if (request.method() != HttpMethod.POST) {
      answer(ctx, route, start, Reply.error(405, "use POST"), hasBody(request));
      return;
    }
    RestWorkers.Permit permit;
    Principal caller;
    try {
      caller = admit(ctx, model);
      permit = workers.admit();
    } catch (RuntimeException e) {
      answer(ctx, route, start, failure(e), hasBody(request));
      return;
    }
    bodies.read(request).onComplete(body -> {
      if (body.failed()) {
        permit.release();
        answer(ctx, route, start, failure(body.cause()), true);
      } else {
        RequestBody bytes = body.result();
        boolean started = run(ctx, route, start, permit, () -> {
          try (bytes) {
            return work.apply(caller, bytes);
          }
        });
        if (!started) {
          bytes.close();
        }
      }
    });
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return length == null ? request.headers().contains(HttpHeaders.TRANSFER_ENCODING)
        : !length.trim().equals("0");
  }

  /**
   * Authenticates the caller and charges its tenant's rate; a model call also needs the node to
   * be serving (a request admitted before shutdown began is let finish).
   */
  private Principal admit(RoutingContext ctx, boolean model) {
    if (model) {
      state.requireServing();
    }
    return gate.admit(ctx.request().getHeader("Authorization"));
  }

  /** Runs the work on a request thread and answers with its reply; false if it was refused. */
  private boolean run(RoutingContext ctx, String route, long start, RestWorkers.Permit permit,
      java.util.function.Supplier<Reply> work) {
    RestTracing.Traced traced = tracing.start(ctx.request().method().name(), route,
        ctx.request()::getHeader);
    ctx.put(TRACED, traced);
    try {
      permit.run(() -> {
        Reply reply;
        try {
          reply = traced.run(work);
        } catch (RuntimeException e) {
          reply = failure(e);
        }
        answer(ctx, route, start, reply);
      });
      return true;
    } catch (RuntimeException e) {
      answer(ctx, route, start, failure(e));
      return false;
    }
  }

  private static Reply failure(Throwable error) {
    if (ErrorMapping.internal(error)) {
      log.error("internal error", error);
    }
    return Reply.of(error);
  }

  /**
   * Sends a reply (from any thread: Vert.x hands it to the connection's event loop). An HTTP/1
   * request whose body was not read (refused early) closes its connection after the answer, so
   * the rest of that body is never read; on HTTP/2 the connection stays, the rest of the body
   * is dropped as it comes, and past one more body limit the stream is reset.
   */
  private void answer(RoutingContext ctx, String route, long start, Reply reply) {
    answer(ctx, route, start, reply, false);
  }

  private void answer(RoutingContext ctx, String route, long start, Reply reply,
      boolean bodyUnread) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    metrics.request("rest", route, Integer.toString(reply.status()), System.nanoTime() - start);
    RestTracing.Traced traced = ctx.get(TRACED);
    if (traced != null) {
      ctx.remove(TRACED);
      traced.end(reply.status());
      if (!response.ended() && !response.closed()) {
        response.putHeader(RestTracing.REQUEST_ID_HEADER, traced.requestId());
      }
    }
    try {
      send(request, response, reply, bodyUnread, maxBodyBytes);
    } catch (IllegalStateException gone) {
      // The client went away (or the connection closed) while the answer was being made.
      log.debug("REST answer not sent: {}", gone.toString());
    }
  }

  private static void send(HttpServerRequest request, HttpServerResponse response, Reply reply,
      boolean bodyUnread, long drainLimit) {
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(reply.status());
    response.putHeader("Content-Type", "application/json");
    reply.headers().forEach(response::putHeader);
    boolean close = bodyUnread && request.version() != HttpVersion.HTTP_2;
    if (close) {
      response.putHeader("Connection", "close");
    }
    if (request.method() == HttpMethod.HEAD) {
      response.putHeader("Content-Length", Integer.toString(reply.body().length));
      response.end();
    } else {
      response.end(Buffer.buffer(reply.body()));
    }
    if (close) {
      request.connection().close();
    } else if (bodyUnread) {
      // HTTP/2: the rest of a small body is read and dropped, so clients that wait to finish
      // sending before they take the answer (Java's) get it; past one more body limit the
      // stream is reset (RST_STREAM NO_ERROR, RFC 9113 8.1) and nothing more is read.
      long[] dropped = {0};
      request.handler(chunk -> {
        dropped[0] += chunk.length();
        if (dropped[0] > drainLimit) {
          request.handler(null);
          response.reset(0);
        }
      });
      request.resume();
    }
  }

  public int port() {
    return server.actualPort();
  }

  /**
   * Stops accepting connections, lets requests in progress finish (bounded by the drain
   * timeout), then closes everything.
   */
  @Override
  public void close() {
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    try {
      if (server != null) {
        server.shutdown(drainTimeout).toCompletionStage().toCompletableFuture()
            .get(drainTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
      }
    } catch (ExecutionException | TimeoutException e) {
      log.warn("REST server did not shut down cleanly: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (workers != null) {
      workers.shutdown(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      log.warn("REST event loops did not stop cleanly: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
