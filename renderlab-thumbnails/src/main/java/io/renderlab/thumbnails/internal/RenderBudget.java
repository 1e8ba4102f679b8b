package io.renderlab.thumbnails.internal;

/**
 * What one render may spend: bytes of memory for its large buffers, JPEG scans, and wall time.
 * Decoders ask before each large allocation ({@link #reserve}), count scans ({@link #scan}) and
 * check the clock once per MCU row, row batch or scan ({@link #checkDeadline}), never per pixel. A
 * refusal is an {@link Exceeded}, which the {@code Thumbnailer} turns into its typed exceptions.
 * Not public API.
 */
public final class RenderBudget {
  /**
   * The most scans a JPEG may have. libjpeg-turbo's TurboJPEG fuzz targets stop at 500 ({@code
   * TJPARAM_SCANLIMIT}); encoders write far fewer (libjpeg's default progressive script: 10 for
   * YCbCr, 6 for grey; jpegtran and mozjpeg's optimised scripts stay under about 70). Each scan may
   * revisit every block of the image, so a cap well below 500 keeps a thousand-scan file's cost
   * down to a fraction of a second before it is refused (and {@link #MAX_PASSES} bounds the work of
   * the scans below it).
   */
  public static final int MAX_SCANS = 100;

  /**
   * The most a JPEG's scans may add up to, in passes over all its blocks: a scan of one component
   * of a 4:2:0 image is two thirds of a pass, an interleaved one a whole pass. libjpeg's default
   * progressive script makes about 5 passes, its sequential files 1; an arithmetic-coded scan costs
   * a pass in 12 bytes, a Huffman one in a few bytes a 32 767-block end-of-band run, so without
   * this the cost of {@link #MAX_SCANS} scans would grow with the image.
   */
  public static final int MAX_PASSES = 32;

  /** No memory limit, no scan limit beyond {@link #MAX_SCANS}, no deadline: tests and tools. */
  public static final RenderBudget UNLIMITED = new RenderBudget(Long.MAX_VALUE, Long.MAX_VALUE);

  private final long memoryBytes;
  private final long deadlineNanos;
  private final long start;

  private RenderBudget(long memoryBytes, long deadlineNanos) {
    this.memoryBytes = memoryBytes;
    this.deadlineNanos = deadlineNanos;
    this.start = System.nanoTime();
  }

  /**
   * A budget that starts now: {@code memoryBytes} for the render's large buffers, {@code
   * deadlineNanos} of wall time.
   */
  public static RenderBudget start(long memoryBytes, long deadlineNanos) {
    return new RenderBudget(memoryBytes, deadlineNanos);
  }

  /** The bytes a render may hold in its large buffers. */
  public long memoryBytes() {
    return memoryBytes;
  }

  /**
   * Refuses a decode that needs more than the memory budget: {@code bytes} is what the decoder will
   * allocate, at the size it decodes at, for {@code what} (named in the refusal).
   *
   * @throws Exceeded if {@code bytes} is over the budget
   */
  public void reserve(long bytes, String what) {
    if (bytes > memoryBytes || bytes < 0) {
      throw new Exceeded(Kind.MEMORY, bytes < 0 ? Long.MAX_VALUE : bytes, memoryBytes, what);
    }
  }

  /**
   * Refuses a JPEG whose {@code scans}-th scan is past {@link #MAX_SCANS}.
   *
   * @throws Exceeded if it is
   */
  public void scan(int scans) {
    if (scans > MAX_SCANS) {
      throw new Exceeded(Kind.SCANS, scans, MAX_SCANS, "JPEG scans");
    }
  }

  /**
   * Refuses a JPEG whose scans so far visit {@code blocksVisited} blocks in all, more than {@link
   * #MAX_PASSES} passes over its {@code blocks} blocks.
   *
   * @throws Exceeded if they do
   */
  public void passes(long blocksVisited, long blocks) {
    if (blocksVisited > MAX_PASSES * blocks) {
      throw new Exceeded(
          Kind.PASSES, blocksVisited / Math.max(1, blocks), MAX_PASSES, "JPEG scans");
    }
  }

  /**
   * Refuses a render that has run past its deadline. Cheap (one {@code System.nanoTime()}): call it
   * per row, MCU row or scan, not per pixel.
   *
   * @throws Exceeded if the deadline has passed
   */
  public void checkDeadline() {
    if (deadlineNanos != Long.MAX_VALUE) {
      long spent = System.nanoTime() - start;
      if (spent > deadlineNanos) {
        throw new Exceeded(Kind.DEADLINE, spent, deadlineNanos, "render time");
      }
    }
  }

  /** The wall time left before the deadline, in nanoseconds; {@code Long.MAX_VALUE} without one. */
  public long remainingNanos() {
    if (deadlineNanos == Long.MAX_VALUE) {
      return Long.MAX_VALUE;
    }
    return Math.max(0, deadlineNanos - (System.nanoTime() - start));
  }

  /** What ran out. */
  public enum Kind {
    /** Bytes of memory. */
    MEMORY,
    /** JPEG scans. */
    SCANS,
    /** Passes of JPEG scans over the image's blocks. */
    PASSES,
    /** Wall time, in nanoseconds. */
    DEADLINE
  }

  /**
   * A budget ran out: {@code needed} against {@code limit}, in bytes, scans or nanoseconds. Carries
   * no stack trace (it is an expected outcome, turned into a typed refusal by the caller).
   */
  public static final class Exceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Kind kind;
    private final long needed;
    private final long limit;
    private final String what;

    Exceeded(Kind kind, long needed, long limit, String what) {
      super(kind + " budget: " + what + " needs " + needed + ", over " + limit, null, false, false);
      this.kind = kind;
      this.needed = needed;
      this.limit = limit;
      this.what = what;
    }

    /** What ran out. */
    public Kind kind() {
      return kind;
    }

    /** What the image needed (bytes, scans, or nanoseconds spent). */
    public long needed() {
      return needed;
    }

    /** The budget (bytes, scans, or nanoseconds). */
    public long limit() {
      return limit;
    }

    /** What needed it ("the interlaced PNG's full-size image", say). */
    public String what() {
      return what;
    }
  }
}
