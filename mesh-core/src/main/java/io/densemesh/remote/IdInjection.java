package io.densemesh.remote;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes a model id into a serialized request at a field-number path, as ModelMesh's
 * {@code MethodInfo.idInjectionPath} describes: every element but the last names an embedded
 * message field (the first occurrence is descended into, created when absent), the last names a
 * string field whose value becomes the id. Works on the wire bytes, so it serves any method of
 * any runtime without its message classes; unknown fields pass through untouched.
 */
final class IdInjection {

  private IdInjection() {}

  /** @throws IllegalArgumentException when a field on the path is not length-delimited */
  static byte[] inject(byte[] message, int[] path, String modelId) {
    if (path.length == 0) {
      return message;
    }
    try {
      return inject(message, path, 0, modelId.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalArgumentException("request is not a valid protobuf message: " + e, e);
    }
  }

  private static byte[] inject(byte[] message, int[] path, int depth, byte[] id)
      throws IOException {
    int field = path[depth];
    boolean last = depth == path.length - 1;
    boolean descended = false;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(message.length + id.length + 8);
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    CodedInputStream in = CodedInputStream.newInstance(message);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (WireFormat.getTagFieldNumber(tag) == field) {
        if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          throw new IllegalArgumentException(
              "field " + field + " at depth " + depth + " of the id injection path is not a"
                  + " string or message field");
        }
        if (last) {
          in.skipField(tag); // replaced by the id below
          continue;
        }
        if (!descended) {
          out.writeByteArray(field, inject(in.readByteArray(), path, depth + 1, id));
          descended = true;
          continue;
        }
      }
      in.skipField(tag, out);
    }
    if (last) {
      out.writeByteArray(field, id);
    } else if (!descended) {
      out.writeByteArray(field, inject(new byte[0], path, depth + 1, id));
    }
    out.flush();
    return bytes.toByteArray();
  }
}
