package io.portfoliostate.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.portfoliostate.actions.CorporateActionVerticle;
import io.portfoliostate.config.Settings.CacheSettings;
import io.portfoliostate.config.Settings.ClusterSettings;
import io.portfoliostate.config.Settings.SecuritySettings;
import io.portfoliostate.config.Settings;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.exports.ExportJobs;
import io.portfoliostate.exports.ExportMetrics;
import io.portfoliostate.exports.ExportRunner;
import io.portfoliostate.exports.ExportSchedulerVerticle;
import io.portfoliostate.gateway.AccessControl;
import io.portfoliostate.gateway.AnalyticsForwarding;
import io.portfoliostate.gateway.ExportRows;
import io.portfoliostate.persistence.ExportStore;
import io.portfoliostate.gateway.HttpGatewayVerticle;
import io.portfoliostate.gateway.PerformanceHandlers;
import io.portfoliostate.live.DriftMonitor;
import io.portfoliostate.live.LiveBridge;
import io.portfoliostate.persistence.DriftAlertStore;
import io.portfoliostate.live.LiveHub;
import io.portfoliostate.gateway.SecuredRoutes;
import io.portfoliostate.integration.duckdb.AnalyticsFeedVerticle;
import io.portfoliostate.integration.duckdb.AnalyticsStore;
import io.portfoliostate.integration.pulsar.ChangePublisherVerticle;
import io.portfoliostate.integration.pulsar.PulsarIngestVerticle;
import io.portfoliostate.integration.redis.CacheWriterVerticle;
import io.portfoliostate.integration.redis.PortfolioCache;
import io.portfoliostate.market.MarketFeedVerticle;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.observability.NodeStatusVerticle;
import io.portfoliostate.observability.Readiness;
import io.portfoliostate.observability.WriterHealth;
import io.portfoliostate.persistence.ChangeStreamStore;
import io.portfoliostate.persistence.CorporateActionStore;
import io.portfoliostate.persistence.Database;
import io.portfoliostate.persistence.EmbeddedDatabase;
import io.portfoliostate.persistence.JournalPrefixVerticle;
import io.portfoliostate.persistence.JournalReader;
import io.portfoliostate.persistence.CorporateActionStore.StoredAction;
import io.portfoliostate.persistence.JournalWriterVerticle;
import io.portfoliostate.persistence.MarketDataStore;
import io.portfoliostate.persistence.PerformanceHistory;
import io.portfoliostate.persistence.MarketDataWriterVerticle;
import io.portfoliostate.persistence.Migrations;
import io.portfoliostate.persistence.OwnerEpochs;
import io.portfoliostate.persistence.PortfolioCatalog;
import io.portfoliostate.persistence.SecurityStore;
import io.portfoliostate.persistence.SnapshotStore;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.Codecs;
import io.portfoliostate.security.AdminKeyBootstrap;
import io.portfoliostate.security.Authenticator;
import io.portfoliostate.security.OidcTokenVerifier;
import io.portfoliostate.security.RateLimits;
import io.portfoliostate.security.SecurityRefreshVerticle;
import io.portfoliostate.security.SecurityState;
import io.portfoliostate.shard.ClusterMember;
import io.portfoliostate.shard.HazelcastShardMap;
import io.portfoliostate.shard.LocalShardMap;
import io.portfoliostate.shard.OwnerClient;
import io.portfoliostate.shard.PortfolioOwnerVerticle;
import io.portfoliostate.shard.ShardMap;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.transport.Transport;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.apache.pulsar.client.api.PulsarClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of the service: the database (embedded or external), the migrations, Vert.x (alone,
 * or clustered with Hazelcast), and the verticles — journal writer, owners, HTTP gateways, node
 * status — deployed in that order and stopped in the reverse order, so that nothing accepted is
 * left unwritten.
 */
public final class Node implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  private final Settings settings;
  private final EmbeddedDatabase embedded;
  private final Database database;
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final Readiness readiness;
  private final WriterHealth journalHealth;
  private final WriterHealth marketHealth;
  private final Pool readPool;
  private final String nodeId;
  private final ShardMap shards;
  private final OwnerClient owners;
  private final Redis redis;
  private final PortfolioCache cache;
  private String cacheDeployment;
  private String statusDeployment;
  /** The background job of the journal prefixes (docs/performance.md, "The journal's prefix"). */
  private String prefixesDeployment;
  private String pulsarDeployment;
  private String changesDeployment;
  /** One client for what this node consumes and publishes, or null without Pulsar. */
  private PulsarClient pulsar;
  private final MarketView market = new MarketView();
  /** Whether the live hub's fan-out is behind: the daily series' refreshes wait while it is. */
  private io.portfoliostate.live.FanOutBacklog liveBacklog;
  /** What owners decide with: the market view, unless a test wraps it. */
  private ReferenceData ownerReference = market;
  private String feedDeployment;
  private String marketWriterDeployment;
  private String writerDeployment;
  private String ownersDeployment;
  private String actionsDeployment;
  private String gatewayDeployment;
  private String liveDeployment;
  private String driftDeployment;
  private String securityDeployment;
  private int httpPort;
  private final SecurityState securityState = new SecurityState();
  private OidcTokenVerifier tokens;
  private String adminKeyId;
  private SecuredRoutes routes;
  /** The node's analytics store, or null when analytics are off. */
  private AnalyticsStore analytics;
  /** This node's answer to "which node keeps an analytics store", while it serves HTTP with one. */
  private io.vertx.core.eventbus.MessageConsumer<Void> storeAdvertised;
  private String analyticsDeployment;
  private ExportJobs exports;
  private String exportsDeployment;
  /** What {@link #transport()} says, set once Vert.x is built. */
  private String transport;

  private Node(Settings settings, EmbeddedDatabase embedded, Database database, Vertx vertx,
      PrometheusMeterRegistry registry, String nodeId, ShardMap shards, BooleanSupplier joined) {
    this.settings = settings;
    this.embedded = embedded;
    this.database = database;
    this.vertx = vertx;
    this.registry = registry;
    this.nodeId = nodeId;
    this.readPool = database.pool(vertx, settings.database().poolSize(), "reads");
    this.journalHealth = new WriterHealth("journal", settings.writers().stuckAfterMs());
    this.marketHealth = new WriterHealth("market data", settings.writers().stuckAfterMs());
    this.readiness = new Readiness(readPool, joined, List.of(journalHealth, marketHealth));
    this.shards = shards;
    this.owners = new OwnerClient(vertx, shards, settings.routing());
    CacheSettings cacheSettings = settings.cache();
    this.redis = cacheSettings.enabled()
        ? Redis.createClient(vertx, new RedisOptions().setConnectionString(cacheSettings.redisUrl())
            .setMaxPoolSize(8).setMaxPoolWaiting(1024))
        : null;
    this.cache = redis == null ? null : new PortfolioCache(redis, cacheSettings, registry);
  }

  /** Starts a node and waits until it serves. Blocking: call it from a plain thread, not an event loop. */
  public static Node start(Settings settings) throws Exception {
    return start(settings, UnaryOperator.identity());
  }

  /**
   * Starts a node whose routing passes through {@code routing}: fault-injection tests use it to
   * make a node believe it owns what it does not.
   */
  public static Node start(Settings settings, UnaryOperator<ShardMap> routing) throws Exception {
    return start(settings, routing, UnaryOperator.identity());
  }

  /**
   * Starts a node whose owners decide with the node's reference data passed through
   * {@code reference}: fault-injection tests use it to make deciding a command throw.
   */
  public static Node start(Settings settings, UnaryOperator<ShardMap> routing,
      UnaryOperator<ReferenceData> reference) throws Exception {
    checkAuthenticationSwitch(settings);
    EmbeddedDatabase embedded = null;
    Database database;
    if (settings.database().isEmbedded()) {
      embedded = EmbeddedDatabase.start(settings.dataDir().resolve("pg").toAbsolutePath().normalize(),
          settings.database().embedded());
      database = Database.embedded(embedded.port()).withTimeouts(settings.database());
    } else {
      database = Database.fromUri(settings.database().url()).withTimeouts(settings.database());
    }
    try {
      int migrations = Migrations.migrate(database);
      if (migrations > 0) {
        LOG.info("Applied {} schema migrations", migrations);
      }
    } catch (RuntimeException e) {
      if (embedded != null) {
        embedded.close();
      }
      throw e;
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Per-address event-bus metrics would make one series per portfolio: left out.
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true)
        .setJvmMetricsEnabled(true).addDisabledMetricsCategory(MetricsDomain.EVENT_BUS);
    Transport wanted = wantedTransport(settings.vertx());
    VertxOptions options = new VertxOptions().setMetricsOptions(metrics)
        .setPreferNativeTransport(settings.vertx().nativeTransport())
        .setEventLoopPoolSize(settings.vertx().eventLoopCount());
    VertxBuilder builder = Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry))
        .withTransport(wanted);
    int instances = settings.owners().instances();
    Vertx vertx;
    String nodeId;
    ShardMap shards;
    BooleanSupplier joined;
    ClusterSettings cluster = settings.cluster();
    if (cluster.enabled()) {
      HazelcastClusterManager manager = new HazelcastClusterManager(HazelcastConfigs.load(cluster, instances));
      if (!cluster.host().isBlank()) {
        options.getEventBusOptions().setHost(cluster.host());
      }
      if (!cluster.publicHost().isBlank()) {
        options.getEventBusOptions().setClusterPublicHost(cluster.publicHost());
      }
      vertx = await(builder.withClusterManager(manager).buildClustered());
      nodeId = manager.getNodeId();
      shards = new HazelcastShardMap(manager.getHazelcastInstance(), instances);
      joined = manager::isActive;
      registerClusterGauges(registry, shards);
    } else {
      vertx = builder.build();
      nodeId = UUID.randomUUID().toString().substring(0, 8);
      shards = new LocalShardMap(nodeId, instances);
      joined = () -> true;
    }
    Codecs.registerAll(vertx.eventBus());
    String transport = reportTransport(vertx, wanted, registry);
    Node node = new Node(settings, embedded, database, vertx, registry, nodeId, routing.apply(shards), joined);
    node.transport = transport;
    node.ownerReference = reference.apply(node.market);
    try {
      node.deploy().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      node.close();
      throw e;
    }
    node.readiness.markStarted();
    return node;
  }

  /**
   * {@code PSTATE_AUTH=off} lets anyone who reaches the port do anything: allowed only when HTTP
   * listens on a loopback address (nobody else can reach it), and said on every start.
   */
  private static void checkAuthenticationSwitch(Settings settings) throws Exception {
    if (settings.security().enabled()) {
      return;
    }
    String host = settings.http().host();
    boolean loopback;
    try {
      loopback = !host.isBlank() && java.util.Arrays.stream(java.net.InetAddress.getAllByName(host))
          .allMatch(java.net.InetAddress::isLoopbackAddress);
    } catch (java.net.UnknownHostException e) {
      loopback = false;
    }
    if (!loopback) {
      throw new IllegalStateException("PSTATE_AUTH=off is refused: HTTP listens on " + host
          + ", not on a loopback address only; set PSTATE_HTTP_HOST=127.0.0.1, or leave authentication on");
    }
    LOG.warn("AUTHENTICATION IS OFF (PSTATE_AUTH=off): every request on {}:{} is allowed everything. "
        + "Never run a node like this where others can reach it.", host, settings.http().port());
  }

  /**
   * The transport asked of Vert.x: the native one of this OS (epoll on Linux, io_uring with {@code
   * vertx.ioUring}) when {@code vertx.nativeTransport} is on, else NIO. Vert.x falls back to NIO by
   * itself when the one asked for cannot start (its jar missing, another CPU, io_uring disabled by
   * the kernel), which {@link #reportTransport} tells.
   */
  private static Transport wantedTransport(Settings.VertxSettings vertx) {
    if (!vertx.nativeTransport()) {
      return Transport.NIO;
    }
    // IO_URING is null when Netty's io_uring classes are not on the class path at all.
    Transport preferred = vertx.ioUring() && Transport.IO_URING != null ? Transport.IO_URING
        : Transport.nativeTransport();
    // null on an OS with no native transport at all (Windows): NIO, said at start.
    return preferred != null ? preferred : Transport.NIO;
  }

  /**
   * Logs which transport the node's Vert.x runs on (and why not the native one, if it fell
   * back), publishes it as {@code pstate.vertx.transport{transport}} = 1, and returns its name.
   */
  private static String reportTransport(Vertx vertx, Transport wanted, PrometheusMeterRegistry registry) {
    String name = vertx.isNativeTransportEnabled() ? wanted.name() : Transport.NIO.name();
    if (vertx.isNativeTransportEnabled()) {
      LOG.info("Network transport: {} (native)", name);
    } else if (wanted != Transport.NIO) {
      Throwable cause = vertx.unavailableNativeTransportCause();
      LOG.warn("Network transport: nio; the native transport {} is unavailable ({}): the node works, with more "
          + "CPU per socket write", wanted.name(), cause == null ? "no reason given" : cause.toString());
    } else {
      Throwable cause = vertx.unavailableNativeTransportCause();
      LOG.info("Network transport: nio ({})", cause != null ? "no native transport here: " + cause
          : "vertx.nativeTransport is off, or this OS has no native transport");
    }
    Gauge.builder("pstate.vertx.transport", () -> 1).tag("transport", name)
        .description("The network transport of the node's Vert.x (epoll, io_uring, nio): always 1").register(registry);
    return name;
  }

  private static Vertx await(Future<Vertx> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  private static void registerClusterGauges(PrometheusMeterRegistry registry, ShardMap shards) {
    Gauge.builder("pstate.cluster.members", shards, map -> map.members().size())
        .description("Members of the cluster as this node sees them").register(registry);
    Gauge.builder("pstate.cluster.partitions.owned", shards,
        map -> map.members().stream().filter(ClusterMember::local).mapToInt(ClusterMember::partitions).sum())
        .description("Hazelcast partitions (and so portfolios) this node owns").register(registry);
  }

  private Future<Void> deploy() {
    Settings.JournalSettings journal = settings.journal();
    Pool snapshotPool = readPool;
    JournalReader reader = new JournalReader(vertx, readPool, settings.owners().idempotencyWindow(), registry);
    SnapshotStore snapshots = new SnapshotStore(snapshotPool);
    OwnerEpochs epochs = new OwnerEpochs(readPool);
    int instances = settings.owners().instances();
    // Resolved here, on the starting thread: finding this machine's address may wait for a name
    // lookup, which must not hold an event loop. Only a clustered node has nodes to advertise to.
    String storeHost = settings.cluster().enabled() ? advertisedHost() : null;
    AtomicInteger nextOwner = new AtomicInteger();
    // Millisecond times: what clients and PostgreSQL (microseconds) can both represent exactly.
    Clock clock = Clock.tick(Clock.systemUTC(), java.time.Duration.ofMillis(1));
    MarketDataStore marketStore = new MarketDataStore(readPool);
    CorporateActionStore actionStore = new CorporateActionStore(readPool);
    SecurityStore securityStore = new SecurityStore(readPool);
    // Opened meanwhile, off the critical path: loading DuckDB's native library takes seconds on a
    // busy machine, and nothing before the gateways needs the store.
    Future<AnalyticsStore> analyticsOpening = settings.analytics().enabled()
        ? vertx.executeBlocking(() -> AnalyticsStore.open(settings.analyticsDir(), settings.analytics()), false)
        : Future.succeededFuture();
    Future<String> cacheWriter = redis == null ? Future.succeededFuture()
        : vertx.deployVerticle(new CacheWriterVerticle(redis, nodeId, settings.cache(), registry));
    // The feed listens before the load, so nothing published meanwhile is missed; the load
    // never overrides what the feed brought in.
    return cacheWriter
        .compose(id -> {
          cacheDeployment = id;
          return vertx.deployVerticle(new MarketFeedVerticle(nodeId, market));
        })
        .compose(id -> {
          feedDeployment = id;
          return marketStore.latest();
        })
        .compose(latest -> {
          market.load(latest.instruments(), latest.prices(), latest.rates());
          LOG.info("Market view loaded: {} instruments, {} prices, {} FX rates", latest.instruments().size(),
              latest.prices().size(), latest.rates().size());
          return actionStore.all();
        })
        .compose(actions -> {
          // Before the owners: they convert a late trade by every action already effective.
          market.addActionOrigins(actions.stream().map(StoredAction::origin).toList());
          market.addActions(actions.stream().map(StoredAction::action).toList());
          return vertx.deployVerticle(new MarketDataWriterVerticle(database, market, nodeId, settings.writers(),
              marketHealth, registry));
        })
        .compose(id -> {
          marketWriterDeployment = id;
          return vertx.deployVerticle(new JournalWriterVerticle(database, journal, settings.writers(), journalHealth,
              registry));
        })
        .compose(id -> {
          writerDeployment = id;
          return vertx.deployVerticle(() -> new PortfolioOwnerVerticle(nodeId, nextOwner.getAndIncrement(),
              settings.owners(), shards, reader, snapshots, epochs, ownerReference, registry, clock, cache != null),
              new DeploymentOptions().setInstances(instances));
        })
        .compose(id -> {
          ownersDeployment = id;
          return vertx.deployVerticle(new CorporateActionVerticle(nodeId, actionStore, owners, clock,
              settings.corporateActions(), market));
        })
        .compose(id -> {
          actionsDeployment = id;
          return security(securityStore);
        })
        .compose(access -> analytics(analyticsOpening, readPool).map(access))
        .compose(access -> {
          LiveHub hub = new LiveHub(nodeId, settings.live(), owners, reader, market, registry, liveBacklog());
          return vertx.deployVerticle(hub).compose(id -> {
            liveDeployment = id;
            return vertx.deployVerticle(new DriftMonitor(settings.live(), new DriftAlertStore(readPool), market,
                shards, owners, clock, registry));
          }).map(id -> {
            driftDeployment = id;
            return new LiveBridge(vertx, hub, access, settings.live());
          });
        })
        .compose(live -> exports(marketStore, clock).map(live))
        .compose(live -> PerformanceHandlers.deployListener(vertx, settings.http().performance()).map(live))
        .compose(live -> {
          HttpGatewayVerticle[] first = new HttpGatewayVerticle[1];
          PortfolioCatalog catalog = new PortfolioCatalog(readPool);
          return vertx.deployVerticle(() -> {
            HttpGatewayVerticle gateway = new HttpGatewayVerticle(settings.http(), owners, catalog, readiness,
                registry, shards, settings.cluster().enabled() ? settings.cluster().name() : null, market,
                marketStore, clock, cache, actionStore, live.access(), settings.security(),
                settings.consolidation(), live, analytics, settings.analytics(), settings.imports(), exports,
                settings.exports());
            if (first[0] == null) {
              first[0] = gateway;
            }
            return gateway;
          }, new DeploymentOptions().setInstances(instances)).map(deployment -> {
            gatewayDeployment = deployment;
            httpPort = first[0].port();
            routes = first[0].routes();
            return live.access();
          });
        })
        // Once it serves HTTP, a clustered node with a store takes analytics requests forwarded by
        // nodes without; its access control takes no rate-limit token from those (the forwarder took it).
        .compose(access -> analytics == null || storeHost == null ? Future.<Void>succeededFuture()
            : AnalyticsForwarding.advertise(vertx, storeHost, httpPort, access).map(consumer -> {
              storeAdvertised = consumer;
              return null;
            }))
        .compose(v -> vertx.deployVerticle(new JournalPrefixVerticle(database,
            settings.http().performance().prefixes(), registry, liveBacklog()::behind)))
        .compose(id -> {
          prefixesDeployment = id;
          return vertx.deployVerticle(new NodeStatusVerticle(nodeId, instances, () -> httpPort, registry,
              owners::peerLeaving));
        })
        .compose(id -> {
          statusDeployment = id;
          return settings.pulsar().enabled()
              ? vertx.executeBlocking(() -> PulsarClient.builder().serviceUrl(settings.pulsar().serviceUrl()).build())
              : Future.<PulsarClient>succeededFuture();
        })
        .compose(client -> {
          pulsar = client;
          return pulsar != null
              ? vertx.deployVerticle(new PulsarIngestVerticle(settings.pulsar(), pulsar, owners, market, clock,
                  registry))
              : Future.<String>succeededFuture();
        })
        .compose(id -> {
          pulsarDeployment = id;
          return settings.pulsar().publishesChanges()
              ? vertx.deployVerticle(new ChangePublisherVerticle(settings.pulsar(), pulsar,
                  new ChangeStreamStore(readPool), clock, registry))
              : Future.<String>succeededFuture();
        })
        .map(id -> {
          changesDeployment = id;
          return null;
        });
  }

  /** The live hub's backlog, made by whichever of the hub and the analytics feed is deployed first. */
  private io.portfoliostate.live.FanOutBacklog liveBacklog() {
    if (liveBacklog == null) {
      liveBacklog = new io.portfoliostate.live.FanOutBacklog(settings.live().behindMs());
    }
    return liveBacklog;
  }

  /**
   * The analytics store (opened on a worker since the start of the deployment: DuckDB blocks) and
   * its feed deployed, when enabled: before the gateways, which answer from it.
   */
  private Future<Void> analytics(Future<AnalyticsStore> opening, Pool pool) {
    if (!settings.analytics().enabled()) {
      return Future.succeededFuture();
    }
    return opening
        .compose(store -> {
          analytics = store;
          LOG.info("Analytics store {} opened at global_seq {} ({} changes)", store.folder(), store.analyticsSeq(),
              store.changes());
          return vertx.deployVerticle(new AnalyticsFeedVerticle(store, new ChangeStreamStore(pool), market,
              settings.analytics(), registry, PerformanceHistory.sharing(new MarketDataStore(pool)),
              java.time.Clock.systemUTC(), new io.portfoliostate.persistence.MarketRecords(pool),
              liveBacklog()::behind));
        })
        .map(id -> {
          analyticsDeployment = id;
          return null;
        });
  }

  /**
   * Exports: the jobs and their runner for the gateways, and the scheduler of the configured
   * exports (every node runs one; claims in the database make each run happen once).
   */
  private Future<Void> exports(MarketDataStore marketStore, Clock clock) {
    ExportStore store = new ExportStore(readPool);
    ExportRunner runner = new ExportRunner(vertx, ExportRows.withPerformance(vertx, owners, marketStore, market,
        new PortfolioCatalog(readPool), clock, registry, settings.http().performance()), settings.exports(),
        new ExportMetrics(registry));
    exports = new ExportJobs(store, runner, settings.exports(), settings.exportsDir(), nodeId);
    io.portfoliostate.exports.ExportFilePeers.serve(vertx, exports, nodeId);
    return vertx.deployVerticle(new ExportSchedulerVerticle(settings.exports(), store, runner, nodeId, clock))
        .map(id -> {
          exportsDeployment = id;
          return null;
        });
  }

  /** The node's export jobs (and their runner). */
  public ExportJobs exportJobs() {
    return exports;
  }

  /**
   * The host other nodes reach this node's HTTP gateway on: {@code http.host}, unless it is a
   * wildcard (listening on every interface), then the cluster's public host, or its host, or this
   * machine's address.
   */
  private String advertisedHost() {
    String host = settings.http().host();
    if (!host.isBlank() && !host.equals("0.0.0.0") && !host.equals("::") && !host.equals("[::]")) {
      return host;
    }
    if (!settings.cluster().publicHost().isBlank()) {
      return settings.cluster().publicHost();
    }
    if (!settings.cluster().host().isBlank()) {
      return settings.cluster().host();
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostAddress();
    } catch (java.net.UnknownHostException e) {
      return "127.0.0.1";
    }
  }

  /** The node's analytics store, or null when analytics are off. */
  public AnalyticsStore analyticsStore() {
    return analytics;
  }

  /**
   * Access control for the gateways: the admin key made or registered, the identity provider's
   * keys fetched, the node's copy of keys and grants loaded and then kept current.
   */
  private Future<AccessControl> security(SecurityStore store) {
    SecuritySettings security = settings.security();
    Future<OidcTokenVerifier> verifier = security.enabled() && security.oidcEnabled()
        ? OidcTokenVerifier.discover(vertx, new OidcTokenVerifier.Options(security.oidcIssuer(),
            security.oidcAudience(), security.clockSkewSeconds(), security.rolesClaim(), security.groupsClaim(), 5_000))
        : Future.succeededFuture();
    return verifier
        .compose(found -> {
          tokens = found;
          return security.enabled()
              ? AdminKeyBootstrap.run(vertx, store, settings.adminKeyFile(), security.oidcEnabled())
              : Future.<String>succeededFuture();
        })
        .compose(keyId -> {
          adminKeyId = keyId;
          return SecurityRefreshVerticle.load(store, securityState);
        })
        .compose(v -> vertx.deployVerticle(new SecurityRefreshVerticle(store, securityState, security.refreshMs(),
            registry)))
        .map(id -> {
          securityDeployment = id;
          Authenticator authenticator = new Authenticator(() -> securityState.copy().keysByHash(), tokens,
              Clock.systemUTC());
          return new AccessControl(security.enabled(), securityState, authenticator, store,
              new RateLimits(security.rateLimit()), registry);
        });
  }

  /** The routes this node serves with their access rules (for the route-matrix test). */
  public List<SecuredRoutes.Declared> declaredRoutes() {
    return routes.declared();
  }

  /** Routes this node serves that were added without an access rule: none, or a test fails. */
  public List<String> undeclaredRoutes() {
    return routes.undeclared();
  }

  /** The id of the bootstrap admin key this node made or registered, or null. */
  public String adminKeyId() {
    return adminKeyId;
  }

  /** The security version whose keys and grants this node enforces. */
  public long securityVersion() {
    return securityState.version();
  }

  /** The port the HTTP gateway listens on. */
  public int httpPort() {
    return httpPort;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The in-process API: what the HTTP gateway uses to reach owners, for embedding and benchmarks. */
  public OwnerClient owners() {
    return owners;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** What this node knows of instruments, prices and FX rates. */
  public MarketView market() {
    return market;
  }

  /** Who owns what: this node alone, or the cluster's partition table. */
  public ShardMap shards() {
    return shards;
  }

  public String nodeId() {
    return nodeId;
  }

  /** The event loops the node's Vert.x runs ({@code vertx.eventLoops}). */
  public int eventLoops() {
    return settings.vertx().eventLoopCount();
  }

  /** The network transport the node's Vert.x runs on, as Vert.x names it: {@code epoll}, {@code io_uring} or {@code nio}. */
  public String transport() {
    return transport;
  }

  /** Where the data lives, for the start-up line. */
  public String describeDatabase() {
    return embedded != null
        ? "embedded PostgreSQL on " + embedded.dataDirectory() + " (port " + embedded.port() + ")"
        : "PostgreSQL " + database.describe();
  }

  /**
   * Graceful stop: no new requests, queued commands committed, journal flushed, portfolios
   * snapshotted, then Vert.x and the database stopped.
   */
  @Override
  public void close() throws IOException {
    readiness.markStopping();
    // No more analytics requests forwarded here: the other nodes pick another store node.
    if (storeAdvertised != null) {
      await(storeAdvertised.unregister(), "analytics store withdrawal");
    }
    // Pulsar first, while this node still owns its portfolios: the ingest gets what it holds
    // applied and acknowledged, and the change publisher hands its lock to another node. The
    // client's close takes seconds; done before the leave announcement, it delays no request.
    await(undeploy(changesDeployment).compose(v -> undeploy(pulsarDeployment))
        .compose(v -> pulsar == null ? Future.succeededFuture()
            : Future.fromCompletionStage(pulsar.closeAsync()).otherwiseEmpty()), "Pulsar stop");
    await(announceLeaving(), "leave announcement");
    Future<Void> drained = undeploy(statusDeployment)
        .compose(v -> undeploy(prefixesDeployment))
        .compose(v -> undeploy(actionsDeployment))
        .compose(v -> undeploy(gatewayDeployment))
        .compose(v -> undeploy(exportsDeployment))
        .compose(v -> undeploy(liveDeployment))
        .compose(v -> undeploy(driftDeployment))
        .compose(v -> undeploy(securityDeployment))
        .compose(v -> undeploy(analyticsDeployment))
        .compose(v -> analytics == null ? Future.<Void>succeededFuture()
            : vertx.executeBlocking(() -> {
              analytics.close();
              return null;
            }))
        .compose(v -> undeploy(ownersDeployment))
        .compose(v -> undeploy(writerDeployment))
        .compose(v -> undeploy(marketWriterDeployment))
        .compose(v -> undeploy(feedDeployment))
        .compose(v -> undeploy(cacheDeployment))
        .compose(v -> redis == null ? Future.<Void>succeededFuture() : redis.close())
        .compose(v -> readPool.close());
    await(drained, "drain");
    if (tokens != null) {
      tokens.close();
    }
    // Clustered: leaving the cluster hands this node's partitions to the others; until they
    // have them, gateways elsewhere find no owner and retry (RoutingSettings.notOwnerRetryMs).
    await(vertx.close(), "Vert.x close");
    if (embedded != null) {
      embedded.close();
    }
  }

  /**
   * Tells every other member that this node is leaving, and waits for their answers: after an
   * answer, that member sends nothing more to this node's owners (it retries until the
   * partitions have moved), and everything it sent before has arrived (one connection per pair
   * of nodes keeps order). So the owners can stop listening without a request being lost.
   */
  private Future<Void> announceLeaving() {
    List<Future<Object>> answers = new ArrayList<>();
    for (ClusterMember member : shards.members()) {
      if (!member.local()) {
        answers.add(vertx.eventBus().request(Addresses.nodeLeaving(member.nodeId()), nodeId,
            new DeliveryOptions().setSendTimeout(2000)).map(reply -> (Object) null).otherwise((Object) null));
      }
    }
    return Future.join(answers).mapEmpty();
  }

  private static void await(Future<?> future, String what) {
    try {
      future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("{} did not complete cleanly", what, e);
    }
  }

  private Future<Void> undeploy(String deployment) {
    return deployment == null ? Future.succeededFuture() : vertx.undeploy(deployment);
  }
}
