package io.densemesh.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.densemesh.auth.ClientGate;
import io.densemesh.auth.Principal;
import io.densemesh.errors.ErrorMapping;
import io.densemesh.metrics.NodeMetrics;
import io.densemesh.node.NodeState;
import io.densemesh.protocol.JsonTensorCodec;
import io.densemesh.runtime.ModelMetadata;
import io.densemesh.runtime.ModelSpec;
import io.densemesh.runtime.Tensor;
import io.densemesh.runtime.TensorSpec;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.serving.ModelResolver;
import io.densemesh.serving.Serving;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KServe V2 REST: {@code GET /v2/health/live}, {@code GET /v2/health/ready}, {@code GET /v2},
 * {@code GET /v2/models/{m}[/versions/{v}]}, {@code GET .../ready}, {@code POST .../infer}.
 * Errors are {@code {"error": "..."}} with the status from {@link ErrorMapping}. The
 * {@code mm-vmodel-id}/{@code mm-model-id} headers work as on gRPC. Every call but the health
 * probes passes the {@link ClientGate} (bearer token, tenant rate) and is authorised against the
 * model's tenant before routing; errors carry {@code WWW-Authenticate} / {@code Retry-After}.
 */
public final class RestServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RestServer.class);
  private static final Pattern MODEL_PATH =
      Pattern.compile("/v2/models/([^/]+)(?:/versions/([^/]+))?(/ready|/infer)?/?");

  private final ObjectMapper json = new ObjectMapper();
  private final HttpServer server;
  private final ExecutorService executor;
  private final ModelResolver resolver;
  private final Serving serving;
  private final NodeState state;
  private final NodeMetrics metrics;
  private final int maxBodyBytes;
  private final ClientGate gate;

  public RestServer(String host, int port, ModelResolver resolver, Serving serving,
      NodeState state, NodeMetrics metrics, int maxBodyBytes, ClientGate gate)
      throws IOException {
    this.gate = gate;
    this.resolver = resolver;
    this.serving = serving;
    this.state = state;
    this.metrics = metrics;
    this.maxBodyBytes = maxBodyBytes;
    AtomicInteger n = new AtomicInteger();
    this.executor = Executors.newFixedThreadPool(
        Math.max(8, 4 * Runtime.getRuntime().availableProcessors()), r -> {
          Thread t = new Thread(r, "rest-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.server = HttpServer.create(new InetSocketAddress(host, port), 256);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private record Reply(int status, JsonNode body, Map<String, String> headers) {
    Reply(int status, JsonNode body) {
      this(status, body, Map.of());
    }
  }

  private void handle(HttpExchange exchange) {
    long start = System.nanoTime();
    String route = "other";
    Reply reply;
    try {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      Matcher m = MODEL_PATH.matcher(path);
      if (path.equals("/v2/health/live") || path.equals("/v2/health/live/")) {
        route = "ServerLive";
        reply = get(method, () -> new Reply(200, json.createObjectNode().put("live", true)));
      } else if (path.equals("/v2/health/ready") || path.equals("/v2/health/ready/")) {
        route = "ServerReady";
        reply = get(method, () -> new Reply(state.ready() ? 200 : 503,
            json.createObjectNode().put("ready", state.ready())));
      } else if (path.equals("/v2") || path.equals("/v2/")) {
        route = "ServerMetadata";
        admit(exchange);
        reply = get(method, this::serverMetadata);
      } else if (m.matches()) {
        Principal caller = admit(exchange);
        String model = m.group(1);
        String version = m.group(2);
        String action = m.group(3) == null ? "" : m.group(3);
        switch (action) {
          case "/ready" -> {
            route = "ModelReady";
            reply = get(method, () -> modelReady(exchange, caller, model, version));
          }
          case "/infer" -> {
            route = "ModelInfer";
            reply = method.equals("POST") ? infer(exchange, caller, model, version)
                : new Reply(405, error("use POST for infer"));
          }
          default -> {
            route = "ModelMetadata";
            reply = get(method, () -> modelMetadata(exchange, caller, model, version));
          }
        }
      } else {
        reply = new Reply(404, error("no such endpoint: " + method + " " + path));
      }
    } catch (RuntimeException e) {
      if (ErrorMapping.internal(e)) {
        log.error("internal error", e);
      }
      reply = new Reply(ErrorMapping.httpStatus(e), error(ErrorMapping.grpcStatus(e)
          .getDescription()), ErrorMapping.httpHeaders(e));
    }
    send(exchange, reply);
    metrics.request("rest", route, Integer.toString(reply.status), System.nanoTime() - start);
  }

  private interface Handler {
    Reply handle();
  }

  private Reply get(String method, Handler handler) {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return new Reply(405, error("use GET"));
    }
    return handler.handle();
  }

  private Reply serverMetadata() {
    ObjectNode body = json.createObjectNode();
    body.put("name", NodeState.SERVER_NAME);
    body.put("version", state.version());
    body.putArray("extensions");
    return new Reply(200, body);
  }

  /** Authenticates the caller and charges its tenant's rate (health probes skip this). */
  private Principal admit(HttpExchange exchange) {
    return gate.admit(exchange.getRequestHeaders().getFirst("Authorization"));
  }

  private ModelSpec resolve(HttpExchange exchange, Principal caller, String model,
      String version) {
    state.requireServing();
    return resolver.resolveFor(caller, model,
        exchange.getRequestHeaders().getFirst("mm-vmodel-id"),
        exchange.getRequestHeaders().getFirst("mm-model-id"), version);
  }

  private Reply modelReady(HttpExchange exchange, Principal caller, String model,
      String version) {
    boolean ready = serving.ready(resolve(exchange, caller, model, version));
    ObjectNode body = json.createObjectNode().put("name", model).put("ready", ready);
    if (!ready) {
      body.put("error", "model '" + model + "' is registered but not loaded");
    }
    return new Reply(ready ? 200 : 503, body);
  }

  private Reply modelMetadata(HttpExchange exchange, Principal caller, String model,
      String version) {
    ModelMetadata metadata = serving.metadata(resolve(exchange, caller, model, version), null);
    ObjectNode body = json.createObjectNode();
    body.put("name", model);
    body.putArray("versions").add(ModelResolver.VERSION);
    body.put("platform", metadata.platform());
    tensors(body.putArray("inputs"), metadata.inputs());
    tensors(body.putArray("outputs"), metadata.outputs());
    return new Reply(200, body);
  }

  private static void tensors(ArrayNode array, List<TensorSpec> specs) {
    for (TensorSpec spec : specs) {
      ObjectNode t = array.addObject();
      t.put("name", spec.name());
      t.put("datatype", spec.dataType().wireName());
      ArrayNode shape = t.putArray("shape");
      spec.shape().forEach(shape::add);
    }
  }

  private Reply infer(HttpExchange exchange, Principal caller, String model, String version) {
    ModelSpec spec = resolve(exchange, caller, model, version);
    JsonNode request = readBody(exchange);
    if (!request.isObject()) {
      throw new InvalidInputException("request body must be a JSON object");
    }
    List<Tensor> inputs = JsonTensorCodec.inputs(request);
    List<Tensor> outputs =
        serving.infer(spec, inputs, JsonTensorCodec.requestedOutputs(request), null);
    ObjectNode body = json.createObjectNode();
    body.put("model_name", model);
    body.put("model_version", ModelResolver.VERSION);
    JsonNode id = request.get("id");
    if (id != null && id.isTextual()) {
      body.put("id", id.asText());
    }
    ArrayNode out = body.putArray("outputs");
    outputs.forEach(t -> out.add(JsonTensorCodec.output(t)));
    return new Reply(200, body);
  }

  private JsonNode readBody(HttpExchange exchange) {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(maxBodyBytes + 1);
      if (body.length > maxBodyBytes) {
        throw new InvalidInputException("request body is larger than " + maxBodyBytes + " bytes");
      }
      if (body.length == 0) {
        throw new InvalidInputException("request body is empty");
      }
      return json.readTree(body);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("request body is not valid JSON: "
          + e.getOriginalMessage());
    } catch (IOException e) {
      throw new InvalidInputException("cannot read request body: " + e.getMessage());
    }
  }

  private ObjectNode error(String message) {
    return json.createObjectNode().put("error", message);
  }

  private void send(HttpExchange exchange, Reply reply) {
    try (exchange) {
      byte[] bytes = json.writeValueAsBytes(reply.body);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      reply.headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(reply.status, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    } catch (IOException e) {
      log.debug("client went away: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

}
