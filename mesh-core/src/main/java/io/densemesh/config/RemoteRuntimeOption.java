package io.densemesh.config;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code --remote-runtime} option: {@code [type[,type...]=]address[;data=address]}. The
 * types are the model types (a ServingRuntime's model formats) the runtime loads, {@code remote}
 * when none is given; the runtime's SPI address takes inference too unless a separate data
 * address is named (as with a Triton adapter in front of Triton).
 *
 * @param types model types, lower case
 * @param runtime where {@code mmesh.ModelRuntime} is served
 * @param data where {@code inference.GRPCInferenceService} is served
 */
public record RemoteRuntimeOption(Set<String> types, GrpcAddress runtime, GrpcAddress data) {

  public static final String DEFAULT_TYPE = "remote";
  private static final String OPTION = "--remote-runtime";
  private static final Pattern TYPE = Pattern.compile("[a-z0-9][a-z0-9._-]*");

  public RemoteRuntimeOption {
    types = Set.copyOf(types);
  }

  /** @throws ConfigException with what is wrong in the value */
  public static RemoteRuntimeOption parse(String text) {
    String value = text.trim();
    String dataText = null;
    int semicolon = value.indexOf(';');
    if (semicolon >= 0) {
      String extra = value.substring(semicolon + 1).trim();
      if (!extra.startsWith("data=")) {
        throw new ConfigException(
            OPTION + ": after ';' only data=<address> may follow, got '" + extra + "'");
      }
      dataText = extra.substring("data=".length());
      value = value.substring(0, semicolon).trim();
    }
    Set<String> types = new LinkedHashSet<>();
    int eq = value.indexOf('=');
    if (eq >= 0) {
      for (String type : value.substring(0, eq).split(",")) {
        String t = type.trim().toLowerCase(Locale.ROOT);
        if (!TYPE.matcher(t).matches()) {
          throw new ConfigException(OPTION + ": '" + type + "' is not a model type name");
        }
        types.add(t);
      }
      value = value.substring(eq + 1);
    } else {
      types.add(DEFAULT_TYPE);
    }
    GrpcAddress runtime = GrpcAddress.parse(OPTION, value);
    GrpcAddress data = dataText == null ? runtime : GrpcAddress.parse(OPTION + " data", dataText);
    for (GrpcAddress a : new GrpcAddress[] {runtime, data}) {
      if (!a.unix() && a.port() == 0) {
        throw new ConfigException(OPTION + ": " + a + " needs a port");
      }
    }
    return new RemoteRuntimeOption(types, runtime, data);
  }

  @Override
  public String toString() {
    return String.join(",", types) + "=" + runtime + (data.equals(runtime) ? "" : ";data=" + data);
  }
}
