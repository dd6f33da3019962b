package io.densemesh.perf.sim;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The trace sources the simulator knows; {@code --help} lists them with these descriptions. */
public enum Scenario {
  ZIPF("zipf", "steady Zipf popularity over all models, tenants of skewed sizes (the goal trace)"),
  BURSTS("bursts", "zipf plus, every 5 min, a 30 s burst taking half the traffic to 5 random models"),
  DIURNAL("diurnal", "two popularity orders whose weights swap over one day (the trace length)"),
  NEW_MODELS("new-models", "zipf plus 20% more models arriving over time, each hot when new"),
  BIG_MODEL("big-model", "zipf, then halfway one model of half a node's memory arrives into the full cluster"),
  NOISY_TENANT("noisy-tenant", "zipf plus, from a third in, one tenant scanning its 2,000 cold models"),
  CSV("csv", "replay a trace file given with --trace (time_ms,model[,tenant[,size_bytes[,load_ms]]])");

  private final String flag;
  private final String description;

  Scenario(String flag, String description) {
    this.flag = flag;
    this.description = description;
  }

  public String flag() {
    return flag;
  }

  public String description() {
    return description;
  }

  public static Scenario byFlag(String flag) {
    for (Scenario s : values()) {
      if (s.flag.equals(flag)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown scenario '" + flag + "', expected one of "
        + Arrays.stream(values()).map(Scenario::flag).collect(Collectors.joining(", ")));
  }
}
