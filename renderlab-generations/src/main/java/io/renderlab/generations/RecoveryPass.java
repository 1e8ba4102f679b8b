package io.renderlab.generations;

/**
 * What one recovery pass ({@link Generations#recover(int)}) did.
 *
 * <p>A record that will not grow: three counts of one pass, compared whole in tests; a new count
 * would be a new type.
 *
 * @param resumed unfinished generations whose lease had lapsed, taken over by this pass
 * @param succeeded of those, how many ended with records
 * @param failed of those, how many ended failed, canceled or expired (the rest were postponed)
 */
public record RecoveryPass(int resumed, int succeeded, int failed) {}
