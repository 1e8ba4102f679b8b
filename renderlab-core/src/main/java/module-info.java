/**
 * What every RenderLab module shares: image records and the catalog port with its JDBC
 * implementation, durable thumbnail jobs, the object-store port, the safe {@code RemoteFetcher},
 * the exception root and the retry policy.
 *
 * <p>{@code io.renderlab.core.internal} is not API: it is exported only to the other RenderLab
 * modules.
 */
module io.renderlab.core {
  requires transitive java.sql;
  requires org.slf4j;

  exports io.renderlab.core;
  exports io.renderlab.core.internal to
      io.renderlab.storage,
      io.renderlab.thumbnails,
      io.renderlab.replicate,
      io.renderlab.generations;
}
