package io.renderlab.thumbnails;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The store threads of {@link ThumbnailService}: storing a thumbnail and recording it wait on disk,
 * network and commits, so they run here, off the render threads; 2 to 4 threads (two even for one
 * render thread, so one store's fsync or commit never holds up the next), and at most 2 x workers
 * jobs waiting for them. Package-private: the service's implementation.
 */
final class StoreThreads {
  /** Store thumbnails and record them: the waits on disk, network and commits, off the renders. */
  private final ExecutorService finishers;

  /** Jobs being stored hold a place among 2 x workers, which bounds that queue. */
  private final Semaphore finishing;

  StoreThreads(int workers) {
    this.finishing = new Semaphore(2 * workers);
    AtomicInteger f = new AtomicInteger();
    this.finishers =
        Executors.newFixedThreadPool(
            Math.max(2, Math.min(workers, 4)),
            r -> {
              Thread t = new Thread(r, "renderlab-thumbnail-store-" + f.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Runs {@code work} on a store thread, first waiting while 2 x workers jobs are queued; on the
   * calling thread once the store threads are shut down.
   */
  void hand(Runnable work) {
    finishing.acquireUninterruptibly(); // the store threads are behind: wait for them
    Runnable finish =
        () -> {
          try {
            work.run();
          } finally {
            finishing.release();
          }
        };
    try {
      finishers.execute(finish);
    } catch (RejectedExecutionException shuttingDown) {
      finish.run();
    }
  }

  void shutdown() {
    finishers.shutdown();
  }

  boolean awaitTermination(long millis) throws InterruptedException {
    return finishers.awaitTermination(millis, TimeUnit.MILLISECONDS);
  }

  void shutdownNow() {
    finishers.shutdownNow();
  }
}
