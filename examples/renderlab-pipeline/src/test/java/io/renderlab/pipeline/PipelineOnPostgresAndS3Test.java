package io.renderlab.pipeline;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import io.renderlab.core.ImageStore;
import io.renderlab.core.testing.EmbeddedPostgres;
import io.renderlab.storage.S3ImageStore;
import java.net.URI;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The pipeline scaled out: a real PostgreSQL and a real S3-protocol server (S3Mock). */
class PipelineOnPostgresAndS3Test extends PipelineContract {
  @RegisterExtension
  static final S3MockExtension S3 =
      S3MockExtension.builder()
          .silent()
          .withSecureConnection(false)
          .withInitialBuckets("renderlab-images")
          .build();

  @Override
  DataSource database() {
    return EmbeddedPostgres.freshDatabase();
  }

  @Override
  ImageStore newStore(Path temp) {
    try (var s3 = S3.createS3ClientV2()) {
      s3.listObjectsV2Paginator(r -> r.bucket("renderlab-images"))
          .contents()
          .forEach(o -> s3.deleteObject(d -> d.bucket("renderlab-images").key(o.key())));
    }
    return S3ImageStore.builder()
        .bucket("renderlab-images")
        .endpoint(URI.create("http://127.0.0.1:" + S3.getHttpPort()))
        .pathStyle(true)
        .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s")))
        .build();
  }

  @Override
  long objectCount() {
    try (var s3 = S3.createS3ClientV2()) {
      return s3.listObjectsV2Paginator(r -> r.bucket("renderlab-images")).contents().stream()
          .filter(o -> !o.key().startsWith("thumbs/"))
          .count();
    }
  }
}
