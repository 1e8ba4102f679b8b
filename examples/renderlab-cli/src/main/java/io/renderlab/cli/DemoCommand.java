package io.renderlab.cli;

import io.renderlab.core.HistoryQuery;
import io.renderlab.core.ImageRecord;
import io.renderlab.core.Redaction;
import io.renderlab.pipeline.GenerateRequest;
import io.renderlab.pipeline.RenderLabPipeline;
import io.renderlab.pipeline.UploadRequest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import picocli.CommandLine.Command;

/** {@code demo}: the main job on the embedded defaults, no network, no token, no server. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "The embedded-defaults walk-through: upload, records, background thumbnails, history and lineage, and an HTML gallery. "
            + "No network, token or server needed; with REPLICATE_API_TOKEN set it also runs one real generation.")
final class DemoCommand extends CliCommand {
  static final String USER = "demo";

  @Override
  protected int execute() throws Exception {
    Settings s = settings();
    var out = context.out();
    out.println("RenderLab demo");
    out.println("  storage : " + Redaction.url(s.storageUrl));
    out.println("  catalog : " + Redaction.url(s.databaseUrl));
    out.println();
    RenderLabPipeline pipeline = context.pipeline();

    out.println(
        "1. Upload a photo (the web app's /api/upload): stored, recorded, thumbnail job queued in the same transaction");
    ImageRecord original;
    try (InputStream in = sample("house.png")) {
      original = pipeline.upload(in, UploadRequest.of(USER, "house.png"));
    }
    out.println("   " + original.id() + "  " + original.url());

    out.println(
        "2. Record an edit of it (as an inpaint result would be), with reference_url pointing at the original");
    ImageRecord edit;
    try (InputStream in = sample("house-dusk.png")) {
      edit =
          pipeline.upload(
              in,
              UploadRequest.of(USER, "house-dusk.png")
                  .asEditOf(original.url(), "the same house at dusk"));
    }
    out.println("   " + edit.id() + "  " + edit.url());

    out.println(
        "3. Thumbnails render in the background (400x400 cover, Lanczos3, WebP q75): waiting for them");
    List<ImageRecord> done =
        pipeline.awaitThumbnails(List.of(original, edit), Duration.ofMinutes(1));
    done.forEach(r -> out.println("   " + r.thumbUrl().orElse("(not ready: " + r.url() + ")")));

    if (context.hasReplicateToken()) {
      out.println(
          "4. REPLICATE_API_TOKEN is set: running one real generation on "
              + RenderLabPipeline.DEFAULT_MODEL);
      try {
        List<ImageRecord> generated =
            pipeline.generate(
                GenerateRequest.of(
                    USER, "a small white house on green hills at sunset, watercolor"));
        pipeline
            .awaitThumbnails(generated, Duration.ofMinutes(1))
            .forEach(r -> out.println("   " + r.displayUrl()));
      } catch (RuntimeException e) {
        out.println("   generation failed: " + e.getMessage());
      }
    } else {
      out.println("4. (Set REPLICATE_API_TOKEN to also run a real generation.)");
    }

    out.println();
    out.println(
        "History of user '" + USER + "', newest first (display URL = thumbnail, else full image):");
    List<ImageRecord> history = pipeline.history(HistoryQuery.of(USER).withLimit(20)).images();
    Table.print(out, history);
    out.println();
    out.println("Lineage of the edit, oldest first:");
    Table.print(out, pipeline.lineage(edit.id()));

    Path gallery = s.home.resolve("gallery.html");
    Files.createDirectories(s.home);
    Files.writeString(gallery, html(history), StandardCharsets.UTF_8);
    out.println();
    out.println("Gallery: " + gallery.toUri());
    return ExitCodes.OK;
  }

  private static InputStream sample(String name) {
    return Objects.requireNonNull(
        DemoCommand.class.getResourceAsStream("samples/" + name), "sample " + name);
  }

  static String html(List<ImageRecord> images) {
    StringBuilder sb = new StringBuilder();
    sb.append(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>RenderLab demo gallery</title>")
        .append("<style>body{font:15px system-ui;background:#111;color:#eee;margin:20px}")
        .append(
            ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px}")
        .append("figure{margin:0;background:#1c1c1c;border-radius:8px;overflow:hidden}")
        .append(
            "img{width:100%;aspect-ratio:1;object-fit:cover;display:block}figcaption{padding:6px 8px;font-size:12px;color:#aaa}</style>")
        .append("</head><body><h1>RenderLab demo gallery</h1><div class=\"grid\">");
    for (ImageRecord r : images) {
      sb.append("<figure><a href=\"")
          .append(escape(r.url()))
          .append("\"><img src=\"")
          .append(escape(r.displayUrl()))
          .append("\" alt=\"")
          .append(escape(r.name()))
          .append("\"></a><figcaption>")
          .append(escape(r.kind().name().toLowerCase()))
          .append(" · ")
          .append(escape(r.prompt().orElse(r.name())))
          .append("</figcaption></figure>");
    }
    sb.append("</div></body></html>\n");
    return sb.toString();
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
