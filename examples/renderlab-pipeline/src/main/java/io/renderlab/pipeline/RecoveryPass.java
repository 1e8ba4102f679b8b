package io.renderlab.pipeline;

/**
 * What one recovery pass ({@link RenderLabPipeline#recover(int)}) did.
 *
 * @param resumed unfinished generations whose lease had lapsed, taken over by this pass
 * @param succeeded of those, how many ended with records
 * @param failed of those, how many ended failed, canceled or expired (the rest were postponed)
 */
public record RecoveryPass(int resumed, int succeeded, int failed) {}
