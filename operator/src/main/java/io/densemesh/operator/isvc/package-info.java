/**
 * InferenceService (ModelMesh deployment mode) onto mesh vmodels: the predictor as the operator
 * reads it, the concrete model it becomes, the registration plan against the mesh's view, and the
 * KServe status written back (pure functions), plus the controller that applies them.
 */
package io.densemesh.operator.isvc;
