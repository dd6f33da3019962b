package io.densemesh.auth;

/** The kinds of call the rules tell apart. */
public enum Action {
  /** Inference, model metadata and model readiness. */
  INFER,
  /** Model and vmodel status, listing models. */
  READ,
  /** Registering, unregistering, loading models; setting and deleting vmodels. */
  MANAGE,
  /** MeshAdmin: mesh-wide settings, model policies, instances. */
  ADMIN
}
