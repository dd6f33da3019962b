package io.densemesh.observability;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.densemesh.config.ObservabilitySettings;
import java.io.OutputStream;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Configures logback from {@code --log-level} and {@code --log-format} once the flags are parsed
 * (until then {@code logback.xml} gives the same text format at info). Text lines carry the date,
 * level, thread, logger, the call's request id and trace id when there is one; JSON lines are
 * logstash's layout (one object per line, every MDC entry as a field: {@code request_id},
 * {@code trace_id}, {@code span_id}). gRPC, Netty and DJL stay at warn unless the level is finer.
 */
public final class LogSetup {

  static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread]"
      + " %logger{36}%replace( request=%X{request_id}){' request=$', ''}"
      + "%replace( trace=%X{trace_id}){' trace=$', ''} - %msg%n";

  private LogSetup() {}

  /** Replaces the console output with the configured format and level (to stderr). */
  public static void apply(ObservabilitySettings settings) {
    apply(settings, null);
  }

  /** As {@link #apply(ObservabilitySettings)}, writing to {@code out} instead (tests). */
  static void apply(ObservabilitySettings settings, OutputStream out) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J binding is in charge (embedding applications)
    }
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    Encoder<ILoggingEvent> encoder = encoder(settings.logFormat(), context);
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("console");
    console.setTarget("System.err");
    console.setEncoder(encoder);
    console.start();
    if (out != null) {
      console.setOutputStream(out);
    }
    root.addAppender(console);
    Level level = Level.toLevel(settings.logLevel(), Level.INFO);
    root.setLevel(level);
    Level quiet = level.isGreaterOrEqual(Level.WARN) ? level : Level.WARN;
    for (String noisy : new String[] {"io.grpc", "io.netty", "ai.djl", "io.etcd"}) {
      context.getLogger(noisy).setLevel(level.isGreaterOrEqual(Level.INFO) ? quiet : level);
    }
  }

  private static Encoder<ILoggingEvent> encoder(String format, LoggerContext context) {
    if (format.equals("json")) {
      LogstashEncoder json = new LogstashEncoder();
      json.setContext(context);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(TEXT_PATTERN);
    text.start();
    return text;
  }
}
