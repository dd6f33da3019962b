package io.densemesh.cli.support;

/**
 * A command whose options are read from the environment under a prefix of its own choosing
 * ({@code serve} and {@code operator} keep their historical {@code DM_}); other commands get
 * {@code DM_<COMMAND>_} from {@link EnvironmentDefaults}.
 */
public interface EnvironmentPrefix {

  /** E.g. {@code DM_}: {@code --grpc-port} is then read from {@code DM_GRPC_PORT}. */
  String environmentPrefix();
}
