/**
 * Permanent object storage (a folder, any S3-compatible store, Supabase Storage) and the streaming
 * re-upload of remote files into it.
 *
 * <p>The AWS SDK is optional: {@code S3ImageStore} and {@code s3://} storage URLs need {@code
 * software.amazon.awssdk:s3} on the class or module path; without it they fail with a {@code
 * ConfigurationException} that says so.
 */
module io.renderlab.storage {
  requires transitive io.renderlab.core;
  requires java.net.http;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;
  requires static software.amazon.awssdk.auth;
  requires static software.amazon.awssdk.awscore;
  requires static software.amazon.awssdk.core;
  requires static software.amazon.awssdk.http;
  requires static software.amazon.awssdk.regions;
  requires static software.amazon.awssdk.services.s3;

  exports io.renderlab.storage;
}
