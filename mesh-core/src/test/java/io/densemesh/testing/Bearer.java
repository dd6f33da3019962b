package io.densemesh.testing;

import io.grpc.Metadata;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;

/** Attaches {@code authorization: Bearer <token>} (or any metadata) to a stub's calls. */
public final class Bearer {

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private Bearer() {}

  public static <S extends AbstractStub<S>> S as(S stub, String token) {
    return with(stub, "authorization", "Bearer " + token);
  }

  public static <S extends AbstractStub<S>> S with(S stub, String name, String value) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  public static Metadata.Key<String> authorizationKey() {
    return AUTHORIZATION;
  }
}
