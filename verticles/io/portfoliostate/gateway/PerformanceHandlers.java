package io.portfoliostate.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.DomainViolation;
import io.portfoliostate.domain.Identifiers;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.Setting;
import io.portfoliostate.domain.Split;
import io.portfoliostate.domain.performance.Contribution;
import io.portfoliostate.domain.performance.DailyPoint;
import io.portfoliostate.domain.performance.MarketNeeds;
import io.portfoliostate.domain.performance.PerformanceCalculator;
import io.portfoliostate.domain.performance.PerformanceReport;
import io.portfoliostate.domain.performance.PriceHistory;
import io.portfoliostate.domain.timeline.BusinessTime;
import io.portfoliostate.domain.valuation.GroupBy;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.persistence.PerformanceHistory;
import io.portfoliostate.persistence.PortfolioCatalog;
import io.portfoliostate.config.Settings;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.MarketUpdate;
import io.portfoliostate.security.AccessRule;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/portfolios/{id}/performance} (docs/performance.md): the portfolio's daily
 * series over a window and its return and risk figures.
 *
 * <p>At most three statements on the read pool (the journal appended since the kept version,
 * the window's prices not kept, its FX rates); the parsing, the business-time fold, the
 * valuation of every weekday and the statistics run on worker threads — the fold on one while
 * the prices are read and parsed for another: for a large book they take tens of milliseconds,
 * which an event loop must not spend. What is kept between reads, and why it stays right, is
 * {@link PerformanceCache}'s.
 */
public final class PerformanceHandlers {

  /** The longest window: beyond it a request is a mistake (or an attack on the CPU), not an analysis. */
  static final int MAX_YEARS = 30;

  /** From this many events a journal is parsed in two halves at once. */
  private static final int PARALLEL_PARSE_EVENTS = 2_000;

  /** From this many events a journal the node does not keep is read in two halves at once. */
  static final int SPLIT_READ_EVENTS = 2_000;

  /** How long after the gateway starts the warm-up begins: the node finishes starting first. */
  private static final long WARM_UP_DELAY_MS = 1_000;

  /** Rounds of the warm-up: enough for the JIT to compile the hot loops with its optimizing compiler. */
  private static final int WARM_UP_ROUNDS = 3;

  /**
   * How far back the warm-up keeps every instrument's prices: a year and a week, so that a 1-year
   * window (and a YTD, QTD or MTD one) asked in the next days is a slice.
   */
  static final int PRELOAD_DAYS = 372;

  /** The node-wide local map holding the shared price store. */
  private static final String SHARED = "pstate.performance";
  /** Who does what once per node: the first gateway instance. */
  private static final String CLAIMS = "pstate.performance.claims";

  private static final Logger LOG = LoggerFactory.getLogger(PerformanceHandlers.class);

  private final Vertx vertx;
  private final PerformanceHistory history;
  private final PortfolioCatalog catalog;
  private final MarketView market;
  private final Clock clock;
  private final Timer computing;
  private final Timer folding;
  /** The steps of a read outside the fold and the computation: journal, parse, market, encode. */
  private final Timer journalStep;
  private final Timer parseStep;
  private final Timer marketStep;
  private final Timer encodeStep;
  private final PerformanceCache cache;
  /** The node's prices, shared by its gateway instances. */
  private final PerformancePrices prices;
  /** The node's finished answers, shared by its gateway instances. */
  private final PerformanceAnswers answers;
  /** Whether this is the node's first instance: it registers the gauges and runs the warm-up. */
  private final boolean firstInstance;
  private final boolean warmUp;
  private final MeterRegistry registry;

  /**
   * @param market reference data (groups) and the corporate actions known to the node (splits)
   * @param clock what "today" is: the default end of a window
   * @param caching the bounds of what is kept between reads
   */
  PerformanceHandlers(Vertx vertx, PerformanceHistory history, PortfolioCatalog catalog, MarketView market,
      Clock clock, MeterRegistry registry, Settings.PerformanceCacheSettings caching) {
    this.vertx = vertx;
    this.history = history;
    this.catalog = catalog;
    this.market = market;
    this.clock = clock;
    this.computing = Timer.builder("pstate.performance.compute")
        .description("Time to value every day of one performance window and measure it, on a worker thread")
        .register(registry);
    this.journalStep = step(registry, "journal", "the journal statement (events after the kept version), to its rows");
    this.parseStep = step(registry, "parse", "parsing the journal's new payloads, on workers");
    this.marketStep = step(registry, "market", "the window's prices (kept slices or a statement and its parsing) "
        + "and FX rates");
    this.encodeStep = step(registry, "encode", "building and encoding the answer's JSON, on a worker");
    this.folding = Timer.builder("pstate.performance.fold")
        .description("Time to fold a journal: its window-independent part when not kept, and the days of each window (folded and valued one at a time)")
        .register(registry);
    this.cache = vertx.sharedData().<String, PerformanceCache>getLocalMap(SHARED)
        .computeIfAbsent("journals", key -> new PerformanceCache(caching.journalEvents()));
    this.prices = prices(vertx, caching);
    this.answers = answers(vertx, caching);
    // The first instance of the node registers the gauges and runs the warm-up; the market
    // updates reach the stores through the node's listener (deployListener).
    boolean[] first = new boolean[1];
    vertx.sharedData().<String, Boolean>getLocalMap(CLAIMS).computeIfAbsent("instance", key -> {
      first[0] = true;
      return Boolean.TRUE;
    });
    this.firstInstance = first[0];
    if (firstInstance) {
      io.micrometer.core.instrument.Gauge.builder("pstate.performance.answers.bytes", answers,
          PerformanceAnswers::keptBytes).description("Bytes of finished performance answers the node keeps")
          .register(registry);
      io.micrometer.core.instrument.Gauge.builder("pstate.performance.prices.kept", prices,
          PerformancePrices::keptPrices).description("Prices the node keeps for performance reads").register(registry);
    }
    this.warmUp = caching.warmUp();
    this.registry = registry;
  }

  /** The node's price store, made by the first who asks (the node's listener or a gateway instance). */
  static PerformancePrices prices(Vertx vertx, Settings.PerformanceCacheSettings caching) {
    return vertx.sharedData().<String, PerformancePrices>getLocalMap(SHARED).computeIfAbsent("prices",
        key -> new PerformancePrices(caching.prices(), caching.priceTtlSeconds(), System::nanoTime));
  }

  /** The node's finished answers, made by the first who asks. */
  private static PerformanceAnswers answers(Vertx vertx, Settings.PerformanceCacheSettings caching) {
    return vertx.sharedData().<String, PerformanceAnswers>getLocalMap(SHARED).computeIfAbsent("answers",
        key -> new PerformanceAnswers(caching.answerBytes(), caching.priceTtlSeconds(), System::nanoTime));
  }

  /**
   * Deploys the node's listener of the market updates, which extend or drop the prices and
   * answers its gateway instances share: a verticle of its own, so that it lives as long as the
   * node, not as long as the gateway instance that happened to make the stores (an instance
   * undeployed would have taken the listener with it, leaving the others reading a store that no
   * longer learns of new or corrected prices). Call once per node, before the gateways.
   */
  public static Future<String> deployListener(Vertx vertx, Settings.PerformanceCacheSettings caching) {
    PerformancePrices prices = prices(vertx, caching);
    PerformanceAnswers answers = answers(vertx, caching);
    return vertx.deployVerticle(new Listener(prices, answers));
  }

  /** Applies every market update of the cluster to the node's price store and kept answers. */
  private static final class Listener extends io.vertx.core.VerticleBase {
    private final PerformancePrices prices;
    private final PerformanceAnswers answers;

    Listener(PerformancePrices prices, PerformanceAnswers answers) {
      this.prices = prices;
      this.answers = answers;
    }

    @Override
    public Future<?> start() {
      return vertx.eventBus().<MarketUpdate>consumer(Addresses.MARKET_UPDATES, message -> {
        prices.onMarketUpdate(message.body());
        answers.onMarketUpdate(message.body());
      }).completion();
    }
  }

  private static Timer step(MeterRegistry registry, String step, String what) {
    return Timer.builder("pstate.performance.step").tag("step", step)
        .description("Time of one step of a performance read: " + what).register(registry);
  }

  /**
   * Counts what the caches answered: {@code pstate.performance.cache} by kind (journal: nothing
   * appended since the kept version; states: the window's fold kept; prices: per instrument) and
   * result (hit, miss).
   */
  private void count(String kind, boolean hit, int n) {
    if (n > 0) {
      registry.counter("pstate.performance.cache", "kind", kind, "result", hit ? "hit" : "miss").increment(n);
    }
  }

  /**
   * Declares the route with its rule (read on the portfolio). The market updates that extend or
   * drop what the stores keep reach them through the node's listener ({@link #deployListener}).
   */
  void register(SecuredRoutes routes, AccessRule reader) {
    routes.get("/api/v1/portfolios/:id/performance", reader, this::performance);
    if (firstInstance && warmUp) {
      vertx.setTimer(WARM_UP_DELAY_MS, timer -> warmUp());
    }
  }

  /**
   * Runs {@link PerformanceWarmUp} on a worker, a round at a time (a node closing meanwhile stops
   * it between rounds): once per node, never on an event loop, and its failure only logged.
   */
  private void warmUp() {
    long began = System.nanoTime();
    Timer timer = Timer.builder("pstate.performance.warmup")
        .description("Time of each round of the synthetic performance read a node runs once it has started")
        .register(registry);
    long[] cpu = new long[1];
    Future<PerformanceWarmUp> book = vertx.executeBlocking(() -> {
      long cpuBefore = threadCpuNanos();
      PerformanceWarmUp made = new PerformanceWarmUp();
      cpu[0] += threadCpuNanos() - cpuBefore;
      return made;
    }, false);
    for (int round = 0; round < WARM_UP_ROUNDS; round++) {
      book = book.compose(made -> vertx.executeBlocking(() -> {
        long cpuBefore = threadCpuNanos();
        long started = System.nanoTime();
        made.round();
        timer.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
        cpu[0] += threadCpuNanos() - cpuBefore;
        return made;
      }, false));
    }
    Timer cpuTimer = Timer.builder("pstate.performance.warmup.cpu")
        .description("CPU time the warm-up took on its worker threads, all rounds and the synthetic book")
        .register(registry);
    book.onSuccess(done -> cpuTimer.record(cpu[0], java.util.concurrent.TimeUnit.NANOSECONDS));
    book.compose(done -> preloadPrices()).onFailure(failure -> LOG.warn("Performance price preload stopped: {}",
        failure.toString()));
    book.onSuccess(done -> LOG.info("Performance warm-up: {} rounds of a synthetic year ({} positions, {} trades) "
            + "in {} ms, {} ms of CPU", WARM_UP_ROUNDS, PerformanceWarmUp.POSITIONS, PerformanceWarmUp.TRADES,
            (System.nanoTime() - began) / 1_000_000, cpu[0] / 1_000_000))
        .onFailure(failure -> LOG.warn("Performance warm-up stopped: {}", failure.toString()));
  }

  /**
   * Keeps the last year of every priced instrument's history (from {@link #PRELOAD_DAYS} days
   * before today), as the first read of a 1-year window would: in a fresh node that read's price
   * statement over every instrument's year was its largest step, PostgreSQL's work. Instruments the
   * node already keeps from that day or earlier are left as they are; no more than the store's
   * bound is asked. One statement, parsed on a worker; a price published meanwhile is not kept.
   */
  Future<Void> preloadPrices() {
    if (!prices.keeps()) {
      return Future.succeededFuture();
    }
    long began = System.nanoTime();
    Instant start = LocalDate.now(clock.withZone(ZoneOffset.UTC)).minusDays(PRELOAD_DAYS).atStartOfDay()
        .toInstant(ZoneOffset.UTC);
    List<InstrumentId> ids = new ArrayList<>();
    for (io.portfoliostate.domain.valuation.Price latest : market.snapshot().market().prices()) {
      // A year of weekdays is about 261 prices an instrument: no more instruments than the bound holds.
      if ((long) (ids.size() + 1) * (PRELOAD_DAYS * 5 / 7 + 1) > prices.bound()) {
        break;
      }
      if (!prices.find(latest.instrumentId(), start, start).kept()) {
        ids.add(latest.instrumentId());
      }
    }
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    long epoch = prices.epoch();
    return history.prices(ids, start, PerformanceHistory.LATEST)
        .compose(texts -> vertx.executeBlocking(texts::series, false))
        .map(read -> {
          prices.keep(ids, read, start, epoch);
          LOG.info("Performance warm-up: the prices of {} instruments from {} kept in {} ms", ids.size(), start,
              (System.nanoTime() - began) / 1_000_000);
          return null;
        });
  }

  private static long threadCpuNanos() {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    return threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : 0;
  }

  /** The parameters of one request, checked. */
  private record Query(String period, LocalDate from, LocalDate to, InstrumentId benchmark, Double riskFree,
      GroupBy groupBy) {
  }

  void performance(RoutingContext ctx) {
    PortfolioId id = PortfolioHandlers.pathId(ctx);
    if (id == null) {
      return;
    }
    List<RequestReader.FieldError> errors = new ArrayList<>();
    Query query = query(ctx, errors);
    if (!errors.isEmpty()) {
      Problems.send(ctx, Problems.invalid(errors));
      return;
    }
    Future<Boolean> benchmarkKnown = query.benchmark() == null ? Future.succeededFuture(true)
        : history.known(query.benchmark());
    benchmarkKnown.compose(known -> {
      if (!known) {
        Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("benchmark",
            "is not a known instrument: no reference data and no price"))));
        return Future.succeededFuture();
      }
      return journal(id).compose(journal -> {
        if (journal == null) {
          Problems.send(ctx, Problems.portfolioNotFound(id));
          return Future.succeededFuture();
        }
        return catalog.settingsUpFrom(id).compose(chain -> answer(Reply.of(ctx), id, query, journal, chain));
      });
    }).onFailure(failure -> {
      if (!ctx.response().ended()) {
        LOG.warn("Performance of {} failed: {}", id, failure.toString());
        Problems.send(ctx, failure instanceof DomainViolation || failure instanceof IllegalArgumentException
            ? Problems.of(failure) : Problems.unavailable("the journal or the price history could not be read; "
                + "retry shortly"));
      }
    });
  }

  /**
   * The portfolio's journal, parsed: what the cache keeps plus the events appended since, read
   * from PostgreSQL every time (one probe of the primary key when nothing was appended); null
   * when the portfolio does not exist. One the node does not keep is read whole ({@link #firstRead}).
   */
  private Future<PerformanceCache.Journal> journal(PortfolioId id) {
    PerformanceCache.Journal kept = cache.journal(id);
    if (kept == null) {
      return firstRead(id);
    }
    long asked = System.nanoTime();
    return history.journalAfter(id, kept.version).compose(read -> {
      if (!read.isEmpty() && kept.text == null) {
        // Kept without its text (read from a stored prefix): read again, the prefix and what follows it.
        return firstRead(id, asked);
      }
      journalStep.record(System.nanoTime() - asked, java.util.concurrent.TimeUnit.NANOSECONDS);
      count("journal", read.isEmpty(), 1);
      if (read.isEmpty()) {
        return Future.succeededFuture(kept);
      }
      // The cache keeps the journal's text, not its events (PerformanceCache.Journal): what was
      // appended is parsed with the kept text, a few milliseconds for a year of events.
      PerformanceHistory.JournalText text = kept.text.append(read);
      long parsing = System.nanoTime();
      return parse(text).compose(parts -> {
        parseStep.record(System.nanoTime() - parsing, java.util.concurrent.TimeUnit.NANOSECONDS);
        return keepOnWorker(id, List.of(new Parsed(text, parts)));
      });
    });
  }

  /**
   * A journal the node does not keep, read whole. A long one ({@link #SPLIT_READ_EVENTS} events
   * or more: its last sequence number probed first) in two halves at once, two statements on two
   * connections, each half parsed on a worker as soon as it arrives: PostgreSQL reads and
   * aggregates each half's rows on its own backend, and the node parses the first half while the
   * second is still read (BENCHMARKS.md, "ninth pass"). The journal step ends when both halves'
   * rows have arrived; the parse step is what is left of the parsing then.
   */
  private Future<PerformanceCache.Journal> firstRead(PortfolioId id) {
    return firstRead(id, System.nanoTime());
  }

  /** @param asked when the read began, for the journal step */
  private Future<PerformanceCache.Journal> firstRead(PortfolioId id, long asked) {
    return history.prefixed(id).compose(prefixed -> {
      count("journal", false, 1);
      count("prefix", prefixed.prefix() != null, 1);
      if (prefixed.prefix() != null) {
        return fromPrefix(id, prefixed, asked);
      }
      long end = prefixed.end();
      if (end < SPLIT_READ_EVENTS) {
        return history.journalAfter(id, 0).compose(read -> {
          journalStep.record(System.nanoTime() - asked, java.util.concurrent.TimeUnit.NANOSECONDS);
          if (read.isEmpty()) {
            return Future.<PerformanceCache.Journal>succeededFuture(null);
          }
          long parsing = System.nanoTime();
          return parse(read).compose(parts -> {
            parseStep.record(System.nanoTime() - parsing, java.util.concurrent.TimeUnit.NANOSECONDS);
            return keepOnWorker(id, List.of(new Parsed(read, parts)));
          });
        });
      }
      long middle = end / 2;
      long[] lastArrived = new long[1];
      Future<Parsed> first = halfParsed(history.journalBetween(id, 0, middle), lastArrived);
      // To the journal's end as it is now, not as probed: what was appended meanwhile is read too.
      Future<Parsed> second = halfParsed(history.journalAfter(id, middle), lastArrived);
      return Future.all(first, second).compose(both -> {
        long done = System.nanoTime();
        journalStep.record(lastArrived[0] - asked, java.util.concurrent.TimeUnit.NANOSECONDS);
        parseStep.record(done - lastArrived[0], java.util.concurrent.TimeUnit.NANOSECONDS);
        return first.result().read().isEmpty() && second.result().read().isEmpty()
            ? Future.<PerformanceCache.Journal>succeededFuture(null)
            : keepOnWorker(id, List.of(first.result(), second.result()));
      });
    });
  }

  /**
   * A journal read as its stored prefix and the events after it (one statement: {@link
   * PerformanceHistory#prefixed}): the prefix, already in the kept form, parsed in two halves at
   * once and the events after it beside them; kept as if read from the journal (docs/performance.md,
   * "The journal's prefix").
   */
  private Future<PerformanceCache.Journal> fromPrefix(PortfolioId id, PerformanceHistory.Prefixed read, long asked) {
    long parsing = System.nanoTime();
    journalStep.record(parsing - asked, java.util.concurrent.TimeUnit.NANOSECONDS);
    Future<Parsed> prefix = parse(read.prefix()).map(parts -> new Parsed(read.prefix(), parts));
    Future<Parsed> tail = read.tail().isEmpty() ? Future.succeededFuture(null)
        : vertx.executeBlocking(() -> new Parsed(read.tail(), List.of(read.tail().part(0, 1))), false);
    return Future.all(prefix, tail).compose(both -> {
      parseStep.record(System.nanoTime() - parsing, java.util.concurrent.TimeUnit.NANOSECONDS);
      return keepOnWorker(id, tail.result() == null ? List.of(prefix.result())
          : List.of(prefix.result(), tail.result()), false);
    });
  }

  /** A journal's text read and its parts parsed ({@code parts} of {@code read}, in order). */
  private record Parsed(PerformanceHistory.JournalText read, List<PerformanceHistory.JournalText.Part> parts) {
  }

  /**
   * {@code half} parsed on a worker as soon as it arrives, in one go (a half is parsed beside the
   * other); the time it arrived kept in {@code lastArrived} when it is the later of the two (the
   * event loop of the request runs both callbacks).
   */
  private Future<Parsed> halfParsed(Future<PerformanceHistory.JournalText> half, long[] lastArrived) {
    return half.compose(read -> {
      lastArrived[0] = Math.max(lastArrived[0], System.nanoTime());
      return vertx.executeBlocking(() -> new Parsed(read, List.of(read.part(0, 1))), false);
    });
  }

  /**
   * The journal of {@code texts} (from its first event, in journal order, each with its parts
   * parsed). Kept in the cache without the trades' restated positions (half the text read, never
   * read by the fold: what the next young collection copies of this read, BENCHMARKS.md, "ninth
   * pass"), unless it has a gap.
   */
  private Future<PerformanceCache.Journal> keepOnWorker(PortfolioId id, List<Parsed> texts) {
    return keepOnWorker(id, texts, true);
  }

  /**
   * @param keepText false: the journal is kept without its text (one read from a stored prefix:
   *     when it moves, it is read again from the prefix, a row, instead of keeping a megabyte that
   *     every young collection copies; BENCHMARKS.md, "tenth pass")
   */
  private Future<PerformanceCache.Journal> keepOnWorker(PortfolioId id, List<Parsed> texts, boolean keepText) {
    // Not on the event loop: the kept text is a copy of about a megabyte (and the halves' join
    // another), a millisecond or two the loop's other requests would wait for.
    return vertx.executeBlocking(() -> keep(id, texts, keepText), false);
  }

  private PerformanceCache.Journal keep(PortfolioId id, List<Parsed> texts, boolean keepText) {
    List<PortfolioEvent> events = new ArrayList<>();
    PerformanceHistory.JournalText kept = null;
    for (Parsed parsed : texts) {
      parsed.parts().forEach(part -> events.addAll(part.events()));
      // Without the text, its sequence numbers only (what the version and the gap check read).
      PerformanceHistory.JournalText compact = keepText ? parsed.read().ofParts(parsed.parts())
          : new PerformanceHistory.JournalText("", parsed.read().seqs());
      kept = kept == null ? compact : kept.append(compact);
    }
    long version = kept.seqs()[kept.seqs().length - 1];
    // From the first event on: a kept text has no gap, so a gap is in what was read since.
    boolean whole = kept.contiguousAfter(0) == kept.size();
    PerformanceCache.Journal journal = new PerformanceCache.Journal(version, keepText ? kept : null, events);
    // A gap in the sequence numbers (a later event committed before an earlier one) is used for
    // this answer but not kept: the next read asks again from the kept version.
    return whole ? cache.keepJournal(id, journal) : journal;
  }

  /**
   * Parses the journal's text on workers: a long journal in two halves at once (JSON parsing was
   * a fifth of a year's read, and the node has more than one core), a short one in one go. The
   * parts in order, each with its events and where its trades' restated positions are.
   */
  private Future<List<PerformanceHistory.JournalText.Part>> parse(PerformanceHistory.JournalText read) {
    if (read.size() < PARALLEL_PARSE_EVENTS) {
      return vertx.executeBlocking(() -> List.of(read.part(0, 1)), false);
    }
    Future<PerformanceHistory.JournalText.Part> first = vertx.executeBlocking(() -> read.part(0, 2), false);
    Future<PerformanceHistory.JournalText.Part> second = vertx.executeBlocking(() -> read.part(1, 2), false);
    return Future.all(first, second).map(both -> List.of(first.result(), second.result()));
  }

  /**
   * The price series of {@code instruments} for the window: slices of what the node keeps, and
   * for the others one statement reading their history from the window's start on, parsed on a
   * worker, kept for the next windows, and cut at the window's end.
   */
  private Future<List<PriceHistory.Series>> prices(Set<InstrumentId> instruments, Instant start, Instant end) {
    List<PriceHistory.Series> found = new ArrayList<>(instruments.size());
    List<InstrumentId> missing = new ArrayList<>();
    for (InstrumentId instrument : instruments) {
      PerformancePrices.Found kept = prices.find(instrument, start, end);
      if (!kept.kept()) {
        missing.add(instrument);
      } else if (kept.series() != null) {
        found.add(kept.series());
      }
    }
    count("prices", true, instruments.size() - missing.size());
    count("prices", false, missing.size());
    if (missing.isEmpty()) {
      return Future.succeededFuture(found);
    }
    long epoch = prices.epoch();
    long endMicros = PerformancePrices.micros(end);
    // With nothing kept, the window's end is enough; else the rest of the history, for the next windows.
    return history.prices(missing, start, prices.keeps() ? PerformanceHistory.LATEST : end)
        .compose(texts -> vertx.executeBlocking(texts::series, false))
        .map(read -> {
          prices.keep(missing, read, start, epoch);
          for (PriceHistory.Series series : read) {
            PriceHistory.Series window = series.upTo(endMicros);
            if (window != null) {
              found.add(window);
            }
          }
          return found;
        });
  }

  /**
   * The window-independent part of the kept journal's fold: kept, or made on a worker (beside
   * the market data) and kept.
   */
  private Future<BusinessTime.Prepared> prepared(PerformanceCache.Journal kept) {
    List<PortfolioEvent> journal = kept.toPrepare();
    if (journal == null) {
      return Future.succeededFuture(kept.prepared);
    }
    return vertx.executeBlocking(() -> {
      long began = System.nanoTime();
      BusinessTime.Prepared made = BusinessTime.prepare(journal);
      folding.record(System.nanoTime() - began, java.util.concurrent.TimeUnit.NANOSECONDS);
      return made;
    }, false).map(made -> {
      kept.prepared(made);
      return made;
    });
  }

  /**
   * The fold of {@code dates} one day at a time, from {@code base} (the latest kept state at or
   * before the first date: a kept window's first or last day) or, when null, from the journal's
   * start.
   */
  static BusinessTime.Walk walk(BusinessTime.Prepared ready, PerformanceCache.Checkpoint base, List<LocalDate> dates) {
    List<Instant> times = dates.stream().map(PerformanceCalculator::endOf).toList();
    return base == null ? ready.walk(times) : ready.walkFrom(base.state(), PerformanceCalculator.endOf(base.date()), times);
  }

  /**
   * {@code walk}'s states handed to the valuation one day at a time, the time spent folding added
   * to {@code foldNanos[0]}.
   */
  static PerformanceCalculator.Days days(BusinessTime.Walk walk, long[] foldNanos) {
    return new PerformanceCalculator.Days() {
      @Override
      public PortfolioState next() {
        long began = System.nanoTime();
        PortfolioState state = walk.next();
        foldNanos[0] += System.nanoTime() - began;
        return state;
      }

      @Override
      public List<PositionKey> changed() {
        return walk.changed();
      }
    };
  }

  /** Keeps the first and last states {@code walk} made (all of {@code dates} walked) for later folds. */
  static void keepEnds(PerformanceCache cache, PerformanceCache.Journal kept, PerformanceCache.Window window,
      List<LocalDate> dates, BusinessTime.Walk walk) {
    if (!dates.isEmpty()) {
      cache.keepStates(kept, window, new PerformanceCache.Checkpoint(dates.get(0), walk.first()),
          new PerformanceCache.Checkpoint(dates.get(dates.size() - 1), walk.last()));
    }
  }

  /**
   * What {@code GET .../performance?period=&from=&to=} answers for {@code id} (its benchmark and
   * risk-free rate inherited), handed to {@code reply} without an HTTP request: the performance
   * export's rows are this answer's series. Completes with false, answering nothing, when the
   * portfolio does not exist.
   */
  Future<Boolean> report(PortfolioId id, String period, LocalDate from, LocalDate to, Reply reply) {
    Query query = new Query(period, from, to, null, null, null);
    return journal(id).compose(journal -> journal == null ? Future.succeededFuture(false)
        : catalog.settingsUpFrom(id).compose(chain -> answer(reply, id, query, journal, chain)).map(true));
  }

  private Future<Void> answer(Reply ctx, PortfolioId id, Query query, PerformanceCache.Journal kept,
      List<PortfolioCatalog.OwnSettings> chain) {
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    LocalDate to = query.to() != null ? query.to() : today;
    LocalDate from = query.from() != null ? query.from() : start(query.period(), to, kept.inception);
    if (from.isAfter(to)) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError(query.from() != null ? "from" : "to",
          "the window starts after it ends (" + from + " > " + to + ")"))));
      return Future.succeededFuture();
    }
    if (from.plusYears(MAX_YEARS).isBefore(to)) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("from",
          "the window is longer than " + MAX_YEARS + " years"))));
      return Future.succeededFuture();
    }
    InstrumentId benchmark = query.benchmark();
    if (benchmark == null) {
      String inherited = setting(chain, Setting.BENCHMARK_INSTRUMENT_ID);
      benchmark = inherited == null ? null : InstrumentId.of(inherited);
    }
    double riskFree = query.riskFree() != null ? query.riskFree()
        : Double.parseDouble(setting(chain, Setting.RISK_FREE_RATE));
    InstrumentId measuredAgainst = benchmark;

    List<LocalDate> dates = PerformanceCalculator.weekdays(from, to);
    Instant start = from.atStartOfDay().toInstant(ZoneOffset.UTC);
    Instant end = PerformanceCalculator.endOf(to);
    MarketNeeds needs = kept.needs;
    Set<InstrumentId> instruments = needs.instruments();
    Set<CurrencyCode> currencies = needs.currencies();
    if (measuredAgainst != null) {
      instruments.add(measuredAgainst);
    }
    List<Split> splits = needs.splits(instruments, market::actionsOf);
    CurrencyCode baseCurrency = needs.base();
    GroupBy groupBy = query.groupBy();
    PerformanceCache.Window window = new PerformanceCache.Window(from, to);
    PerformanceAnswers.Key key = new PerformanceAnswers.Key(id, kept.version, from, to, measuredAgainst, riskFree,
        groupBy == null ? GroupBy.INSTRUMENT : groupBy);
    Buffer answered = answers.find(key, splits);
    count("answer", answered != null, 1);
    if (answered != null) {
      ctx.json(200, answered);
      return Future.succeededFuture();
    }
    long[] asking = answers.begin();
    Set<CurrencyCode> involved = new HashSet<>(currencies);
    // The fold's window-independent part (journal only) is made on one worker while the prices
    // are read and parsed on another; the days are then folded and valued together, one at a time.
    Future<BusinessTime.Prepared> prepared = prepared(kept);
    long asked = System.nanoTime();
    Future<PriceHistory> marketData = prices(instruments, start, end).compose(series -> {
      Set<CurrencyCode> all = new HashSet<>(currencies);
      series.forEach(one -> all.addAll(one.currencies()));
      involved.addAll(all);
      return history.rates(all, start, end).map(rates -> {
        marketStep.record(System.nanoTime() - asked, java.util.concurrent.TimeUnit.NANOSECONDS);
        return PriceHistory.ofSeries(series, rates, splits);
      });
    });
    return Future.all(prepared, marketData).compose(both -> vertx.executeBlocking(() -> {
      long began = System.nanoTime();
      PerformanceCache.Checkpoint base = dates.isEmpty() ? null : kept.before(dates.get(0));
      count("states", base != null, 1);
      BusinessTime.Walk walk = walk(prepared.result(), base, dates);
      long[] foldNanos = {0};
      PerformanceReport report = PerformanceCalculator.compute(new PerformanceCalculator.Inputs(from, to, baseCurrency,
          dates, null, kept.flows, marketData.result(), market, measuredAgainst, riskFree, groupBy),
          days(walk, foldNanos));
      keepEnds(cache, kept, window, dates, walk);
      long computed = System.nanoTime();
      folding.record(foldNanos[0], java.util.concurrent.TimeUnit.NANOSECONDS);
      computing.record(computed - began - foldNanos[0], java.util.concurrent.TimeUnit.NANOSECONDS);
      // Encoded here, not on the event loop: a year's answer is tens of kilobytes of JSON.
      Buffer body = json(id, report).toBuffer();
      encodeStep.record(System.nanoTime() - computed, java.util.concurrent.TimeUnit.NANOSECONDS);
      return body;
    }, false)).map(body -> {
      answers.keep(key, new PerformanceAnswers.Needs(Set.copyOf(instruments), Set.copyOf(involved),
          PerformancePrices.micros(end), List.copyOf(splits)), body, asking);
      ctx.json(200, body);
      return null;
    });
  }

  /**
   * The first day of a period ending {@code to}: the day before the period begins, so that its
   * NAV is the start value and the period's first day has a return (MTD from the last day of the
   * previous month, 1Y from the same date a year earlier); ITD from the portfolio's first day.
   */
  private static LocalDate start(String period, LocalDate to, LocalDate inception) {
    return switch (period == null ? "ITD" : period) {
      case "MTD" -> to.withDayOfMonth(1).minusDays(1);
      case "QTD" -> to.with(IsoFields.DAY_OF_QUARTER, 1).minusDays(1);
      case "YTD" -> to.withDayOfYear(1).minusDays(1);
      case "1Y" -> to.minusYears(1);
      case "3Y" -> to.minusYears(3);
      default -> inception;
    };
  }

  private static String setting(List<PortfolioCatalog.OwnSettings> chain, Setting setting) {
    for (PortfolioCatalog.OwnSettings own : chain) {
      String value = own.settings().get(setting);
      if (value != null) {
        return value;
      }
    }
    return setting.defaultValue();
  }

  private static Query query(RoutingContext ctx, List<RequestReader.FieldError> errors) {
    String period = ctx.queryParams().get("period");
    if (period != null && !List.of("MTD", "QTD", "YTD", "1Y", "3Y", "ITD").contains(period)) {
      errors.add(new RequestReader.FieldError("period", "must be one of MTD, QTD, YTD, 1Y, 3Y, ITD"));
    }
    LocalDate from = HttpBodies.dateParam(ctx, "from", errors);
    LocalDate to = HttpBodies.dateParam(ctx, "to", errors);
    if (period != null && from != null) {
      errors.add(new RequestReader.FieldError("period", "give either period or from, not both"));
    }
    String benchmarkText = ctx.queryParams().get("benchmark");
    InstrumentId benchmark = null;
    if (benchmarkText != null) {
      if (Identifiers.isValid(benchmarkText)) {
        benchmark = InstrumentId.of(benchmarkText);
      } else {
        errors.add(new RequestReader.FieldError("benchmark", "must be 1-64 characters of A-Z a-z 0-9 . _ : -"));
      }
    }
    String riskFreeText = ctx.queryParams().get("riskFree");
    Double riskFree = null;
    if (riskFreeText != null) {
      try {
        riskFree = Decimals.parse(riskFreeText).doubleValue();
      } catch (IllegalArgumentException e) {
        errors.add(new RequestReader.FieldError("riskFree", "must be a finite decimal number (an annual rate, "
            + "0.03 for 3 %)"));
      }
    }
    String groupByText = ctx.queryParams().get("groupBy");
    GroupBy groupBy = null;
    if (groupByText != null) {
      try {
        groupBy = GroupBy.parse(groupByText);
      } catch (DomainViolation e) {
        errors.add(new RequestReader.FieldError("groupBy", e.reason()));
      }
    }
    return new Query(period, from, to, benchmark, riskFree, groupBy);
  }

  /** The answer: ratios as JSON numbers (null where none exists), NAVs and flows as decimal strings. */
  static JsonObject json(PortfolioId id, PerformanceReport report) {
    JsonArray series = new JsonArray();
    for (DailyPoint point : report.series()) {
      series.add(new JsonObject()
          .put("date", point.date().toString())
          .put("nav", Decimals.plain(point.nav()))
          .put("netFlow", Decimals.plain(point.netFlow()))
          .put("income", Decimals.plain(point.income()))
          .put("dailyReturn", point.dailyReturn())
          .put("cumulativeReturn", point.cumulativeReturn()));
    }
    JsonArray contributions = new JsonArray();
    for (Contribution contribution : report.contributions()) {
      contributions.add(new JsonObject()
          .put("key", contribution.key())
          .put("contribution", contribution.contribution())
          .put("return", contribution.lineReturn()));
    }
    return new JsonObject()
        .put("portfolioId", id.value())
        .put("from", report.from().toString())
        .put("to", report.to().toString())
        .put("baseCurrency", report.baseCurrency().value())
        .put("twr", report.twr())
        .put("mwr", report.mwr())
        .put("volatility", report.volatility())
        .put("maxDrawdown", report.maxDrawdown())
        .put("var95", report.var95() == null ? null : Decimals.plain(report.var95()))
        .put("sharpe", report.sharpe())
        .put("beta", report.beta())
        .put("benchmark", report.benchmark() == null ? null : report.benchmark().value())
        .put("benchmarkReturn", report.benchmarkReturn())
        .put("riskFree", report.riskFree())
        .put("complete", report.complete())
        .put("unvalued", new JsonArray(new ArrayList<>(report.unvalued())))
        .put("groupBy", report.groupBy().apiName())
        .put("contributions", contributions)
        .put("series", series);
  }
}
