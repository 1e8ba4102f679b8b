/**
 * What every RenderLab module shares: image records, the catalog and object-store ports, durable
 * thumbnail jobs and generations, the safe remote fetcher, the exception root and the retry policy.
 *
 * <p><b>Serialisation.</b> The value types here ({@link io.renderlab.core.ImageRecord}, {@link
 * io.renderlab.core.Generation}, {@link io.renderlab.core.HistoryQuery}, {@link
 * io.renderlab.core.ImagePage}, {@link io.renderlab.core.PutOptions}, {@link
 * io.renderlab.core.StoredObject}, the thumbnail job records) are not Jackson beans and do not
 * serialise with a plain {@code ObjectMapper} to what they hold: their accessors are not getters
 * and their optional fields are {@code Optional}s (written as {@code {"present":true}} without
 * Jackson's JDK 8 module). This module depends on no JSON library; write the fields you publish
 * yourself, as the sample server and the CLI do.
 */
package io.renderlab.core;
