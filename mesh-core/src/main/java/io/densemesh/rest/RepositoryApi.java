package io.densemesh.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.densemesh.auth.Principal;
import io.densemesh.runtime.error.InvalidInputException;
import io.densemesh.serving.ModelRepository;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;

/**
 * The model repository extension on REST: Triton's {@code POST /v2/repository/index} and
 * {@code POST /v2/repository/models/{m}/load|unload}, answered as KServe's server answers load
 * and unload ({@code {"name", "load": true}}, {@code {"name", "unload": true}}) and as Triton
 * answers the index (an array of {@code {"name", "version", "state", "reason"}}). What the calls
 * do in the mesh is {@link ModelRepository}'s. Bodies are optional: the index reads
 * {@code {"ready": bool}}; load and unload accept {@code {"parameters": {...}}} but refuse
 * Triton's {@code config} and {@code file:...} overrides (a model's files come from its
 * registration) instead of ignoring them.
 */
final class RepositoryApi {

  private final ModelRepository repository;

  RepositoryApi(ModelRepository repository) {
    this.repository = repository;
  }

  Reply index(Principal caller, InputStream body) {
    JsonNode request = object(body, "index");
    JsonNode ready = request.get("ready");
    if (ready != null && !ready.isBoolean()) {
      throw new InvalidInputException("invalid value for 'ready': expected a boolean");
    }
    ArrayNode entries = Reply.JSON.createArrayNode();
    for (ModelRepository.IndexEntry e : repository.index(caller,
        ready != null && ready.asBoolean())) {
      entries.addObject().put("name", e.name()).put("version", e.version())
          .put("state", e.state()).put("reason", e.reason());
    }
    return Reply.json(200, entries);
  }

  Reply load(Principal caller, String model, InputStream body) {
    checkParameters(object(body, "load"), "load");
    repository.load(caller, model);
    return Reply.json(200, Reply.JSON.createObjectNode().put("name", model).put("load", true));
  }

  Reply unload(Principal caller, String model, InputStream body) {
    checkParameters(object(body, "unload"), "unload");
    repository.unload(caller, model);
    return Reply.json(200, Reply.JSON.createObjectNode().put("name", model).put("unload", true));
  }

  private static void checkParameters(JsonNode request, String call) {
    JsonNode parameters = request.get("parameters");
    if (parameters == null || parameters.isNull()) {
      return;
    }
    if (!parameters.isObject()) {
      throw new InvalidInputException("\"parameters\" of a " + call + " request must be a JSON"
          + " object");
    }
    for (Iterator<String> names = parameters.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (name.equals("config") || name.startsWith("file:")) {
        throw new InvalidInputException("parameter '" + name + "' is not supported: a model's"
            + " files and configuration come from its registration (registerModel)");
      }
    }
  }

  /** The body as a JSON object; an empty body is an empty object. */
  private static JsonNode object(InputStream body, String call) {
    JsonNode node;
    try {
      node = Reply.JSON.readTree(body);
    } catch (IOException e) {
      throw new InvalidInputException("the " + call + " request body is not valid JSON: "
          + e.getMessage());
    }
    if (node == null || node.isMissingNode()) {
      return Reply.JSON.createObjectNode();
    }
    if (!(node instanceof ObjectNode)) {
      throw new InvalidInputException("the " + call + " request body must be a JSON object");
    }
    return node;
  }
}
