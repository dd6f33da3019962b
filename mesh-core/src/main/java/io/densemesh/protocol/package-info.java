/**
 * Codecs between the KServe V2 wire forms (protobuf and JSON) and the runtime's raw tensors. All
 * protocol-level validation that does not need the model (datatype names, contents vs raw, element
 * counts of typed contents) happens here.
 */
package io.densemesh.protocol;
