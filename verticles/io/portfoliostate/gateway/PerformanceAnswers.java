package io.portfoliostate.gateway;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.Split;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.domain.valuation.GroupBy;
import io.portfoliostate.protocol.MarketUpdate;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.shareddata.Shareable;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Finished performance answers, encoded, kept per node (docs/performance.md, Caching): a read
 * that asks what was answered before — the same portfolio at the same journal version, window,
 * benchmark, risk-free rate and grouping — is answered with the same bytes, without valuation.
 *
 * <p>An answer depends on more than its key: the prices of its instruments and the FX rates
 * between its currencies observed up to the window's end, those instruments' reference data (the
 * groups), the splits the node knows for them, and the journal (its version is in the key: every
 * correction is an appended event). It stays right because:
 * <ul>
 *   <li>every market update the node receives (the cluster's market-update address, which the
 *       writing node hears too) drops the answers it could change: a price of one of their
 *       instruments, or a rate between two of their currencies, observed at or before their
 *       window's end (a close after it changes nothing), or new reference data of one of their
 *       instruments;
 *   <li>the splits are compared on every read (the node's corporate actions are not in the
 *       updates);
 *   <li>an answer computed while an update arrived is checked against the updates since its
 *       computation began before it is kept (not kept when they are no longer remembered);
 *   <li>publications are not durable (a node cut off from the cluster misses them), so an answer
 *       is trusted for a time to live only, counted from the start of its computation: the
 *       same bound as the node's kept prices.
 * </ul>
 *
 * <p>Bounded by the bytes of the answers over all portfolios, least recently used first out; an
 * answer made at a journal version replaces those of the portfolio's older versions. Shared by
 * the node's gateway instances, so every method takes the object's lock (never around a
 * computation: the answers are made outside it).
 */
final class PerformanceAnswers implements Shareable {

  /** How many recent market updates are remembered for the answers being computed. */
  private static final int REMEMBERED_UPDATES = 256;

  /** What an answer is asked by: everything of the request that changes it, resolved (defaults applied). */
  record Key(PortfolioId id, long version, LocalDate from, LocalDate to, InstrumentId benchmark, double riskFree,
      GroupBy groupBy) {
  }

  /**
   * What an answer was made from besides its key.
   *
   * @param instruments the portfolio's instruments and the benchmark
   * @param currencies the base currency, the currencies of its cash and trades, and those its
   *     prices are quoted in: every rate between two of them may be read
   * @param endMicros the end of the window's last day, epoch microseconds: later observations
   *     do not change it
   * @param splits the splits it was made with (the journal's and the node's for its instruments)
   */
  record Needs(Set<InstrumentId> instruments, Set<CurrencyCode> currencies, long endMicros, List<Split> splits) {

    /** Whether {@code update} could change an answer made from these. */
    boolean changedBy(MarketUpdate update) {
      for (Price price : update.prices()) {
        if (instruments.contains(price.instrumentId()) && PerformancePrices.micros(price.at()) <= endMicros) {
          return true;
        }
      }
      for (FxRate rate : update.rates()) {
        if (currencies.contains(rate.base()) && currencies.contains(rate.quote())
            && PerformancePrices.micros(rate.at()) <= endMicros) {
          return true;
        }
      }
      for (Instrument instrument : update.instruments()) {
        if (instruments.contains(instrument.id())) {
          return true;
        }
      }
      return false;
    }
  }

  private record Kept(Buffer body, Needs needs, long madeAtNanos) {
  }

  private record Update(long epoch, MarketUpdate update) {
  }

  private final long maxBytes;
  private final long ttlNanos;
  private final LongSupplier nanos;
  private final LinkedHashMap<Key, Kept> answers = new LinkedHashMap<>(64, 0.75f, true);
  private final ArrayDeque<Update> recent = new ArrayDeque<>();
  private long bytes;
  /** Bumped by every market update. */
  private long epoch;

  /**
   * @param maxBytes how many bytes of answers are kept over all portfolios; 0 keeps none
   * @param ttlSeconds how long an answer is trusted after its computation began
   */
  PerformanceAnswers(long maxBytes, long ttlSeconds, LongSupplier nanos) {
    this.maxBytes = maxBytes;
    this.ttlNanos = ttlSeconds * 1_000_000_000L;
    this.nanos = nanos;
  }


  /** What the computation of an answer started now hands back to {@link #keep}. */
  synchronized long[] begin() {
    return new long[] {epoch, nanos.getAsLong()};
  }

  /** The kept answer of {@code key} when it was made with {@code splits} and is still trusted; else null. */
  synchronized Buffer find(Key key, List<Split> splits) {
    Kept kept = answers.get(key);
    if (kept == null) {
      return null;
    }
    if (nanos.getAsLong() - kept.madeAtNanos() > ttlNanos || !kept.needs().splits().equals(splits)) {
      drop(key);
      return null;
    }
    return kept.body();
  }

  /**
   * Keeps {@code body} as the answer of {@code key}, made from {@code needs} by a computation
   * that began at {@code began} ({@link #begin}), unless an update since then could have changed
   * it (or is no longer remembered).
   */
  synchronized void keep(Key key, Needs needs, Buffer body, long[] began) {
    if (maxBytes == 0 || body.length() > maxBytes || changedSince(began[0], needs)) {
      return;
    }
    for (Iterator<Map.Entry<Key, Kept>> it = answers.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Key, Kept> other = it.next();
      // An answer of an older version of the journal is never asked again: every read probes the version.
      if (other.getKey().id().equals(key.id()) && other.getKey().version() < key.version()) {
        bytes -= other.getValue().body().length();
        it.remove();
      }
    }
    Kept old = answers.put(key, new Kept(body, needs, began[1]));
    bytes += body.length() - (old == null ? 0 : old.body().length());
    for (Iterator<Kept> it = answers.values().iterator(); bytes > maxBytes && it.hasNext(); ) {
      bytes -= it.next().body().length();
      it.remove();
    }
  }

  private boolean changedSince(long began, Needs needs) {
    if (began == epoch) {
      return false;
    }
    if (recent.isEmpty() || recent.peekFirst().epoch() > began + 1) {
      return true;
    }
    for (Update update : recent) {
      if (update.epoch() > began && needs.changedBy(update.update())) {
        return true;
      }
    }
    return false;
  }

  /** Drops the answers {@code update} could change. */
  synchronized void onMarketUpdate(MarketUpdate update) {
    epoch++;
    recent.addLast(new Update(epoch, update));
    if (recent.size() > REMEMBERED_UPDATES) {
      recent.removeFirst();
    }
    for (Iterator<Kept> it = answers.values().iterator(); it.hasNext(); ) {
      Kept kept = it.next();
      if (kept.needs().changedBy(update)) {
        bytes -= kept.body().length();
        it.remove();
      }
    }
  }

  private void drop(Key key) {
    Kept kept = answers.remove(key);
    if (kept != null) {
      bytes -= kept.body().length();
    }
  }

  /** How many answers are kept (for tests). */
  synchronized int keptAnswers() {
    return answers.size();
  }

  /** How many bytes of answers are kept (for tests and the gauge). */
  synchronized long keptBytes() {
    return bytes;
  }
}
