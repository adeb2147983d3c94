package io.portfoliostate.gateway;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.performance.PriceHistory;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.protocol.MarketUpdate;
import io.vertx.core.shareddata.Shareable;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Each instrument's price history from some time on, kept as arrays for every gateway instance of
 * a node (docs/performance.md, Caching): a performance read of any window that starts at or after
 * the kept start is a slice of the arrays, not a query; the market updates the node already
 * receives append each new observation in place.
 *
 * <p>An entry of instrument I "from T" holds every price of I observed after T, and the last one
 * at or before T (a window starting at T may be valued at an older price), as PostgreSQL knew
 * them when they were read, plus every price the cluster published since. It stays right because:
 * <ul>
 *   <li>a published price observed after the entry's last one is appended: the entry still holds
 *       every price after T (the common case: today's close);
 *   <li>a published price observed at or before its last one (a back-dated price, a correction of
 *       a kept one) drops the entry: the next read reloads it;
 *   <li>a load that was in flight while a price of its instrument was published is used once but
 *       not kept (the read may or may not have seen it);
 *   <li>publications are not durable (a node cut off from the cluster misses them), so an entry is
 *       also trusted for a time to live only, counted from its load.
 * </ul>
 *
 * <p>Bounded by the number of prices over all entries, least recently used first out. Shared by
 * the node's gateway instances, so every method takes the object's lock; what a reader takes out
 * is a copy of a slice (appends write beyond every length a reader has seen, never inside it).
 */
final class PerformancePrices implements Shareable {

  /** How many recent updates are remembered for the loads in flight; an older load is not kept. */
  private static final int REMEMBERED_UPDATES = 1024;

  private final int maxPrices;
  private final long ttlNanos;
  private final LongSupplier nanos;
  private final LinkedHashMap<InstrumentId, Entry> entries = new LinkedHashMap<>(256, 0.75f, true);
  /** The instruments priced by each recent update, by the epoch the update made. */
  private final ArrayDeque<Touched> recent = new ArrayDeque<>();
  private long kept;
  /** Bumped by every market update that carries prices. */
  private long epoch;

  private record Touched(long epoch, Set<InstrumentId> instruments) {
  }

  /**
   * One instrument's prices from {@code fromMicros} on: the first {@code size} of the arrays, each
   * price as its digits and scale (a decimal in {@code wide} only when they are not a long), as
   * {@link PriceHistory.Series} keeps them: no object per kept price.
   */
  private static final class Entry {
    final long fromMicros;
    final long loadedAtNanos;
    long[] micros;
    long[] unscaled;
    byte[] scales;
    /** Null until a price whose digits are not a long is kept. */
    BigDecimal[] wide;
    CurrencyCode[] currencies;
    int size;

    Entry(long fromMicros, long loadedAtNanos, PriceHistory.Series series) {
      this.fromMicros = fromMicros;
      this.loadedAtNanos = loadedAtNanos;
      int n = series == null ? 0 : series.size();
      // Room for a few weeks of closes before the arrays grow.
      micros = new long[n + 16];
      unscaled = new long[n + 16];
      scales = new byte[n + 16];
      currencies = new CurrencyCode[n + 16];
      for (int i = 0; i < n; i++) {
        micros[i] = series.micros(i);
        unscaled[i] = series.unscaled(i);
        scales[i] = series.scale(i);
        currencies[i] = series.currency(i);
        if (series.wide(i) != null) {
          wide(i, series.wide(i));
        }
      }
      size = n;
    }

    private void wide(int i, BigDecimal price) {
      if (wide == null) {
        wide = new BigDecimal[micros.length];
      }
      wide[i] = price;
    }

    /** Appends in place: a reader's slice ends before {@code size}, so it never sees the write. */
    void append(long at, BigDecimal price, CurrencyCode currency) {
      if (size == micros.length) {
        int grown = size + Math.max(16, size / 2);
        micros = Arrays.copyOf(micros, grown);
        unscaled = Arrays.copyOf(unscaled, grown);
        scales = Arrays.copyOf(scales, grown);
        currencies = Arrays.copyOf(currencies, grown);
        wide = wide == null ? null : Arrays.copyOf(wide, grown);
      }
      long digits = PriceHistory.Series.unscaled(price);
      micros[size] = at;
      unscaled[size] = digits;
      scales[size] = digits == Long.MIN_VALUE ? 0 : (byte) price.scale();
      currencies[size] = currency;
      if (digits == Long.MIN_VALUE) {
        wide(size, price);
      }
      size++;
    }
  }

  /** What a lookup found: kept (with the window's series, null when the instrument has no price in it) or not. */
  record Found(boolean kept, PriceHistory.Series series) {
    static final Found MISSING = new Found(false, null);
  }

  /**
   * @param maxPrices how many prices are kept over all instruments; 0 keeps none
   * @param ttlSeconds how long an entry is trusted after its load without being reloaded
   */
  PerformancePrices(int maxPrices, long ttlSeconds, LongSupplier nanos) {
    this.maxPrices = maxPrices;
    this.ttlNanos = ttlSeconds * 1_000_000_000L;
    this.nanos = nanos;
  }

  /** Whether anything is kept at all (a bound of 0 keeps nothing). */
  boolean keeps() {
    return maxPrices > 0;
  }

  /** How many prices may be kept over all instruments. */
  int bound() {
    return maxPrices;
  }

  /** The epoch to hand back with a load's result to {@link #keep}. */
  synchronized long epoch() {
    return epoch;
  }

  /**
   * The series of {@code instrument} for the window [{@code from}, {@code to}] as the price
   * statement would read it (the last observation at or before {@code from}, then every one up to
   * {@code to}), when an entry kept from {@code from} or earlier has it.
   */
  Found find(InstrumentId instrument, Instant from, Instant to) {
    long start = micros(from);
    long end = micros(to);
    long[] times;
    long[] digits;
    byte[] scales;
    BigDecimal[] wide;
    CurrencyCode[] quoted;
    int size;
    synchronized (this) {
      Entry entry = entries.get(instrument);
      if (entry == null) {
        return Found.MISSING;
      }
      if (nanos.getAsLong() - entry.loadedAtNanos > ttlNanos) {
        entries.remove(instrument);
        kept -= entry.size;
        return Found.MISSING;
      }
      if (entry.fromMicros > start) {
        return Found.MISSING;
      }
      times = entry.micros;
      digits = entry.unscaled;
      scales = entry.scales;
      wide = entry.wide;
      quoted = entry.currencies;
      size = entry.size;
    }
    // The last observation at or before the window's start (or the first one, when none is).
    int first = Math.max(0, lastAtOrBefore(times, size, start));
    int last = lastAtOrBefore(times, size, end);
    if (last < first) {
      return new Found(true, null);
    }
    return new Found(true, new PriceHistory.Series(instrument, Arrays.copyOfRange(times, first, last + 1),
        Arrays.copyOfRange(digits, first, last + 1), Arrays.copyOfRange(scales, first, last + 1),
        wide == null ? null : Arrays.copyOfRange(wide, first, last + 1), Arrays.copyOfRange(quoted, first, last + 1)));
  }

  /** The index of the last time at or before {@code at} among the first {@code size}, -1 when none. */
  private static int lastAtOrBefore(long[] times, int size, long at) {
    int found = Arrays.binarySearch(times, 0, size, at);
    return found >= 0 ? found : -found - 2;
  }

  /**
   * Keeps what a load read for {@code instruments} from {@code from} on (every price after it and
   * the last at or before it; an instrument without a series had none), unless a price of that
   * instrument was published since the load began ({@code began}, from {@link #epoch}).
   */
  synchronized void keep(Collection<InstrumentId> instruments, List<PriceHistory.Series> read, Instant from,
      long began) {
    if (maxPrices == 0) {
      return;
    }
    Set<InstrumentId> changed = touchedSince(began);
    Map<InstrumentId, PriceHistory.Series> byInstrument = new HashMap<>();
    read.forEach(series -> byInstrument.put(series.instrumentId(), series));
    long now = nanos.getAsLong();
    long start = micros(from);
    for (InstrumentId instrument : instruments) {
      if (changed == null || changed.contains(instrument)) {
        continue;
      }
      PriceHistory.Series series = byInstrument.get(instrument);
      if (series != null && series.size() > maxPrices) {
        continue;
      }
      Entry old = entries.put(instrument, new Entry(start, now, series));
      kept += (series == null ? 0 : series.size()) - (old == null ? 0 : old.size);
    }
    evict();
  }

  /** The instruments priced since epoch {@code began}; null when that is older than what is remembered. */
  private Set<InstrumentId> touchedSince(long began) {
    if (began == epoch) {
      return Set.of();
    }
    if (recent.isEmpty() || recent.peekFirst().epoch() > began + 1) {
      return null;
    }
    Set<InstrumentId> touched = new HashSet<>();
    for (Touched update : recent) {
      if (update.epoch() > began) {
        touched.addAll(update.instruments());
      }
    }
    return touched;
  }

  private void evict() {
    for (Iterator<Entry> it = entries.values().iterator(); kept > maxPrices && it.hasNext(); ) {
      kept -= it.next().size;
      it.remove();
    }
  }

  /**
   * Applies the prices of a committed update: appended to an entry when observed after its last
   * price, else the entry is dropped (a back-dated price or a correction).
   */
  synchronized void onMarketUpdate(MarketUpdate update) {
    if (update.prices().isEmpty()) {
      return;
    }
    epoch++;
    Set<InstrumentId> touched = new HashSet<>();
    for (Price price : update.prices()) {
      InstrumentId instrument = price.instrumentId();
      touched.add(instrument);
      Entry entry = entries.get(instrument);
      if (entry == null) {
        continue;
      }
      long at = micros(price.at());
      // A time finer than PostgreSQL's microseconds would be rounded by it: not appended as is.
      boolean exact = price.at().getNano() % 1_000 == 0;
      if (exact && (entry.size == 0 || at > entry.micros[entry.size - 1])) {
        entry.append(at, price.price(), price.currency());
        kept++;
      } else {
        entries.remove(instrument);
        kept -= entry.size;
      }
    }
    recent.addLast(new Touched(epoch, touched));
    if (recent.size() > REMEMBERED_UPDATES) {
      recent.removeFirst();
    }
    evict();
  }

  /** How many instruments are kept (for tests). */
  synchronized int keptInstruments() {
    return entries.size();
  }

  /** How many prices are kept over all instruments (for tests and the gauge). */
  synchronized long keptPrices() {
    return kept;
  }

  static long micros(Instant time) {
    return Math.multiplyExact(time.getEpochSecond(), 1_000_000L) + time.getNano() / 1_000;
  }
}
