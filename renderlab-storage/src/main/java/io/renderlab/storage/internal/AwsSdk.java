package io.renderlab.storage.internal;

import io.renderlab.core.ConfigurationException;

/**
 * Whether the optional AWS SDK is there. This class names no AWS type, so it loads without the SDK
 * (unlike {@code S3ImageStore}, which the JVM cannot link without it).
 */
public final class AwsSdk {
  /**
   * The artifact S3 storage needs; optional in renderlab-storage so other stores pull no AWS SDK.
   */
  public static final String ARTIFACT = "software.amazon.awssdk:s3";

  private AwsSdk() {}

  /**
   * Fails with a message a user can act on when the SDK's S3 client is missing.
   *
   * @throws ConfigurationException if {@code software.amazon.awssdk.services.s3.S3Client} cannot be
   *     loaded
   */
  public static void require() {
    try {
      Class.forName(
          "software.amazon.awssdk.services.s3.S3Client", false, AwsSdk.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new ConfigurationException(
          "S3 storage needs the AWS SDK, an optional dependency of renderlab-storage: add "
              + ARTIFACT
              + " to the application (no version needed with io.renderlab:renderlab-bom imported; on the module "
              + "path, also require software.amazon.awssdk.services.s3).",
          e);
    }
  }
}
