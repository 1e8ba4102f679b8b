package com.example.host;

import io.renderlab.core.ConfigurationException;
import io.renderlab.core.ImageStore;
import io.renderlab.core.PutOptions;
import io.renderlab.core.StoredObject;
import io.renderlab.replicate.PredictionRequest;
import io.renderlab.storage.ImageStores;
import io.renderlab.thumbnails.Thumbnail;
import io.renderlab.thumbnails.Thumbnailer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;

/**
 * Renders a thumbnail through the SDK and stores it, as a host application would; exits non-zero
 * (failing the build) when anything is not as a user must find it.
 *
 * <p>Arguments: {@code class-path|module-path OUTPUT_FOLDER}.
 */
public final class RenderThumbnail {
  private RenderThumbnail() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Path out = Files.createDirectories(Path.of(args[1]));

    // Run the way the build meant: named modules on the module path, the unnamed module otherwise.
    boolean named = RenderThumbnail.class.getModule().isNamed();
    check(named == mode.equals("module-path"), "expected to run on the " + mode + ", but the host module is " + (named ? "named" : "unnamed"));
    if (named) {
      Module core = Thumbnailer.class.getModule().getLayer().findModule("io.renderlab.core").orElseThrow();
      Module storage = ImageStores.class.getModule();
      check(Thumbnailer.class.getModule().getName().equals("io.renderlab.thumbnails"), "thumbnails is not a named module");
      check(core.isExported("io.renderlab.core"), "io.renderlab.core is not exported");
      check(!core.isExported("io.renderlab.core.internal"), "io.renderlab.core.internal is exported to everyone");
      check(!core.isExported("io.renderlab.core.internal", RenderThumbnail.class.getModule()), "io.renderlab.core.internal is exported to the host");
      check(core.isExported("io.renderlab.core.internal", storage), "io.renderlab.core.internal is not exported to io.renderlab.storage");
      check(!storage.isExported("io.renderlab.storage.internal"), "io.renderlab.storage.internal is exported");
    }

    // A thumbnail of a 640×480 JPEG, through the SDK (the WebP encoder comes from webp-imageio).
    BufferedImage image = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.ORANGE);
    g.fillRect(0, 0, 640, 480);
    g.dispose();
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    check(ImageIO.write(image, "jpg", jpeg), "no JPEG writer");
    Thumbnail thumb = Thumbnailer.builder().build().render(jpeg.toByteArray());
    check(thumb.width() == 400 && thumb.height() == 400, "thumbnail is " + thumb.width() + "x" + thumb.height());
    check(new String(Arrays.copyOfRange(thumb.webp(), 8, 12), StandardCharsets.US_ASCII).equals("WEBP"), "not a WebP");

    // Stored in a folder store made from a storage URL (no Optional, no AWS SDK needed).
    try (ImageStore store = ImageStores.fromUrl(out.toUri().toString())) {
      StoredObject stored = store.put("host/thumb.webp", new ByteArrayInputStream(thumb.webp()), PutOptions.of("image/webp"));
      check(stored.bytes() == thumb.webp().length, "stored " + stored.bytes() + " bytes");
    }

    // Lean by default: no AWS SDK here, and asking for S3 says which artifact to add.
    try {
      Class.forName("software.amazon.awssdk.services.s3.S3Client");
      check(false, "the AWS SDK is on the " + mode + " of a folder-only host");
    } catch (ClassNotFoundException expected) {
      // as it should be
    }
    try (ImageStore s3 = ImageStores.fromUrl("s3://bucket?endpoint=http://127.0.0.1:9&region=us-east-1")) {
      check(false, "an S3 store was built without the AWS SDK: " + s3);
    } catch (ConfigurationException e) {
      check(e.getMessage().contains("software.amazon.awssdk:s3"), "the S3 refusal does not name the artifact: " + e.getMessage());
    }

    // The Replicate module loads too (a request is plain data; nothing is sent).
    check(PredictionRequest.model("google/nano-banana").put("prompt", "a lighthouse").build().target().equals("google/nano-banana"), "request");

    System.out.println("host (" + mode + "): rendered a " + thumb.width() + "x" + thumb.height() + " WebP of " + thumb.webp().length + " bytes");
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      System.err.println("host check failed: " + what);
      System.exit(1);
    }
  }
}
