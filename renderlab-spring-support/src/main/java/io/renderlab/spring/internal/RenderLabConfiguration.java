package io.renderlab.spring.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.renderlab.core.ConfigurationException;
import io.renderlab.core.EventListener;
import io.renderlab.core.GenerationStore;
import io.renderlab.core.ImageCatalog;
import io.renderlab.core.ImageStore;
import io.renderlab.core.JdbcConnections;
import io.renderlab.core.JdbcImageCatalog;
import io.renderlab.core.RemoteFetcher;
import io.renderlab.core.TableNames;
import io.renderlab.core.ThumbnailJobQueue;
import io.renderlab.generations.Generations;
import io.renderlab.generations.RecoveryWorker;
import io.renderlab.micrometer.QueueDepthGauge;
import io.renderlab.micrometer.RenderLabMetrics;
import io.renderlab.replicate.ReplicateClient;
import io.renderlab.spring.RenderLabProperties;
import io.renderlab.spring.SpringJdbcConnections;
import io.renderlab.storage.ImageStores;
import io.renderlab.storage.Ingestor;
import io.renderlab.thumbnails.ThumbnailService;
import java.nio.file.Path;
import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * RenderLab's beans, the same for every Boot version: each starter's {@code
 * RenderLabAutoConfiguration} imports them after its Boot's {@code DataSource} and meter registry
 * auto-configurations. Each bean backs off when the application defines its own. Not public API.
 */
@Configuration(proxyBeanMethods = false)
public class RenderLabConfiguration {

  /** For Spring. */
  public RenderLabConfiguration() {}

  /** Micrometer meters on the application's registry when it has one (Actuator), else nothing. */
  @Bean
  @ConditionalOnMissingBean
  public EventListener renderLabEventListener(ObjectProvider<MeterRegistry> registry) {
    MeterRegistry r = registry.getIfUnique();
    return r == null ? EventListener.NONE : RenderLabMetrics.of(r);
  }

  /** The store of {@code renderlab.storage.url}; a folder in the working directory by default. */
  @Bean
  @ConditionalOnMissingBean
  public ImageStore renderLabImageStore(RenderLabProperties properties) {
    RenderLabProperties.Storage s = properties.getStorage();
    String url =
        s.getUrl() != null && !s.getUrl().isBlank()
            ? s.getUrl().strip()
            : Path.of("renderlab-images").toAbsolutePath().toUri().toString();
    return s.getPublicBaseUrl() == null || s.getPublicBaseUrl().isBlank()
        ? ImageStores.fromUrl(url)
        : ImageStores.fromUrl(url, s.getPublicBaseUrl().strip());
  }

  /** Connections joined to Spring's transactions on the application's {@code DataSource}. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(DataSource.class)
  public JdbcConnections renderLabJdbcConnections(DataSource dataSource) {
    return SpringJdbcConnections.of(dataSource);
  }

  /**
   * The catalog, migrated on start unless {@code renderlab.catalog.migrate=false}, its tables named
   * by {@code renderlab.catalog.table-prefix} and {@code renderlab.catalog.schema}.
   */
  @Bean
  @ConditionalOnMissingBean(ImageCatalog.class)
  @ConditionalOnBean(JdbcConnections.class)
  public JdbcImageCatalog renderLabImageCatalog(
      JdbcConnections connections, RenderLabProperties properties) {
    JdbcImageCatalog catalog =
        JdbcImageCatalog.builder()
            .connections(connections)
            .tableNames(tableNames(properties.getCatalog()))
            .build();
    if (properties.getCatalog().isMigrate()) {
      catalog.migrate();
    }
    return catalog;
  }

  /** {@code renderlab.catalog.table-prefix} and {@code .schema}, checked. */
  static TableNames tableNames(RenderLabProperties.Catalog catalog) {
    try {
      return TableNames.builder()
          .prefix(catalog.getTablePrefix() == null ? "" : catalog.getTablePrefix().strip())
          .schema(catalog.getSchema() == null ? "" : catalog.getSchema().strip())
          .build();
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          "renderlab.catalog.table-prefix or renderlab.catalog.schema is not usable: "
              + e.getMessage(),
          e);
    }
  }

  /** The durable generations beside the catalog's records. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(ImageCatalog.class)
  public GenerationStore renderLabGenerationStore(ImageCatalog catalog) {
    return catalog.generations();
  }

  /** The durable thumbnail jobs beside the catalog's records. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(ImageCatalog.class)
  public ThumbnailJobQueue renderLabThumbnailJobQueue(ImageCatalog catalog) {
    return catalog.thumbnailJobs();
  }

  /**
   * The gauge {@code renderlab.thumbnails.pending} on the application's registry, counted at most
   * once per {@code renderlab.thumbnails.queue-depth-interval}; only with a registry and a queue.
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean({ThumbnailJobQueue.class, MeterRegistry.class})
  public QueueDepthGauge renderLabQueueDepthGauge(
      ThumbnailJobQueue queue,
      ObjectProvider<MeterRegistry> registry,
      RenderLabProperties properties) {
    Duration interval = properties.getThumbnails().getQueueDepthInterval();
    QueueDepthGauge gauge;
    try {
      gauge =
          QueueDepthGauge.builder(queue)
              .interval(interval == null ? QueueDepthGauge.DEFAULT_INTERVAL : interval)
              .build();
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          "renderlab.thumbnails.queue-depth-interval must be positive, was " + interval, e);
    }
    MeterRegistry r = registry.getIfUnique();
    if (r != null) {
      gauge.bindTo(r);
    }
    return gauge;
  }

  /** The fetch policy: {@code renderlab.fetch.*}. */
  @Bean
  @ConditionalOnMissingBean
  public RemoteFetcher renderLabRemoteFetcher(RenderLabProperties properties) {
    return RemoteFetcher.builder()
        .allowHosts(properties.getFetch().getAllowHosts())
        .maxBytes(properties.getFetch().getMaxBytes())
        .build();
  }

  /** Downloads into the store. */
  @Bean
  @ConditionalOnMissingBean
  public Ingestor renderLabIngestor(ImageStore store, RemoteFetcher fetcher) {
    return Ingestor.builder().store(store).fetcher(fetcher).build();
  }

  /** The thumbnail service; its worker starts with the application ({@link RenderLabWorkers}). */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean({ImageCatalog.class, ThumbnailJobQueue.class})
  public ThumbnailService renderLabThumbnailService(
      ImageCatalog catalog,
      ThumbnailJobQueue jobs,
      ImageStore store,
      RemoteFetcher fetcher,
      EventListener listener,
      RenderLabProperties properties) {
    return ThumbnailService.builder()
        .catalog(catalog)
        .jobs(jobs)
        .store(store)
        .fetcher(fetcher)
        .listener(listener)
        .workers(properties.getThumbnails().getWorkers())
        .build();
  }

  /** The Replicate client, with {@code renderlab.replicate.token}. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnProperty(prefix = "renderlab.replicate", name = "token")
  public ReplicateClient renderLabReplicateClient(RenderLabProperties properties) {
    String token = properties.getReplicate().getToken();
    if (token.isBlank()) {
      throw new ConfigurationException(
          "renderlab.replicate.token is set but empty (an unset environment variable?): give it"
              + " the Replicate API token, or remove the property to run without Replicate.");
    }
    return ReplicateClient.builder()
        .token(token.strip())
        .baseUrl(properties.getReplicate().getBaseUrl())
        .build();
  }

  /** Durable generations: every paid prediction ends as records, across restarts and instances. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean({ReplicateClient.class, GenerationStore.class})
  public Generations renderLabGenerations(
      ReplicateClient replicate,
      Ingestor ingestor,
      GenerationStore store,
      EventListener listener,
      RenderLabProperties properties) {
    RenderLabProperties.Generations g = properties.getGenerations();
    Generations.Builder b =
        Generations.builder()
            .replicate(replicate)
            .ingestor(ingestor)
            .store(store)
            .listener(listener)
            .leaseDuration(g.getLeaseDuration());
    if (g.getDefaultTimeout() != null) {
      b.defaultTimeout(g.getDefaultTimeout());
    }
    String publicUrl = properties.getWebhook().getPublicUrl();
    if (publicUrl != null && !publicUrl.isBlank()) {
      b.webhookUrl(publicUrl.strip());
    }
    return b.build();
  }

  /** Finishes stopped instances' generations; starts with the application. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(Generations.class)
  @ConditionalOnProperty(
      prefix = "renderlab.generations",
      name = "recovery",
      havingValue = "true",
      matchIfMissing = true)
  public RecoveryWorker renderLabRecoveryWorker(
      Generations generations, RenderLabProperties properties) {
    return RecoveryWorker.builder()
        .generations(generations)
        .interval(properties.getGenerations().getRecoveryInterval())
        .build();
  }

  /** Starts the workers once the context is refreshed, stops them first on shutdown. */
  @Bean
  public RenderLabWorkers renderLabWorkers(
      ObjectProvider<ThumbnailService> thumbnails,
      ObjectProvider<RecoveryWorker> recovery,
      ObjectProvider<Generations> generations,
      RenderLabProperties properties) {
    return new RenderLabWorkers(
        properties.getThumbnails().isEnabled() ? thumbnails.getIfAvailable() : null,
        recovery.getIfAvailable(),
        generations.getIfAvailable());
  }
}
