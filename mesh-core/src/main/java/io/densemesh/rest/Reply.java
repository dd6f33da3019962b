package io.densemesh.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.densemesh.errors.ErrorMapping;
import java.util.Map;

/**
 * One REST answer: status, JSON body and extra headers. Errors are {@code {"error": "..."}} with
 * the status and headers {@link ErrorMapping} gives the error's type.
 */
record Reply(int status, byte[] body, Map<String, String> headers) {

  static final ObjectMapper JSON = new ObjectMapper();

  Reply {
    headers = Map.copyOf(headers);
  }

  static Reply json(int status, JsonNode body) {
    try {
      return new Reply(status, JSON.writeValueAsBytes(body), Map.of());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON tree", e);
    }
  }

  static Reply error(int status, String message) {
    return json(status, JSON.createObjectNode().put("error", message));
  }

  /** The answer to an error thrown while serving a request. */
  static Reply of(Throwable error) {
    ObjectNode body = JSON.createObjectNode()
        .put("error", ErrorMapping.grpcStatus(error).getDescription());
    Reply reply = json(ErrorMapping.httpStatus(error), body);
    return new Reply(reply.status, reply.body, ErrorMapping.httpHeaders(error));
  }
}
