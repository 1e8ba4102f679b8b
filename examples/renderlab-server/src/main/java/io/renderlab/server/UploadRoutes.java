package io.renderlab.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.InputRejectedException;
import io.renderlab.pipeline.UploadRequest;
import io.renderlab.thumbnails.Thumbnailer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.concurrent.Semaphore;

/**
 * {@code POST /api/upload}: a multipart image within the upload cap, decoded before anything is
 * stored, then ingested through the pipeline. Thread-safe.
 */
final class UploadRoutes {
  private final RenderLabServer.Builder config;
  private final Thumbnailer uploadCheck = Thumbnailer.builder().build();
  private final Semaphore uploadChecks =
      new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors()));

  UploadRoutes(RenderLabServer.Builder config) {
    this.config = config;
  }

  void upload(Context ctx) throws IOException {
    long declared = ctx.contentLength();
    if (declared > config.maxUploadBytes + 64 * 1024) {
      throw new ApiError(413, "upload larger than " + config.maxUploadBytes + " bytes");
    }
    io.javalin.http.UploadedFile file;
    try {
      file = ctx.uploadedFile("file");
    } catch (RuntimeException e) {
      if (String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("size")
          || (e.getCause() != null
              && String.valueOf(e.getCause().getMessage())
                  .toLowerCase(Locale.ROOT)
                  .contains("size"))) {
        throw new ApiError(413, "upload larger than " + config.maxUploadBytes + " bytes");
      }
      throw ApiError.badRequest("send a multipart/form-data body with a 'file' field");
    }
    if (file == null) {
      throw ApiError.badRequest("missing multipart field 'file'");
    }
    if (file.size() > config.maxUploadBytes) {
      throw new ApiError(413, "upload larger than " + config.maxUploadBytes + " bytes");
    }
    String name = file.filename() == null || file.filename().isBlank() ? "upload" : file.filename();
    name = name.replaceAll("[\\p{Cntrl}/\\\\]", "_");
    if (name.length() > 200) {
      name = name.substring(0, 200);
    }
    byte[] bytes;
    try (InputStream in = file.content()) {
      bytes = in.readAllBytes();
    }
    checkImage(bytes);
    ImageRecord image =
        config
            .requiredPipeline()
            .upload(
                new java.io.ByteArrayInputStream(bytes),
                UploadRequest.of(Authentication.user(ctx), name));
    ObjectNode out = RenderLabServer.JSON.createObjectNode();
    out.putObject("output").put("publicUrl", image.url());
    out.set("image", ImageRows.row(image));
    ctx.json(out);
  }

  /**
   * Decodes an upload before anything is stored, the way its thumbnail will be rendered: a broken
   * image, a decompression bomb or an image over the pixel limit is a 422 (an {@link
   * InputRejectedException}) and nothing is kept. At most one check per core runs at once, so a
   * burst of large uploads cannot hold more decoders in memory than the thumbnail workers would.
   */
  private void checkImage(byte[] bytes) {
    uploadChecks.acquireUninterruptibly();
    try {
      uploadCheck.render(bytes);
    } finally {
      uploadChecks.release();
    }
  }
}
