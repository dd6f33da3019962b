package io.densemesh.registry;

import com.google.protobuf.InvalidProtocolBufferException;
import io.densemesh.api.registry.ModelRecord;

/**
 * How a model record is stored in etcd: without its id, which is the key's last segment already
 * (at ten million records every repeated byte costs ten megabytes of etcd space per revision).
 * A stored record that does carry an id (written by an older node) reads the same.
 */
final class ModelRecords {

  private ModelRecords() {}

  static byte[] encode(ModelRecord record) {
    return record.toBuilder().clearModelId().build().toByteArray();
  }

  static ModelRecord decode(String id, byte[] stored) throws InvalidProtocolBufferException {
    return ModelRecord.parseFrom(stored).toBuilder().setModelId(id).build();
  }

  /** {@link #decode}, for lambdas: an unreadable record becomes IllegalArgumentException. */
  static ModelRecord decodeOrThrow(String id, byte[] stored) {
    try {
      return decode(id, stored);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}
