package io.densemesh.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.densemesh.errors.ErrorMapping;
import java.util.Map;
import org.slf4j.LoggerFactory;

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

  /**
   * What a route that answered by itself (an event stream) returns: status 200 for the metrics
   * and trace, nothing left to send.
   */
  static final Reply STREAMED = new Reply(200, new byte[0], Map.of());

  /** The answer to an error thrown while serving a request. */
  static Reply of(Throwable error) {
    return new Reply(ErrorMapping.httpStatus(error), body(error),
        ErrorMapping.httpHeaders(error));
  }

  /**
   * {@code {"error": "..."}} for an error thrown while a stream was being answered (logged
   * when it is the node's own fault, as the request threads log errors they answer).
   */
  static byte[] errorJson(Throwable error) {
    if (ErrorMapping.internal(error)) {
      LoggerFactory.getLogger(Reply.class).error("internal error", error);
    }
    return body(error);
  }

  private static byte[] body(Throwable error) {
    ObjectNode body = JSON.createObjectNode()
        .put("error", ErrorMapping.grpcStatus(error).getDescription());
    return json(200, body).body;
  }
}
