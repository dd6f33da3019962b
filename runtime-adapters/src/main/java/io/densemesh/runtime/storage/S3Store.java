package io.densemesh.runtime.storage;

import io.densemesh.runtime.error.ModelLoadException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Downloads an S3 object, or every object under a prefix (a model directory), as modelmesh's
 * puller does: list first; an object whose key equals the path is a single file, else the objects
 * under {@code path/} form a directory. Each object's length is checked against the listing and,
 * for plain (non-multipart, non-KMS) uploads, its bytes against the ETag, which is then their MD5.
 */
final class S3Store implements RemoteStore<ArtifactLocation.S3> {

  private static final Pattern PLAIN_MD5_ETAG = Pattern.compile("\"?([0-9a-fA-F]{32})\"?");

  private final S3Clients clients;

  S3Store(S3Clients clients) {
    this.clients = clients;
  }

  @Override
  public Fetched fetch(ArtifactLocation.S3 location, Path dir, TransferBudget budget) {
    try (LeasedClients.Lease<S3Client> lease = clients.forEntry(location.access())) {
      S3Client s3 = lease.client();
      List<S3Object> objects = list(s3, location);
      S3Object exact = objects.stream()
          .filter(o -> o.key().equals(location.objectPath())).findFirst().orElse(null);
      if (exact != null) {
        String name = FileNames.lastSegment(exact.key(), "model");
        budget.require(exact.size());
        long bytes = download(s3, location, exact, dir.resolve(name), budget);
        return new Fetched(name, bytes);
      }
      String prefix = directoryPrefix(location.objectPath());
      List<S3Object> members = objects.stream()
          .filter(o -> o.key().startsWith(prefix) && !o.key().endsWith("/")).toList();
      if (members.isEmpty()) {
        throw new ModelLoadException(location.display()
            + " does not exist: no such object and no objects under it");
      }
      budget.require(members.stream().mapToLong(S3Object::size).sum());
      String root = FileNames.lastSegment(location.objectPath(), "model");
      Path rootDir = dir.resolve(root);
      long bytes = 0;
      for (S3Object member : members) {
        Path target = FileNames.inside(rootDir, member.key().substring(prefix.length()),
            location.display());
        Files.createDirectories(target.getParent());
        bytes += download(s3, location, member, target, budget);
      }
      return new Fetched(root, bytes);
    } catch (S3Exception e) {
      throw refusal(location, e);
    } catch (SdkClientException e) {
      if (budget.expired()) {
        throw budget.timedOut();
      }
      throw new ModelLoadException("cannot reach S3 for " + location.display() + " ("
          + endpoint(location) + "): " + e.getMessage(), e);
    } catch (java.io.IOException e) {
      throw new ModelLoadException("cannot write " + location.display() + " to disk: "
          + e.getMessage(), e);
    }
  }

  private static String directoryPrefix(String objectPath) {
    return objectPath.isEmpty() || objectPath.endsWith("/") ? objectPath : objectPath + "/";
  }

  private static List<S3Object> list(S3Client s3, ArtifactLocation.S3 location) {
    List<S3Object> objects = new ArrayList<>();
    ListObjectsV2Request request = ListObjectsV2Request.builder().bucket(location.bucket())
        .prefix(location.objectPath()).build();
    s3.listObjectsV2Paginator(request).contents().forEach(objects::add);
    return objects;
  }

  private static long download(S3Client s3, ArtifactLocation.S3 location, S3Object object,
      Path target, TransferBudget budget) {
    budget.checkDeadline();
    String what = "s3://" + location.bucket() + "/" + object.key();
    GetObjectRequest request = GetObjectRequest.builder().bucket(location.bucket())
        .key(object.key()).build();
    try (ResponseInputStream<GetObjectResponse> in = s3.getObject(request)) {
      GetObjectResponse response = in.response();
      Long announced = response.contentLength();
      long expected = announced != null ? announced : object.size();
      if (announced != null && object.size() != null && !announced.equals(object.size())) {
        throw new ModelLoadException(what + " changed while it was downloaded (listed "
            + object.size() + " bytes, served " + announced + ")");
      }
      return VerifiedCopy.copy(in, target, expected, md5OfPlainUpload(response), budget, what);
    } catch (java.io.IOException e) {
      throw new ModelLoadException("download of " + what + " failed: " + e.getMessage(), e);
    }
  }

  /** The ETag as an MD5 when it is one: not multipart ("-N" suffix), not SSE-KMS or SSE-C. */
  static String md5OfPlainUpload(GetObjectResponse response) {
    String etag = response.eTag();
    if (etag == null || response.serverSideEncryption() == ServerSideEncryption.AWS_KMS
        || response.serverSideEncryption() == ServerSideEncryption.AWS_KMS_DSSE
        || response.sseCustomerAlgorithm() != null) {
      return null;
    }
    var m = PLAIN_MD5_ETAG.matcher(etag.trim());
    return m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : null;
  }

  private static ModelLoadException refusal(ArtifactLocation.S3 location, S3Exception e) {
    String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
    String detail = (code == null || code.isEmpty() ? "" : code + ": ")
        + (e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage());
    String who = location.access().describe();
    if (e.statusCode() == 403 || "InvalidAccessKeyId".equals(code)
        || "SignatureDoesNotMatch".equals(code) || "AccessDenied".equals(code)) {
      return new ModelLoadException("S3 at " + endpoint(location) + " refused " + who
          + " for " + location.display() + " (HTTP " + e.statusCode() + ", " + detail
          + "): check the credentials in the storage config", e);
    }
    if ("NoSuchBucket".equals(code)) {
      return new ModelLoadException("bucket '" + location.bucket() + "' does not exist at "
          + endpoint(location), e);
    }
    return new ModelLoadException("S3 error reading " + location.display() + " (HTTP "
        + e.statusCode() + ", " + detail + ")", e);
  }

  private static String endpoint(ArtifactLocation.S3 location) {
    String url = location.access().endpointUrl();
    return url.isBlank() ? "AWS" : url;
  }
}
