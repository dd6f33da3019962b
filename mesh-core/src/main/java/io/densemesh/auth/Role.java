package io.densemesh.auth;

import java.util.Locale;

/** What a caller may do: its own tenant's models, every tenant and MeshAdmin, or read only. */
public enum Role {
  /** Infers with, reads, registers and removes its own tenant's models and vmodels. */
  TENANT,
  /** Everything, on every tenant, MeshAdmin included. */
  ADMIN,
  /** Inference, readiness, metadata and status of its own tenant's models; no changes. */
  READER;

  /** Parses {@code tenant}, {@code admin} or {@code reader} (any case). */
  public static Role parse(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "tenant" -> TENANT;
      case "admin" -> ADMIN;
      case "reader" -> READER;
      default -> throw new IllegalArgumentException(
          "role must be tenant, admin or reader, got '" + text + "'");
    };
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
