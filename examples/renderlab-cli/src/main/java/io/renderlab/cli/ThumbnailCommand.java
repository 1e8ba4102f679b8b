package io.renderlab.cli;

import io.renderlab.core.Redaction;
import io.renderlab.core.RemoteResource;
import io.renderlab.thumbnails.Thumbnail;
import io.renderlab.thumbnails.Thumbnailer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code thumbnail SRC OUT [--size 400] [--quality 75] [--effort 4]}. */
@Command(
    name = "thumbnail",
    mixinStandardHelpOptions = true,
    description =
        "Writes SRC's thumbnail (cover crop, centre, Lanczos3, EXIF orientation applied) as WebP to OUT. SRC is a file or an http(s) URL.")
final class ThumbnailCommand extends CliCommand {
  @Parameters(index = "0", paramLabel = "SRC", description = "An image file or http(s) URL.")
  String source;

  @Parameters(index = "1", paramLabel = "OUT", description = "Where to write the WebP.")
  Path out;

  @Option(
      names = "--size",
      defaultValue = "400",
      description = "Width and height of the thumbnail (default ${DEFAULT-VALUE}).")
  int size;

  @Option(
      names = "--quality",
      defaultValue = "75",
      description = "WebP quality 1-100 (default ${DEFAULT-VALUE}).")
  int quality;

  @Option(
      names = "--effort",
      defaultValue = "4",
      description = "WebP effort 0-6 (default ${DEFAULT-VALUE}).")
  int effort;

  @Override
  protected int execute() throws Exception {
    if (!context.json()) {
      return render();
    }
    try {
      return render();
    } catch (Exception e) {
      // With --json, stdout holds exactly one JSON document, a failure's included; the error: line
      // still goes to stderr and the exit code is the usual one.
      int code = ExitCodes.report(e, context);
      String message =
          e.getMessage() == null || e.getMessage().isBlank()
              ? e.getClass().getSimpleName()
              : e.getMessage();
      context
          .out()
          .println(
              Json.write(
                  Json.object()
                      .put("error", Redaction.text(message).replace('\n', ' '))
                      .put("exitCode", code)));
      return code;
    }
  }

  private int render() throws Exception {
    Thumbnailer thumbnailer =
        context.thumbnailer().toBuilder()
            .concurrency(1)
            .size(size, size)
            .quality(quality)
            .effort(effort)
            .build();
    Thumbnail thumb;
    String lower = source.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://") || lower.startsWith("https://") || lower.startsWith("data:")) {
      try (RemoteResource image = context.fetcher().openImage(source);
          InputStream in = image.body()) {
        thumb = thumbnailer.render(in);
      }
    } else {
      Path file = Path.of(source);
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("SRC is neither a file nor an http(s) URL: " + source);
      }
      thumb = thumbnailer.render(file);
    }
    Path parent = out.toAbsolutePath().getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      // A typo in OUT should not leave a new folder tree behind: the folder is the caller's to
      // make.
      throw new IllegalArgumentException(
          "The output folder " + parent + " does not exist: create it first (mkdir -p).");
    }
    // Not Files.createTempFile: it makes owner-only (0600) files; a thumbnail gets the umask's
    // permissions.
    Path temp = parent.resolve(".thumbnail-" + java.util.UUID.randomUUID() + ".tmp");
    try {
      Files.write(
          temp,
          thumb.webp(),
          java.nio.file.StandardOpenOption.CREATE_NEW,
          java.nio.file.StandardOpenOption.WRITE);
      Files.move(
          temp,
          out,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
    if (context.json()) {
      context
          .out()
          .println(
              Json.write(
                  Json.object()
                      .put("width", thumb.width())
                      .put("height", thumb.height())
                      .put("bytes", thumb.webp().length)));
    } else {
      context
          .out()
          .println(
              "Wrote "
                  + out
                  + " ("
                  + thumb.width()
                  + "x"
                  + thumb.height()
                  + ", "
                  + thumb.webp().length
                  + " bytes)");
    }
    return ExitCodes.OK;
  }
}
