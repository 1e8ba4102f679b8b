package io.renderlab.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code renderlab.*} properties the auto-configuration turns into clients. Every client they
 * describe can be replaced by a bean of the application's own; the properties then do not apply to
 * it.
 */
@ConfigurationProperties("renderlab")
public class RenderLabProperties {
  private final Replicate replicate = new Replicate();
  private final Storage storage = new Storage();
  private final Catalog catalog = new Catalog();
  private final Fetch fetch = new Fetch();
  private final Thumbnails thumbnails = new Thumbnails();
  private final Generations generations = new Generations();
  private final Webhook webhook = new Webhook();
  private final SpringAi springAi = new SpringAi();

  /** Replicate. */
  public Replicate getReplicate() {
    return replicate;
  }

  /** The object store. */
  public Storage getStorage() {
    return storage;
  }

  /** The catalog on the application's DataSource. */
  public Catalog getCatalog() {
    return catalog;
  }

  /** Downloads of remote images. */
  public Fetch getFetch() {
    return fetch;
  }

  /** The thumbnail worker. */
  public Thumbnails getThumbnails() {
    return thumbnails;
  }

  /** Durable generations and their recovery worker. */
  public Generations getGenerations() {
    return generations;
  }

  /** The Replicate webhook endpoint. */
  public Webhook getWebhook() {
    return webhook;
  }

  /** Spring AI's ImageModel on durable generations. */
  public SpringAi getSpringAi() {
    return springAi;
  }

  /** Spring AI's {@code ImageModel}, when Spring AI is on the class path. */
  public static class SpringAi {
    /** The Replicate model an ImagePrompt runs on unless its options name another. */
    private String model = "black-forest-labs/flux-schnell";

    /** The user the images are recorded for (history, storage keys). */
    private String userId = "spring-ai";

    public String getModel() {
      return model;
    }

    public void setModel(String model) {
      this.model = model;
    }

    public String getUserId() {
      return userId;
    }

    public void setUserId(String userId) {
      this.userId = userId;
    }
  }

  /** Replicate's API. */
  public static class Replicate {
    /**
     * The API token (r8_...). Without it no Replicate client, generations engine or webhook
     * endpoint is configured. Keep it out of source: an environment variable
     * RENDERLAB_REPLICATE_TOKEN binds here.
     */
    private String token;

    /** The API base URL. */
    private String baseUrl = "https://api.replicate.com/v1";

    /**
     * The webhook signing secret (whsec_...); when unset it is read once from Replicate (GET
     * /v1/webhooks/default/secret) on the first delivery.
     */
    private String webhookSecret;

    public String getToken() {
      return token;
    }

    public void setToken(String token) {
      this.token = token;
    }

    public String getBaseUrl() {
      return baseUrl;
    }

    public void setBaseUrl(String baseUrl) {
      this.baseUrl = baseUrl;
    }

    public String getWebhookSecret() {
      return webhookSecret;
    }

    public void setWebhookSecret(String webhookSecret) {
      this.webhookSecret = webhookSecret;
    }

    @Override
    public String toString() {
      return "Replicate{baseUrl=" + baseUrl + ", token=" + (token == null ? "unset" : "set") + '}';
    }
  }

  /** Where images are kept. */
  public static class Storage {
    /**
     * The store, as a storage URL: file:///folder (the default is the folder renderlab-images in
     * the working directory), s3://BUCKET?region=...&amp;endpoint=... (add
     * software.amazon.awssdk:s3; credentials from the AWS default chain) or
     * supabase://BUCKET?project=REF (service key from SUPABASE_SERVICE_ROLE_KEY).
     */
    private String url;

    /** The public base URL images are served from, when it is not the store's own. */
    private String publicBaseUrl;

    public String getUrl() {
      return url;
    }

    public void setUrl(String url) {
      this.url = url;
    }

    public String getPublicBaseUrl() {
      return publicBaseUrl;
    }

    public void setPublicBaseUrl(String publicBaseUrl) {
      this.publicBaseUrl = publicBaseUrl;
    }
  }

  /** The catalog. */
  public static class Catalog {
    /** Whether to create or upgrade RenderLab's tables when the application starts. */
    private boolean migrate = true;

    /**
     * A prefix for the names of RenderLab's tables and indexes ("rl_" gives rl_images,
     * rl_generations, rl_thumbnail_jobs), so that they fit beside the application's own tables.
     * Letters, digits and underscores; empty for none.
     */
    private String tablePrefix = "";

    /**
     * The schema of RenderLab's tables (created by the migration when missing); empty for the
     * connection's current schema.
     */
    private String schema = "";

    public boolean isMigrate() {
      return migrate;
    }

    public void setMigrate(boolean migrate) {
      this.migrate = migrate;
    }

    public String getTablePrefix() {
      return tablePrefix;
    }

    public void setTablePrefix(String tablePrefix) {
      this.tablePrefix = tablePrefix;
    }

    public String getSchema() {
      return schema;
    }

    public void setSchema(String schema) {
      this.schema = schema;
    }
  }

  /** Downloads of remote images (outputs, users' images). */
  public static class Fetch {
    /**
     * Hosts allowed although they resolve to private or loopback addresses (a local S3 or a test
     * server); public hosts need no entry.
     */
    private List<String> allowHosts = new ArrayList<>();

    /** The largest download, in bytes. */
    private long maxBytes = 50L * 1024 * 1024;

    public List<String> getAllowHosts() {
      return allowHosts;
    }

    public void setAllowHosts(List<String> allowHosts) {
      this.allowHosts = allowHosts;
    }

    public long getMaxBytes() {
      return maxBytes;
    }

    public void setMaxBytes(long maxBytes) {
      this.maxBytes = maxBytes;
    }
  }

  /** The thumbnail worker. */
  public static class Thumbnails {
    /** Whether this instance renders thumbnails (started with the application). */
    private boolean enabled = true;

    /** Concurrent renders. */
    private int workers = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);

    /**
     * The shortest time between two counts of the pending jobs for the renderlab.thumbnails.pending
     * gauge; scrapes in between read the last count.
     */
    private Duration queueDepthInterval = Duration.ofSeconds(15);

    public Duration getQueueDepthInterval() {
      return queueDepthInterval;
    }

    public void setQueueDepthInterval(Duration queueDepthInterval) {
      this.queueDepthInterval = queueDepthInterval;
    }

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public int getWorkers() {
      return workers;
    }

    public void setWorkers(int workers) {
      this.workers = workers;
    }
  }

  /** Durable generations. */
  public static class Generations {
    /** How long an instance holds a generation between renewals before another may take it. */
    private Duration leaseDuration = Duration.ofSeconds(30);

    /** The deadline of a generation that sets none (sent to Replicate as Cancel-After). */
    private Duration defaultTimeout;

    /** Whether this instance finishes the generations of instances that stopped. */
    private boolean recovery = true;

    /** How often the recovery worker looks for lapsed leases. */
    private Duration recoveryInterval = Duration.ofSeconds(30);

    public Duration getLeaseDuration() {
      return leaseDuration;
    }

    public void setLeaseDuration(Duration leaseDuration) {
      this.leaseDuration = leaseDuration;
    }

    public Duration getDefaultTimeout() {
      return defaultTimeout;
    }

    public void setDefaultTimeout(Duration defaultTimeout) {
      this.defaultTimeout = defaultTimeout;
    }

    public boolean isRecovery() {
      return recovery;
    }

    public void setRecovery(boolean recovery) {
      this.recovery = recovery;
    }

    public Duration getRecoveryInterval() {
      return recoveryInterval;
    }

    public void setRecoveryInterval(Duration recoveryInterval) {
      this.recoveryInterval = recoveryInterval;
    }
  }

  /** The endpoint Replicate posts finished predictions to. */
  public static class Webhook {
    /** Whether to serve the endpoint (a servlet web application with a Replicate token). */
    private boolean enabled = true;

    /** The endpoint's path. */
    private String path = "/renderlab/webhooks/replicate";

    /**
     * The public URL Replicate reaches the endpoint at (https://app.example.com/renderlab/webhooks/
     * replicate); when set, every prediction asks for a webhook there. Unset: generations finish by
     * waiting and by the recovery worker only.
     */
    private String publicUrl;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getPath() {
      return path;
    }

    public void setPath(String path) {
      this.path = path;
    }

    public String getPublicUrl() {
      return publicUrl;
    }

    public void setPublicUrl(String publicUrl) {
      this.publicUrl = publicUrl;
    }
  }
}
