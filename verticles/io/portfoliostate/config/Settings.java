package io.portfoliostate.config;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The whole configuration of a node, typed. Loaded by {@link SettingsLoader} from
 * {@code conf/config.json} with environment variables on top.
 */
public record Settings(
    Path dataDir,
    HttpSettings http,
    DatabaseSettings database,
    JournalSettings journal,
    OwnerSettings owners,
    RoutingSettings routing,
    ClusterSettings cluster,
    CacheSettings cache,
    PulsarSettings pulsar,
    CorporateActionSettings corporateActions,
    WriterSettings writers,
    SecuritySettings security,
    ConsolidationSettings consolidation,
    LiveSettings live,
    AnalyticsSettings analytics,
    ImportSettings imports, ExportSettings exports,
    VertxSettings vertx) {

  public static Settings from(JsonObject json) {
    VertxSettings vertx = VertxSettings.from(json.getJsonObject("vertx", new JsonObject()));
    return new Settings(
        Path.of(json.getString("dataDir", "./data")),
        HttpSettings.from(json.getJsonObject("http", new JsonObject())),
        DatabaseSettings.from(json.getJsonObject("database", new JsonObject())),
        JournalSettings.from(json.getJsonObject("journal", new JsonObject())),
        OwnerSettings.from(json.getJsonObject("owners", new JsonObject()), vertx.eventLoopCount()),
        RoutingSettings.from(json.getJsonObject("routing", new JsonObject())),
        ClusterSettings.from(json.getJsonObject("cluster", new JsonObject())),
        CacheSettings.from(json.getJsonObject("cache", new JsonObject())),
        PulsarSettings.from(json.getJsonObject("pulsar", new JsonObject())),
        CorporateActionSettings.from(json.getJsonObject("corporateActions", new JsonObject())),
        WriterSettings.from(json.getJsonObject("writers", new JsonObject())),
        SecuritySettings.from(json.getJsonObject("security", new JsonObject())),
        ConsolidationSettings.from(json.getJsonObject("consolidation", new JsonObject())),
        LiveSettings.from(json.getJsonObject("live", new JsonObject())),
        AnalyticsSettings.from(json.getJsonObject("analytics", new JsonObject())),
        ImportSettings.from(json.getJsonObject("imports", new JsonObject())),
        ExportSettings.from(json.getJsonObject("exports", new JsonObject())),
        vertx);
  }

  /**
   * Vert.x itself.
   *
   * @param nativeTransport whether the node's Vert.x runs on Netty's native transport (epoll on
   *     Linux): its event loops, HTTP server, clustered event bus and PostgreSQL/Redis clients all
   *     use it. Fewer system calls and less copying per socket write than Java's NIO, which is
   *     what a fan-out of one write per subscriber per change spends its time on. On by default;
   *     where it cannot load (another OS or CPU), the node starts on NIO and says why
   * @param ioUring whether the native transport is io_uring rather than epoll (Linux 5.10 or
   *     later, with io_uring allowed by the kernel). Off by default: on the 2-core VM of the
   *     benchmarks it took 2.5 times epoll's CPU per commit and the node fell seconds behind at
   *     2,000 commits/s (BENCHMARKS.md, "Live updates on the native transport"). Where it cannot
   *     start, the node falls back to NIO, not to epoll, and says why
   * @param eventLoops the node's event loops; 0 (the default) means one per core the JVM sees but
   *     one, and at least one: the node's own PostgreSQL (embedded by default), its collector and
   *     its worker threads get the core left over. Not Vert.x's own default of two per core:
   *     nothing of the node blocks an event loop, and on the benchmarks' 2-core VM four loops,
   *     two and one gave a live p99 of 101.6, 54.7 and 25.9 ms (medians) and one loop committed
   *     the most (BENCHMARKS.md, "Event loops: one per core, and one on two cores").
   *     Owner and gateway instances follow it unless {@code owners.instances} is set
   */
  public record VertxSettings(boolean nativeTransport, boolean ioUring, int eventLoops) {
    public VertxSettings {
      if (eventLoops < 0) {
        throw new IllegalArgumentException("vertx.eventLoops must be 0 (the default) or positive");
      }
    }

    static VertxSettings from(JsonObject json) {
      return new VertxSettings(flag(json, "nativeTransport", true), flag(json, "ioUring", false),
          json.getInteger("eventLoops", 0));
    }

    /** The event loops the node runs: as configured, or one per core the JVM sees but one (at least one). */
    public int eventLoopCount() {
      return eventLoops > 0 ? eventLoops : defaultEventLoops(Runtime.getRuntime().availableProcessors());
    }

    /** One loop per core but one, at least one: 1 on one or two cores, 3 on four, 7 on eight. */
    public static int defaultEventLoops(int cores) {
      return Math.max(1, cores - 1);
    }
  }

  /** The folder of export jobs' files: the configured one, else {@code <dataDir>/exports}. */
  public Path exportsDir() {
    return exports.dir() != null ? Path.of(exports.dir()) : dataDir.resolve("exports");
  }

  /** The folder of the node's analytics store: the configured one, else {@code <dataDir>/analytics}. */
  public Path analyticsDir() {
    return analytics.dir() != null ? Path.of(analytics.dir()) : dataDir.resolve("analytics");
  }

  /** The admin key file of a node: the configured one, else {@code <dataDir>/admin-key}. */
  public Path adminKeyFile() {
    return security.adminKeyFile() != null ? Path.of(security.adminKeyFile()) : dataDir.resolve("admin-key");
  }

  /**
   * HTTP gateway: where it listens and what it accepts.
   *
   * @param requestTimeoutMs the least time the gateway waits before answering "no answer in
   *     time"; raised to {@link #answerDeadlineMs} when the owner path can take longer
   * @param performance what the gateway keeps between performance reads
   * @param refusedBodyDrainBytes after answering a request refused before its body was read (an
   *     import refused on its headers), the most of the body the gateway still reads and drops
   *     before it closes the connection: closing with bytes unread makes the kernel reset the
   *     connection, which can destroy the answer before the client reads it. Past it, closed at once.
   * @param refusedBodyDrainMs the longest the gateway waits for the rest of such a body
   */
  public record HttpSettings(String host, int port, int maxBodyBytes, long requestTimeoutMs,
      PerformanceCacheSettings performance, long refusedBodyDrainBytes, long refusedBodyDrainMs) {

    /**
     * What the gateway's own checks (a parent's existence, the tree) may take on top of the
     * owner path before its deadline fires.
     */
    public static final long GATEWAY_MARGIN_MS = 2000;

    static HttpSettings from(JsonObject json) {
      return new HttpSettings(json.getString("host", "0.0.0.0"), json.getInteger("port", 8080),
          json.getInteger("maxBodyBytes", 1 << 20), json.getLong("requestTimeoutMs", 10_000L),
          PerformanceCacheSettings.from(json.getJsonObject("performance", new JsonObject())),
          json.getLong("refusedBodyDrainBytes", 1L << 20), json.getLong("refusedBodyDrainMs", 5_000L));
    }

    /**
     * The gateway's answer deadline: at least {@code requestTimeoutMs}, and always longer than
     * the owner path ({@link RoutingSettings#ownerPathMs}) by {@link #GATEWAY_MARGIN_MS}, so
     * that the owner path's own outcome (an answer, or "unavailable") reaches the client rather
     * than the gateway's "no answer in time".
     */
    public long answerDeadlineMs(long ownerPathMs) {
      return Math.max(requestTimeoutMs, ownerPathMs + GATEWAY_MARGIN_MS);
    }
  }

  /**
   * The caches of {@code GET /portfolios/{id}/performance} (docs/performance.md, Caching):
   * journals (their text as read and their fold as columns, not parsed events) with the
   * business-time states of their last windows, per gateway instance,
   * and each instrument's price history from a time on, per node. 0 keeps nothing of that kind.
   *
   * @param journalEvents how many journal events, over all portfolios, the node keeps (one
   *     cache shared by its gateway instances)
   * @param prices how many prices, over all instruments, the node keeps
   * @param priceTtlSeconds how long a kept price history is used after its load: the bound on
   *     staleness for a node that misses the cluster's publications
   * @param warmUp whether the node computes a synthetic year of performance on a worker once it
   *     is ready, so that the first real read does not run interpreted code (about 2 s of CPU at
   *     start; off by default)
   * @param answerBytes how many bytes of finished answers (encoded JSON), over all portfolios, the
   *     node keeps to answer a repeated read without valuation; trusted for {@code priceTtlSeconds}
   */
  public record PerformanceCacheSettings(int journalEvents, int prices, long priceTtlSeconds, boolean warmUp,
      long answerBytes, JournalPrefixSettings prefixes) {

    public PerformanceCacheSettings {
      if (journalEvents < 0 || prices < 0 || priceTtlSeconds < 0 || answerBytes < 0) {
        throw new IllegalArgumentException(
            "http.performance: journalEvents, prices, priceTtlSeconds and answerBytes must be >= 0");
      }
    }

    /** The settings with the default journal prefixes. */
    public PerformanceCacheSettings(int journalEvents, int prices, long priceTtlSeconds, boolean warmUp,
        long answerBytes) {
      this(journalEvents, prices, priceTtlSeconds, warmUp, answerBytes, JournalPrefixSettings.DEFAULTS);
    }

    /** The settings with the default bound of finished answers (32 MiB). */
    public PerformanceCacheSettings(int journalEvents, int prices, long priceTtlSeconds, boolean warmUp) {
      this(journalEvents, prices, priceTtlSeconds, warmUp, DEFAULT_ANSWER_BYTES);
    }

    /** 32 MiB: about 500 answers of a year for 500 positions (70 kB each). */
    static final long DEFAULT_ANSWER_BYTES = 33_554_432L;

    static PerformanceCacheSettings from(JsonObject json) {
      return new PerformanceCacheSettings(json.getInteger("journalEvents", 100_000),
          json.getInteger("prices", 1_000_000), json.getLong("priceTtlSeconds", 300L), flag(json, "warmUp", false),
          json.getLong("answerBytes", DEFAULT_ANSWER_BYTES),
          JournalPrefixSettings.from(json.getJsonObject("prefixes", new JsonObject())));
    }
  }

  /**
   * The background job that stores each long journal's text up to a sequence number once
   * (docs/performance.md, "The journal's prefix"), so that a first performance read is one row
   * plus the events after it.
   *
   * @param intervalMs how long the job sleeps after a look at every portfolio found nothing to
   *     do; 0 switches the job off (stored prefixes are still read)
   * @param pauseMs the pause after each extension or look at {@code scanPortfolios} portfolios:
   *     the job's pace, so that it never holds a core for long
   * @param minEvents a journal shorter than this gets no prefix (its read is cheap already)
   * @param stepEvents a prefix is extended once the journal has this many events past it, or
   *     {@code stepFraction} of the prefix's events if that is more
   * @param scanPortfolios how many portfolios one look probes (their journal's end: one probe each)
   * @param stepFraction the least growth, as a fraction of the prefix, that makes it extended: an
   *     extension rewrites the whole prefix, so a step growing with it keeps the job's work in
   *     proportion to what the journal grows by (each event's text rewritten about
   *     {@code 1 / stepFraction} times in all), not to its length times its growth; 0: a fixed step
   */
  public record JournalPrefixSettings(long intervalMs, long pauseMs, int minEvents, int stepEvents,
      int scanPortfolios, double stepFraction) {

    public static final JournalPrefixSettings DEFAULTS = new JournalPrefixSettings(30_000, 200, 1_000, 500, 200, 0.125);

    public JournalPrefixSettings {
      if (intervalMs < 0 || pauseMs < 0 || minEvents < 1 || stepEvents < 1 || scanPortfolios < 1
          || !(stepFraction >= 0 && stepFraction <= 1)) {
        throw new IllegalArgumentException("http.performance.prefixes: intervalMs and pauseMs must be >= 0, "
            + "minEvents, stepEvents and scanPortfolios >= 1, stepFraction between 0 and 1");
      }
    }

    /** A fixed step ({@code stepFraction} 0). */
    public JournalPrefixSettings(long intervalMs, long pauseMs, int minEvents, int stepEvents, int scanPortfolios) {
      this(intervalMs, pauseMs, minEvents, stepEvents, scanPortfolios, 0);
    }

    /** Whether a journal of {@code last} events whose prefix stops at {@code through} is to be extended. */
    public boolean due(long last, long through) {
      return last >= minEvents && last - through >= Math.max(stepEvents, (long) Math.ceil(through * stepFraction));
    }

    static JournalPrefixSettings from(JsonObject json) {
      return new JournalPrefixSettings(json.getLong("intervalMs", DEFAULTS.intervalMs()),
          json.getLong("pauseMs", DEFAULTS.pauseMs()), json.getInteger("minEvents", DEFAULTS.minEvents()),
          json.getInteger("stepEvents", DEFAULTS.stepEvents()),
          json.getInteger("scanPortfolios", DEFAULTS.scanPortfolios()),
          json.getDouble("stepFraction", DEFAULTS.stepFraction()));
    }
  }

  /**
   * The PostgreSQL of record. With no {@code url} the node starts an embedded PostgreSQL under
   * {@code dataDir/pg}.
   *
   * @param url a {@code postgresql://user:password@host:port/database} URI, or null
   * @param statementTimeoutMs the longest any statement may run (PostgreSQL {@code
   *     statement_timeout}, every pool): far above a journal batch's INSERT and COMMIT, even
   *     behind a slow fsync, but it frees a slot held by a hung statement (0: none)
   * @param lockTimeoutMs the longest a statement waits for a lock ({@code lock_timeout}): a
   *     writer blocked by another session fails fast and its caller retries (0: none)
   * @param idleInTransactionTimeoutMs ends a session left idle inside a transaction ({@code
   *     idle_in_transaction_session_timeout}), so its locks do not outlive it (0: none)
   */
  public record DatabaseSettings(String url, int poolSize, EmbeddedSettings embedded, long statementTimeoutMs,
      long lockTimeoutMs, long idleInTransactionTimeoutMs) {
    public DatabaseSettings {
      if (statementTimeoutMs < 0 || lockTimeoutMs < 0 || idleInTransactionTimeoutMs < 0) {
        throw new IllegalArgumentException("database: timeouts must be 0 (none) or positive");
      }
    }

    static DatabaseSettings from(JsonObject json) {
      return new DatabaseSettings(json.getString("url"), json.getInteger("poolSize", 6),
          EmbeddedSettings.from(json.getJsonObject("embedded", new JsonObject())),
          json.getLong("statementTimeoutMs", 30_000L), json.getLong("lockTimeoutMs", 5_000L),
          json.getLong("idleInTransactionTimeoutMs", 60_000L));
    }

    public boolean isEmbedded() {
      return url == null || url.isBlank();
    }
  }

  /** The embedded PostgreSQL's port (0: any free one) and the server settings we choose for it. */
  public record EmbeddedSettings(int port, String maxWalSize, String sharedBuffers) {
    static EmbeddedSettings from(JsonObject json) {
      return new EmbeddedSettings(json.getInteger("port", 0), json.getString("maxWalSize", "4GB"),
          json.getString("sharedBuffers", "256MB"));
    }
  }

  /**
   * Group commit of the journal.
   *
   * @param maxBatchRows the most events written by one INSERT
   * @param maxInFlight how many batches may be committing at once
   * @param concurrentWriteMinRows a second (third…) batch starts while one is committing only
   *     when at least this many rows wait (default 16). At a steady moderate rate this keeps one
   *     COMMIT at a time with the rows gathered meanwhile, instead of two small ones overlapping:
   *     at 2,000 commits/s on 2 cores the commit p99 went from 72–94 to 24 ms and PostgreSQL
   *     did half the transactions; a burst still overlaps (BENCHMARKS.md, live updates, session 11)
   * @param connections database connections kept for the journal writer
   */
  public record JournalSettings(int maxBatchRows, int maxInFlight, int concurrentWriteMinRows, int connections) {
    static JournalSettings from(JsonObject json) {
      return new JournalSettings(json.getInteger("maxBatchRows", 2000), json.getInteger("maxInFlight", 2),
          json.getInteger("concurrentWriteMinRows", 16), json.getInteger("connections", 3));
    }
  }

  /**
   * Owner verticles.
   *
   * @param instances owner verticle instances per node; 0 in the configuration means one per
   *     event loop ({@code vertx.eventLoops}), which is what this holds then
   * @param snapshotEvery snapshot a portfolio after this many events since the last snapshot
   * @param passivateAfterSeconds drop an idle portfolio from memory after this long
   * @param maxQueuedCommands commands an owner instance queues before it refuses more (503)
   * @param idempotencyWindow recent command ids a portfolio keeps in memory; older ones are
   *     checked against the journal when they come again
   * @param maxResident portfolios a node holds in memory at most (shared out among its owner
   *     instances); beyond it the least recently used idle one is evicted
   * @param maxResidentMb the estimated memory (positions, lots, recent command ids) a node's
   *     resident portfolios may take, in MiB; beyond it the least recently used idle ones are evicted
   * @param readLeaseMs how long an owner answers strong reads from memory after confirming that
   *     it still holds the portfolio's ownership epoch; also how long a new owner may have to wait
   *     before its first write acknowledgment (the previous owner's lease running out)
   */
  public record OwnerSettings(int instances, int snapshotEvery, long passivateAfterSeconds,
      int maxQueuedCommands, int idempotencyWindow, int maxResident, int maxResidentMb, long readLeaseMs) {
    public OwnerSettings {
      if (instances < 1) {
        throw new IllegalArgumentException("owners: instances must be positive once resolved");
      }
      if (maxResident < 1 || maxResidentMb < 1) {
        throw new IllegalArgumentException("owners: maxResident and maxResidentMb must be positive");
      }
    }

    static OwnerSettings from(JsonObject json, int eventLoops) {
      int configured = json.getInteger("instances", 0);
      return new OwnerSettings(configured > 0 ? configured : eventLoops, json.getInteger("snapshotEvery", 1000),
          json.getLong("passivateAfterSeconds", 900L), json.getInteger("maxQueuedCommands", 20_000),
          json.getInteger("idempotencyWindow", 10_000), json.getInteger("maxResident", 100_000),
          json.getInteger("maxResidentMb", 512), json.getLong("readLeaseMs", 2_000L));
    }
  }

  /**
   * How a node drives corporate actions to their holders.
   *
   * @param maxInFlight commands in flight per action (bounded, so an action on a widely held
   *     instrument does not flood the owners)
   * @param leaseSeconds how long a node's claim on an action lasts unless renewed: after a
   *     node's death, another takes its actions up after at most this long
   * @param sweepMs how often a node looks for unfinished actions (a retry, or another node's)
   */
  public record CorporateActionSettings(int maxInFlight, int leaseSeconds, long sweepMs) {
    public CorporateActionSettings {
      if (maxInFlight < 1 || leaseSeconds < 1 || sweepMs < 1) {
        throw new IllegalArgumentException("corporateActions: maxInFlight, leaseSeconds and sweepMs must be positive");
      }
    }

    static CorporateActionSettings from(JsonObject json) {
      return new CorporateActionSettings(json.getInteger("maxInFlight", 64), json.getInteger("leaseSeconds", 30),
          json.getLong("sweepMs", 2000L));
    }
  }

  /**
   * How gateways reach owners.
   *
   * @param ownerTimeoutMs how long a gateway waits for an owner's answer
   * @param notOwnerRetryMs how long a gateway keeps retrying when told "not owner" before a 503
   */
  public record RoutingSettings(long ownerTimeoutMs, long notOwnerRetryMs) {
    static RoutingSettings from(JsonObject json) {
      return new RoutingSettings(json.getLong("ownerTimeoutMs", 8000L),
          json.getLong("notOwnerRetryMs", 3000L));
    }

    /**
     * The longest the owner path can take: the last retry starts before {@code notOwnerRetryMs}
     * have passed and waits at most {@code ownerTimeoutMs} for its answer.
     */
    public long ownerPathMs() {
      return notOwnerRetryMs + ownerTimeoutMs;
    }
  }

  /**
   * Clustering with Hazelcast. Off by default: one node alone is a complete service.
   *
   * @param enabled join a cluster ({@code PSTATE_CLUSTER=true})
   * @param name the cluster name; nodes join only a cluster of the same name
   * @param config {@code loopback}, {@code tcp} or {@code kubernetes} (the files in
   *     {@code cluster-config/}), or the path of a Hazelcast YAML or XML file
   * @param host the interface Hazelcast and the event bus bind to; blank: as the config says
   * @param publicHost the address other nodes reach this one at, when it differs (NAT, containers)
   * @param port the Hazelcast port; the next free one is taken when it is in use
   * @param members {@code host[:port]} of other members; when given, TCP join with this list
   */
  public record ClusterSettings(boolean enabled, String name, String config, String host, String publicHost,
      int port, List<String> members) {
    static ClusterSettings from(JsonObject json) {
      Object members = json.getValue("members");
      List<String> list = members instanceof String
          ? Arrays.stream(((String) members).split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList()
          : members == null ? List.of() : json.getJsonArray("members").stream().map(Object::toString).toList();
      Object enabled = json.getValue("enabled", false);
      return new ClusterSettings(Boolean.parseBoolean(enabled.toString()), json.getString("name", "pstate"),
          json.getString("config", "loopback"), json.getString("host", ""), json.getString("publicHost", ""),
          json.getInteger("port", 5701), list);
    }
  }

  /**
   * The shared read cache in Redis. Off unless {@code redisUrl} is set; the service is complete
   * without it (cached reads are then served by the owners).
   *
   * @param redisUrl {@code redis://[:password@]host:port[/db]}, or null for no cache
   * @param readTimeoutMs how long a cached read waits for Redis before asking the owner instead
   * @param writeTimeoutMs how long one batch of cache writes may take before it counts as failed
   * @param maxPendingWrites portfolio summaries waiting to be written at most; beyond, the oldest
   *     waits are dropped (the cache only falls behind, reads then go to the owner)
   * @param ttlSeconds how long a portfolio's summary stays in Redis after its last change
   */
  public record CacheSettings(String redisUrl, long readTimeoutMs, long writeTimeoutMs, int maxPendingWrites,
      long ttlSeconds) {
    static CacheSettings from(JsonObject json) {
      return new CacheSettings(json.getString("redisUrl"), json.getLong("readTimeoutMs", 50L),
          json.getLong("writeTimeoutMs", 2000L), json.getInteger("maxPendingWrites", 100_000),
          json.getLong("ttlSeconds", 86_400L));
    }

    public boolean enabled() {
      return redisUrl != null && !redisUrl.isBlank();
    }
  }

  /**
   * Apache Pulsar: commands in, committed changes out. Off unless {@code serviceUrl} is set.
   *
   * @param serviceUrl {@code pulsar://host:6650}, or null for no Pulsar
   * @param tradeTopic trade executions in (the trade JSON plus portfolioId), keyed by portfolio
   * @param cashTopic cash movements in (the cash-flow JSON plus portfolioId), keyed by portfolio
   * @param priceTopic prices in (one price as posted to the REST API), keyed by instrument
   * @param deadLetterTopic where messages that can never apply go, with the reason
   * @param subscription the subscription all nodes share (one portfolio's messages go to one
   *     node at a time, in order)
   * @param subscriptionType {@code Key_Shared} (the default: any topic, messages spread by key;
   *     producers must batch by key) or {@code Failover} (one node per partition: for partitioned
   *     topics whose producers route by key, and may batch any keys together)
   * @param maxInFlight messages a node holds between receiving and acknowledging at most; when
   *     the owners or the journal fall behind, the node stops receiving instead of buffering
   * @param changesTopic committed changes out, one message per version, keyed by portfolio; null
   *     or blank for none. Needs broker de-duplication on (see README)
   * @param changesProducerName the producer name every node publishes changes under: the broker
   *     keeps the last sequence id per name, so it must stay the same across nodes and restarts
   * @param changesPollMs how often the publisher looks for new commits once it has caught up
   * @param alertsTopic alerts out, one message per alert, keyed by portfolio; null or blank for
   *     none. Published by the changes publisher from the same journal, so it needs a changes topic
   * @param alertsProducerName the producer name alerts are published under (fixed, as for changes)
   * @param changesBatching batch the changes and alerts messages (in stream order, any keys
   *     together): far less broker work per change, but consumers must then not read the topics
   *     Key_Shared (a batch goes to one consumer whatever its keys). Off by default
   */
  public record PulsarSettings(String serviceUrl, String tradeTopic, String cashTopic, String priceTopic,
      String deadLetterTopic, String subscription, String subscriptionType, int maxInFlight, String changesTopic,
      String changesProducerName, int changesPollMs, String alertsTopic, String alertsProducerName,
      boolean changesBatching) {
    static PulsarSettings from(JsonObject json) {
      return new PulsarSettings(json.getString("serviceUrl"), json.getString("tradeTopic", "trade-executions"),
          json.getString("cashTopic", "cash-movements"), json.getString("priceTopic", "market-prices"),
          json.getString("deadLetterTopic", "pstate-dead-letters"),
          json.getString("subscription", "portfolio-state"), subscriptionType(json.getString("subscriptionType")),
          json.getInteger("maxInFlight", 8000),
          json.getString("changesTopic", "portfolio-changes"),
          json.getString("changesProducerName", "portfolio-state-changes"), json.getInteger("changesPollMs", 10),
          json.getString("alertsTopic", "portfolio-alerts"),
          json.getString("alertsProducerName", "portfolio-state-alerts"),
          Boolean.parseBoolean(String.valueOf(json.getValue("changesBatching", false))));
    }

    public boolean enabled() {
      return serviceUrl != null && !serviceUrl.isBlank();
    }

    /** The two subscription types that keep each portfolio's messages in order across nodes. */
    static String subscriptionType(String configured) {
      if (configured == null || configured.isBlank() || configured.equalsIgnoreCase("Key_Shared")) {
        return "Key_Shared";
      }
      if (configured.equalsIgnoreCase("Failover")) {
        return "Failover";
      }
      throw new IllegalArgumentException("pulsar.subscriptionType must be Key_Shared or Failover, not " + configured);
    }

    /** Pulsar on and a changes topic named. */
    public boolean publishesChanges() {
      return enabled() && changesTopic != null && !changesTopic.isBlank();
    }

    /** Changes published and an alerts topic named. */
    public boolean publishesAlerts() {
      return publishesChanges() && alertsTopic != null && !alertsTopic.isBlank();
    }
  }

  /**
   * Bounds of the writers (journal and market data), and when readiness calls one stuck.
   *
   * @param marketMaxQueuedRows market-data rows (instruments, prices, rates) a node queues behind the
   *     write running; a request beyond that is refused at once (503 with Retry-After; Pulsar
   *     prices are redelivered later). One request larger than this still goes when none waits
   * @param journalMaxQueuedRows journal rows a node queues for a write slot; an append beyond it is
   *     refused at once, and its commands get the "retry with the same ids" 503
   * @param stuckAfterMs a writer whose oldest write has been running this long makes the node
   *     not ready, as do writes that have all failed for this long, and a full queue
   */
  public record WriterSettings(int marketMaxQueuedRows, int journalMaxQueuedRows, long stuckAfterMs) {
    public WriterSettings {
      if (marketMaxQueuedRows < 1 || journalMaxQueuedRows < 1 || stuckAfterMs < 1) {
        throw new IllegalArgumentException("writers: marketMaxQueuedRows, journalMaxQueuedRows and stuckAfterMs must be "
            + "positive");
      }
    }

    static WriterSettings from(JsonObject json) {
      return new WriterSettings(json.getInteger("marketMaxQueuedRows", 100_000),
          json.getInteger("journalMaxQueuedRows", 100_000), json.getLong("stuckAfterMs", 10_000L));
    }
  }

  /**
   * Who may use the service (see docs/operations.md, "Security").
   *
   * @param enabled false ({@code PSTATE_AUTH=off}) switches every check off: refused unless HTTP
   *     listens on a loopback address only, and warned about on every start
   * @param adminKeyFile where the bootstrap admin key is kept; null for {@code <dataDir>/admin-key}
   * @param oidcIssuer the identity provider's issuer URL; null accepts API keys only
   * @param oidcAudience the value access tokens' {@code aud} must hold
   * @param clockSkewSeconds how far past its expiry a token is still taken
   * @param rolesClaim the token claim naming global roles
   * @param groupsClaim the token claim naming groups that grants may name
   * @param refreshMs how often a node polls for changed keys, grants and parents
   * @param metricsOpen {@code /metrics} without credentials (default: the operations role)
   * @param openApiOpen {@code /openapi.yaml} and {@code /docs} without credentials (default: open)
   * @param rateLimit the per-principal request budget
   */
  public record SecuritySettings(boolean enabled, String adminKeyFile, String oidcIssuer, String oidcAudience,
      long clockSkewSeconds, String rolesClaim, String groupsClaim, long refreshMs, boolean metricsOpen,
      boolean openApiOpen, RateLimitSettings rateLimit) {

    public SecuritySettings {
      if (refreshMs < 10 || refreshMs > 1_000) {
        throw new IllegalArgumentException("security.refreshMs must be 10-1000: grant changes must reach every node "
            + "within a second");
      }
      if (clockSkewSeconds < 0 || clockSkewSeconds > 600) {
        throw new IllegalArgumentException("security.clockSkewSeconds must be 0-600");
      }
      if (oidcIssuer != null && (oidcAudience == null || oidcAudience.isBlank())) {
        throw new IllegalArgumentException("security.oidcAudience is required with security.oidcIssuer");
      }
    }

    /** Whether access tokens of an identity provider are accepted (else API keys only). */
    public boolean oidcEnabled() {
      return oidcIssuer != null;
    }

    static SecuritySettings from(JsonObject json) {
      String auth = json.getValue("enabled") == null ? "on" : json.getValue("enabled").toString();
      boolean enabled = switch (auth.toLowerCase(java.util.Locale.ROOT)) {
        case "on", "true" -> true;
        case "off", "false" -> false;
        default -> throw new IllegalArgumentException("security.enabled (PSTATE_AUTH) must be on or off, not " + auth);
      };
      return new SecuritySettings(enabled, blankToNull(json.getString("adminKeyFile")),
          blankToNull(json.getString("oidcIssuer")), blankToNull(json.getString("oidcAudience")),
          json.getLong("clockSkewSeconds", 30L), json.getString("rolesClaim", "roles"),
          json.getString("groupsClaim", "groups"), json.getLong("refreshMs", 250L),
          flag(json, "metricsOpen", false), flag(json, "openApiOpen", true),
          RateLimitSettings.from(json.getJsonObject("rateLimit", new JsonObject())));
    }

    private static String blankToNull(String value) {
      return value == null || value.isBlank() ? null : value;
    }
  }

  /** A boolean setting, given as JSON or (from the environment) as text. */
  static boolean flag(JsonObject json, String key, boolean otherwise) {
    Object value = json.getValue(key);
    return value == null ? otherwise : Boolean.parseBoolean(value.toString());
  }

  /**
   * A token bucket per principal, per node: {@code burst} requests at once, refilled at
   * {@code requestsPerSecond}. 0 requests per second switches the limit off.
   *
   * @param limitBootstrapAdmin whether the bootstrap admin key is limited too (off by default:
   *     it is the operator's own key)
   */
  public record RateLimitSettings(double requestsPerSecond, int burst, boolean limitBootstrapAdmin) {

    public RateLimitSettings {
      if (requestsPerSecond < 0 || burst < 0 || (requestsPerSecond > 0 && burst < 1)) {
        throw new IllegalArgumentException("security.rateLimit: requestsPerSecond >= 0, and burst >= 1 when limited");
      }
    }

    public boolean enabled() {
      return requestsPerSecond > 0;
    }

    static RateLimitSettings from(JsonObject json) {
      Object configured = json.getValue("requestsPerSecond");
      double rate = configured == null ? 0.0 : Double.parseDouble(configured.toString());
      return new RateLimitSettings(rate, json.getInteger("burst", rate > 0 ? (int) Math.ceil(rate) : 0),
          flag(json, "limitBootstrapAdmin", false));
    }
  }

  /**
   * Consolidated views of a portfolio tree ({@code GET .../consolidated}).
   *
   * @param maxPortfolios the largest subtree (root included) a consolidated read accepts; a
   *     larger one is refused with a 422 before any owner is asked
   * @param maxInFlight how many owner reads one consolidated read keeps in flight at once: all
   *     of a subtree up to this size is asked at the same time, a larger one in waves, so that
   *     one read of a huge tree does not flood the owners and the event bus
   */
  public record ConsolidationSettings(int maxPortfolios, int maxInFlight) {
    public ConsolidationSettings {
      if (maxPortfolios < 1 || maxInFlight < 1) {
        throw new IllegalArgumentException("consolidation: maxPortfolios and maxInFlight must be positive");
      }
    }

    static ConsolidationSettings from(JsonObject json) {
      return new ConsolidationSettings(json.getInteger("maxPortfolios", 10_000), json.getInteger("maxInFlight", 256));
    }
  }

  /**
   * The SockJS event-bus bridge and live updates (docs/live-updates.md).
   *
   * @param valuationsPerSecond the most valued views pushed per second per portfolio (conflated)
   * @param slowClientTimeoutMs how long a socket's write queue may stay full before it is closed
   * @param maxQueuedPerSocket changes held for a socket whose write queue is full; past it the
   *     socket is closed at once (a gap would break the no-gap promise)
   * @param maxResumeVersions how many missed versions a resume replays; further behind, a resync
   * @param maxRegistrations registrations one socket may hold
   * @param registrationsPerSecond registrations one socket may make per second before it is closed
   * @param maxFrameBytes the largest frame a client may send
   * @param interestLeaseMs how long an owner keeps sending a portfolio's changes to a node that
   *     stopped renewing its interest
   * @param renewMs how often a node renews its interests (and checks it missed no version)
   * @param driftRecoverFraction a breached line recovers when its drift is back within this
   *     fraction of the threshold (the hysteresis band)
   * @param driftScanMs how often a node looks for portfolios with targets that it owns and does not
   *     watch for drift yet (not loaded since a restart or a move), and loads them
   * @param compression whether the HTTP server accepts a WebSocket client's permessage-deflate
   *     offer (on by default, as browsers offer it; off trades bandwidth for CPU: compressing every
   *     copy for every socket is the largest cost of a busy bridge, see BENCHMARKS.md)
   * @param sharedCompression whether a message written to many sockets is compressed once per
   *     event loop (each message on its own, without the previous ones as context) instead of once
   *     per socket with Netty's encoder; only with {@code compression}
   * @param commitStamps whether a change frame carries, in its {@code headers}, the owner's COMMIT
   *     time as {@code committedNanos} (the owner's {@link System#nanoTime}) when this node's hub
   *     knows it (its own owners' changes, and another node's on the same machine): off by default,
   *     since the number means something only to a client on the same machine. The benchmark
   *     turns it on to time each change from its COMMIT to the client
   * @param behindMs the node's live fan-out counts as behind while a hand-off of its hub has waited
   *     longer than this for its event loop (or a change waited that long after COMMIT to reach the
   *     hub); work that can wait (the daily series' refreshes) waits meanwhile
   */
  public record LiveSettings(int valuationsPerSecond, long slowClientTimeoutMs, int maxQueuedPerSocket,
      int maxResumeVersions, int maxRegistrations, int registrationsPerSecond, int maxFrameBytes,
      long interestLeaseMs, long renewMs, double driftRecoverFraction, long driftScanMs, boolean compression,
      boolean sharedCompression, boolean commitStamps, long behindMs) {
    /** The default {@code behindMs}. */
    public static final long BEHIND_MS = 20;

    public LiveSettings {
      if (valuationsPerSecond < 1 || slowClientTimeoutMs < 1 || maxQueuedPerSocket < 1 || maxResumeVersions < 1
          || maxRegistrations < 1 || registrationsPerSecond < 1 || maxFrameBytes < 1024 || renewMs < 10
          || interestLeaseMs <= renewMs || driftScanMs < 100 || behindMs < 1) {
        throw new IllegalArgumentException("live: limits must be positive, maxFrameBytes at least 1024, "
            + "renewMs at least 10, interestLeaseMs longer than renewMs and driftScanMs at least 100");
      }
      if (!(driftRecoverFraction > 0 && driftRecoverFraction <= 1)) {
        throw new IllegalArgumentException("live: driftRecoverFraction must be in (0, 1]");
      }
    }

    static LiveSettings from(JsonObject json) {
      return new LiveSettings(json.getInteger("valuationsPerSecond", 4),
          json.getLong("slowClientTimeoutMs", 10_000L), json.getInteger("maxQueuedPerSocket", 10_000),
          json.getInteger("maxResumeVersions", 1_000), json.getInteger("maxRegistrations", 100),
          json.getInteger("registrationsPerSecond", 50), json.getInteger("maxFrameBytes", 65_536),
          json.getLong("interestLeaseMs", 5_000L), json.getLong("renewMs", 1_000L),
          json.getDouble("driftRecoverFraction", 0.8), json.getLong("driftScanMs", 30_000L),
          flag(json, "compression", true), flag(json, "sharedCompression", true),
          flag(json, "commitStamps", false), json.getLong("behindMs", BEHIND_MS));
    }

    /** Live settings with the default {@code behindMs}. */
    public LiveSettings(int valuationsPerSecond, long slowClientTimeoutMs, int maxQueuedPerSocket,
        int maxResumeVersions, int maxRegistrations, int registrationsPerSecond, int maxFrameBytes,
        long interestLeaseMs, long renewMs, double driftRecoverFraction, long driftScanMs, boolean compression,
        boolean sharedCompression, boolean commitStamps) {
      this(valuationsPerSecond, slowClientTimeoutMs, maxQueuedPerSocket, maxResumeVersions, maxRegistrations,
          registrationsPerSecond, maxFrameBytes, interestLeaseMs, renewMs, driftRecoverFraction, driftScanMs,
          compression, sharedCompression, commitStamps, BEHIND_MS);
    }
  }

  /**
   * The analytics store (issue 16): an in-process DuckDB per node, fed from the journal.
   *
   * @param enabled whether the node keeps a store and serves /api/v1/analytics
   * @param dir the store's folder; null for {@code <dataDir>/analytics}
   * @param batchRows journal changes read and appended per round
   * @param pollMs the pause between rounds when the store has caught up
   * @param minSeqWaitMs how long a request with {@code minSeq} waits for the store before a 503
   * @param memoryLimit DuckDB's {@code memory_limit} for the whole store (e.g. "512MB")
   * @param threads DuckDB's own thread pool for one query
   * @param readers worker threads that run analytics queries (each with its own connection)
   * @param query the bounds of one custom SQL query
   * @param series the daily series
   * @param fsyncMode DuckDB's {@code fsync_mode} for the store: {@code NONE} by default, since
   *     the store is rebuilt from the journal (docs/analytics.md), or {@code STANDARD}
   * @param checkpointThreshold DuckDB's {@code checkpoint_threshold}: the write-ahead log's size
   *     that makes DuckDB write its tables back (e.g. "256MB")
   * @param gatherRows a feed batch smaller than this lets the next one gather for up to five
   *     polls, unless a request waits for the store ({@code minSeq})
   */
  public record AnalyticsSettings(boolean enabled, String dir, int batchRows, long pollMs, long minSeqWaitMs,
      String memoryLimit, int threads, int readers, QuerySettings query, SeriesSettings series, String fsyncMode,
      String checkpointThreshold, int gatherRows, int nice) {
    public AnalyticsSettings {
      if (nice < 0 || nice > 19) {
        throw new IllegalArgumentException("analytics.nice must be from 0 (the normal priority) to 19, not " + nice);
      }
      if (gatherRows < 1 || batchRows < 1 || pollMs < 1 || minSeqWaitMs < 0 || threads < 1 || readers < 1) {
        throw new IllegalArgumentException("analytics: gatherRows, batchRows, pollMs, threads and readers must be "
            + "positive, minSeqWaitMs not negative");
      }
      if (!fsyncMode.equals("NONE") && !fsyncMode.equals("STANDARD")) {
        throw new IllegalArgumentException("analytics.fsyncMode must be NONE or STANDARD, not " + fsyncMode);
      }
    }

    static AnalyticsSettings from(JsonObject json) {
      String dir = json.getString("dir");
      // The environment gives text ("false"): read either form.
      boolean enabled = Boolean.parseBoolean(json.getValue("enabled", true).toString());
      return new AnalyticsSettings(enabled, dir == null || dir.isBlank() ? null : dir,
          json.getInteger("batchRows", 20_000), json.getLong("pollMs", 50L), json.getLong("minSeqWaitMs", 5_000L),
          json.getString("memoryLimit", "512MB"), json.getInteger("threads", 2), json.getInteger("readers", 2),
          QuerySettings.from(json.getJsonObject("query", new JsonObject())),
          SeriesSettings.from(json.getJsonObject("series", new JsonObject())),
          json.getString("fsyncMode", "NONE").toUpperCase(java.util.Locale.ROOT),
          json.getString("checkpointThreshold", "256MB"), json.getInteger("gatherRows", 2_000),
          json.getInteger("nice", 0));
    }
  }

  /**
   * The analytics store's daily series (NAV, returns and positions per weekday).
   *
   * @param days how many weekdays back from today the series reach (783: three years)
   * @param intervalMs pause between refreshes of pending portfolios once none is left
   * @param batch portfolios recomputed per refresh
   * @param share the largest share of one core the refreshes take over time while the journal
   *     moves: after a refresh that took t, the next waits at least t × (1 − share) / share
   *     (0.05: nineteen times as long)
   * @param journalEvents how many journal events, over all portfolios, the refreshes keep parsed
   *     between them, so that a refresh reads only the events appended since (0 keeps none)
   * @param deferMaxMs how long, at most, one refresh waits while the node's live fan-out is behind
   *     ({@code live.behindMs}): before it starts and before its write step, in all (0: never
   *     waits). A refresh that a request waits for ({@code minPriceSeq}, {@code minSeq}) does not
   */
  public record SeriesSettings(int days, long intervalMs, int batch, double share, int journalEvents,
      long deferMaxMs) {
    /** The default {@code share}. */
    public static final double SHARE = 0.05;
    /** The default {@code journalEvents}. */
    public static final int JOURNAL_EVENTS = 200_000;
    /** The default {@code deferMaxMs}. */
    public static final long DEFER_MAX_MS = 3_000;

    public SeriesSettings {
      if (days < 1 || intervalMs < 1 || batch < 1) {
        throw new IllegalArgumentException("analytics.series: days, intervalMs and batch must be positive");
      }
      if (!(share > 0 && share <= 1)) {
        throw new IllegalArgumentException("analytics.series.share must be above 0 and at most 1, not " + share);
      }
      if (journalEvents < 0) {
        throw new IllegalArgumentException("analytics.series.journalEvents must be >= 0, not " + journalEvents);
      }
      if (deferMaxMs < 0) {
        throw new IllegalArgumentException("analytics.series.deferMaxMs must be >= 0, not " + deferMaxMs);
      }
    }

    /** Series settings with the default {@code deferMaxMs}. */
    public SeriesSettings(int days, long intervalMs, int batch, double share, int journalEvents) {
      this(days, intervalMs, batch, share, journalEvents, DEFER_MAX_MS);
    }

    /** Series settings with the default {@code journalEvents}. */
    public SeriesSettings(int days, long intervalMs, int batch, double share) {
      this(days, intervalMs, batch, share, JOURNAL_EVENTS);
    }

    /** Series settings with the default {@code share} and {@code journalEvents}. */
    public SeriesSettings(int days, long intervalMs, int batch) {
      this(days, intervalMs, batch, SHARE);
    }

    /** The shortest pause after a refresh that took {@code tookMs}, keeping the refreshes within {@code share}. */
    public long pauseAfter(long tookMs) {
      return Math.max(intervalMs, (long) Math.ceil(tookMs * (1 - share) / share));
    }

    static SeriesSettings from(JsonObject json) {
      return new SeriesSettings(json.getInteger("days", 783), json.getLong("intervalMs", 1_000L),
          json.getInteger("batch", 10),
          // The environment and overrides give text ("0.05"): read either form.
          Double.parseDouble(json.getValue("share", SHARE).toString()),
          Integer.parseInt(json.getValue("journalEvents", JOURNAL_EVENTS).toString()),
          Long.parseLong(json.getValue("deferMaxMs", DEFER_MAX_MS).toString()));
    }
  }

  /**
   * Custom SQL over the analytics views ({@code POST /api/v1/analytics/query}).
   *
   * @param timeoutSeconds the time limit of one query (408 beyond)
   * @param maxRows the most rows one answer holds (413 beyond)
   * @param maxSqlChars the longest query text (413 beyond)
   * @param memoryLimit DuckDB's {@code memory_limit} of a query's own database (413 beyond)
   * @param maxTempSize DuckDB's {@code max_temp_directory_size} of a query's own database
   */
  public record QuerySettings(int timeoutSeconds, int maxRows, int maxSqlChars, String memoryLimit,
      String maxTempSize) {
    public QuerySettings {
      if (timeoutSeconds < 1 || maxRows < 1 || maxSqlChars < 1) {
        throw new IllegalArgumentException("analytics.query: timeoutSeconds, maxRows and maxSqlChars must be positive");
      }
    }

    static QuerySettings from(JsonObject json) {
      return new QuerySettings(json.getInteger("timeoutSeconds", 10), json.getInteger("maxRows", 10_000),
          json.getInteger("maxSqlChars", 20_000), json.getString("memoryLimit", "256MB"),
          json.getString("maxTempSize", "256MB"));
    }
  }

  /**
   * CSV imports of trades and cash flows ({@code POST /api/v1/portfolios/{id}/imports}).
   *
   * @param maxBytes the largest CSV body accepted (413 beyond); read by the import route itself,
   *     not by the 1 MiB body limit of the other routes
   * @param maxRows the most data rows in one file (413 beyond)
   * @param maxRowsPerTransaction the most new rows one import records: they are one command to
   *     the owner and one journal transaction, all or nothing (413 beyond; split the file)
   * @param ownerTimeoutMs how long the import waits for the owner to decide and commit the file
   *     (seconds at 100,000 rows; other commands keep {@code routing.ownerTimeoutMs})
   * @param maxConcurrent the most imports (dry runs included) a node runs at once (429 beyond): an
   *     import holds its whole file in the heap, about 1.7 KB per row at its peak
   */
  public record ImportSettings(int maxBytes, int maxRows, int maxRowsPerTransaction, long ownerTimeoutMs,
      int maxConcurrent) {
    public ImportSettings {
      if (maxBytes < 1 || maxRows < 1 || maxRowsPerTransaction < 1 || ownerTimeoutMs < 1 || maxConcurrent < 1) {
        throw new IllegalArgumentException(
            "imports: maxBytes, maxRows, maxRowsPerTransaction, ownerTimeoutMs and maxConcurrent must be positive");
      }
    }

    static ImportSettings from(JsonObject json) {
      return new ImportSettings(json.getInteger("maxBytes", 32 << 20), json.getInteger("maxRows", 200_000),
          json.getInteger("maxRowsPerTransaction", 100_000), json.getLong("ownerTimeoutMs", 120_000L),
          json.getInteger("maxConcurrent", 2));
    }
  }
}
