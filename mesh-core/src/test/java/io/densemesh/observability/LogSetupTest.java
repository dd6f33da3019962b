package io.densemesh.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.densemesh.config.ObservabilitySettings;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class LogSetupTest {

  static final Logger log = LoggerFactory.getLogger(LogSetupTest.class);
  final ByteArrayOutputStream out = new ByteArrayOutputStream();

  @AfterEach
  void restore() {
    MDC.clear();
    LogSetup.apply(ObservabilitySettings.DEFAULT);
  }

  static ObservabilitySettings settings(String level, String format) {
    return new ObservabilitySettings(false, 500, level, format, "", 1.0);
  }

  @Test
  void jsonLinesCarryTheRequestAndTraceIds() throws Exception {
    LogSetup.apply(settings("info", "json"), out);
    MDC.put(RequestIds.REQUEST_ID, "req-42");
    MDC.put(RequestIds.TRACE_ID, "4bf92f3577b34da6a3ce929d0e0e4736");
    log.info("model {} loaded", "m1");
    String line = out.toString(StandardCharsets.UTF_8).strip();
    assertThat(line.lines()).hasSize(1);
    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(json.path("message").asText()).isEqualTo("model m1 loaded");
    assertThat(json.path("level").asText()).isEqualTo("INFO");
    assertThat(json.path("request_id").asText()).isEqualTo("req-42");
    assertThat(json.path("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(json.path("@timestamp").asText()).matches("\\d{4}-\\d{2}-\\d{2}T.*");
  }

  @Test
  void textLinesAreDatedAndNameTheRequestOnlyInsideOne() {
    LogSetup.apply(settings("debug", "text"), out);
    log.debug("outside");
    MDC.put(RequestIds.REQUEST_ID, "req-7");
    log.debug("inside");
    String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(lines[0]).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}.* DEBUG .*"
        + " - outside").doesNotContain("request=");
    assertThat(lines[1]).contains(" request=req-7 - inside");
  }

  @Test
  void theLevelFilters() {
    LogSetup.apply(settings("warn", "text"), out);
    log.info("hidden");
    log.warn("shown");
    assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("hidden").contains("shown");
  }
}
