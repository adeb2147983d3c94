package io.portfoliostate.persistence;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.performance.PriceHistory;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.protocol.FoldingEvents;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a performance read needs from PostgreSQL, in a few statements whatever the window's
 * length: a portfolio's whole journal, and the prices and FX rates of a window for the
 * instruments and currencies involved — every observation inside it plus the last one before
 * it (the price a window's first day is valued at may be older than the window). Both are
 * ranges of the tables' primary keys ({@code (instrument_id, at)}, {@code (base, quote, at)}),
 * so no index is added for them.
 */
public final class PerformanceHistory {

  /** One event's line of the journal text: {@code type TAB payload} (the payload is {@code json}: its text as stored). */
  public static final String JOURNAL_LINE = "type || E'\\t' || payload::text";

  /**
   * The events as ONE text ({@code type TAB payload} per line, in journal order) and one array of
   * sequence numbers: one row for the client to decode on the event loop, not one per event (a
   * json payload as the journal's writer encodes it has no raw tab or line feed: JSON escapes them
   * inside strings). Parsed by {@link JournalText#events(int, int)} on the caller's workers.
   *
   * <p>Measured and left as it is (BENCHMARKS.md, "sixth pass"): aggregating a subquery already
   * in the index's order instead of ordering the aggregates (PostgreSQL 14 sorts the lines again
   * for them) took PostgreSQL longer, 31 against 19–25 ms for the benchmark's journal; and cutting
   * the trades' restated positions out of the text in SQL (half its characters, which the fold
   * never reads: {@link FoldingEvents} skips them) cost more in string functions than the shorter
   * text saved, 42–45 ms.
   */
  public static final String JOURNAL =
      "SELECT string_agg(" + JOURNAL_LINE + ", E'\\n' ORDER BY seq) AS events, "
          + "array_agg(seq ORDER BY seq) AS seqs FROM portfolio_events WHERE portfolio_id = $1 AND seq > $2";
  /** {@link #JOURNAL} up to a sequence number: the first half of a journal read in two. */
  public static final String JOURNAL_UP_TO =
      "SELECT string_agg(" + JOURNAL_LINE + ", E'\\n' ORDER BY seq) AS events, "
          + "array_agg(seq ORDER BY seq) AS seqs FROM portfolio_events WHERE portfolio_id = $1 AND seq > $2 "
          + "AND seq <= $3";
  /** The last sequence number of a portfolio's journal: one backward probe of the primary key. */
  private static final String JOURNAL_END = "SELECT max(seq) FROM portfolio_events WHERE portfolio_id = $1";

  /**
   * The kept form of the journal's text that {@code journal_text_prefix} rows hold (V20): lines of
   * {@link #JOURNAL_LINE}, each trade's restated positions an empty object ({@link
   * JournalText#ofParts}). A row of another form is ignored by reads and replaced by the job.
   */
  public static final int PREFIX_FORM = 1;

  /**
   * A first read in one statement, one snapshot: the journal's last sequence number, its stored
   * prefix (V20) of {@link #PREFIX_FORM} if any, and, when there is one, the events after it.
   * Without a prefix the events are not read here (the caller reads the journal as it would have).
   */
  public static final String PREFIXED =
      "SELECT e.last, x.through_seq, x.text, t.events, t.seqs "
          + "FROM (SELECT max(seq) AS last FROM portfolio_events WHERE portfolio_id = $1) e "
          + "LEFT JOIN journal_text_prefix x ON x.portfolio_id = $1 AND x.form = $2 "
          + "LEFT JOIN LATERAL (SELECT string_agg(" + JOURNAL_LINE + ", E'\\n' ORDER BY seq) AS events, "
          + "array_agg(seq ORDER BY seq) AS seqs FROM portfolio_events "
          + "WHERE portfolio_id = $1 AND seq > x.through_seq) t ON true";
  /**
   * Per instrument, one backward probe of the primary key for the last observation at or before
   * the window, then one forward range scan from it to the window's end, folded into one text
   * per instrument ({@code micros price currency,...} in time order). A year of 500 instruments
   * is then 500 rows instead of 130,000: the client decodes them on the event loop, and the
   * parsing of the texts is left to the caller's worker.
   */
  private static final String PRICES =
      "SELECT u.i AS instrument_id, p.points, p.currencies FROM UNNEST($1::text[]) AS u(i) "
          + "CROSS JOIN LATERAL (SELECT coalesce((SELECT at FROM prices WHERE instrument_id = u.i AND at <= $2 "
          + "ORDER BY at DESC LIMIT 1), $2) AS since) s "
          + "CROSS JOIN LATERAL (SELECT string_agg(((extract(epoch FROM at) * 1000000)::bigint)::text || ' ' "
          + "|| price::text || ' ' || currency, ',' ORDER BY at) AS points, string_agg(DISTINCT currency, ' ') "
          + "AS currencies FROM prices "
          + "WHERE instrument_id = u.i AND at >= s.since AND at <= $3) p WHERE p.points IS NOT NULL";
  private static final String RATES =
      "SELECT base, quote, at, rate::text AS rate FROM fx_rates "
          + "WHERE base = ANY($1::text[]) AND quote = ANY($1::text[]) AND at > $2 AND at <= $3 "
          + "UNION ALL SELECT r.base, r.quote, r.at, r.rate::text FROM UNNEST($1::text[]) AS b(c) "
          + "CROSS JOIN UNNEST($1::text[]) AS q(c) CROSS JOIN LATERAL (SELECT base, quote, at, rate FROM fx_rates "
          + "WHERE base = b.c AND quote = q.c AND at <= $2 ORDER BY at DESC LIMIT 1) r WHERE b.c <> q.c";
  private static final String KNOWN =
      "SELECT EXISTS (SELECT 1 FROM instruments WHERE id = $1) OR EXISTS (SELECT 1 FROM prices WHERE instrument_id = $1)";

  /**
   * A window end after any observation: {@link #prices} up to it reads an instrument's whole
   * history from a time on (what a reader that keeps it and appends what it is told asks).
   */
  public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

  private final Pool pool;

  private PerformanceHistory(Pool pool) {
    this.pool = pool;
  }

  /** Reads through {@code pool}. */
  public static PerformanceHistory on(Pool pool) {
    return new PerformanceHistory(pool);
  }

  /** Reads through the same pool as {@code market}: the read pool of the node. */
  public static PerformanceHistory sharing(MarketDataStore market) {
    return new PerformanceHistory(market.pool());
  }

  /**
   * A portfolio's journal as read: one text of {@code type TAB payload} lines in journal order
   * and the sequence number of each, parsed in parts on demand (off the event loop).
   */
  public record JournalText(String text, long[] seqs) {

    /** No event. */
    public static final JournalText EMPTY = new JournalText("", new long[0]);

    /** The text of events 1..{@code through} without a gap: a stored prefix. */
    public static JournalText through(String text, long through) {
      long[] seqs = new long[Math.toIntExact(through)];
      for (int i = 0; i < seqs.length; i++) {
        seqs[i] = i + 1;
      }
      return new JournalText(text, seqs);
    }

    /** Its first {@code n} events (lines): what of a read is contiguous, for a prefix. */
    public JournalText head(int n) {
      if (n >= seqs.length) {
        return this;
      }
      if (n == 0) {
        return EMPTY;
      }
      int end = -1;
      for (int i = 0; i < n; i++) {
        end = text.indexOf('\n', end + 1);
      }
      return new JournalText(text.substring(0, end), Arrays.copyOf(seqs, n));
    }

    /** The text of a journal of {@code types} and {@code payloads} (what the statement makes of the table's rows). */
    public static JournalText of(List<String> types, List<String> payloads, long[] seqs) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < types.size(); i++) {
        text.append(i == 0 ? "" : "\n").append(types.get(i)).append('\t').append(payloads.get(i));
      }
      return new JournalText(text.toString(), seqs);
    }

    public boolean isEmpty() {
      return seqs.length == 0;
    }

    /** This journal followed by {@code more} (what was read after it): one text, one array. */
    public JournalText append(JournalText more) {
      if (more.isEmpty()) {
        return this;
      }
      if (isEmpty()) {
        return more;
      }
      long[] both = Arrays.copyOf(seqs, seqs.length + more.seqs.length);
      System.arraycopy(more.seqs, 0, both, seqs.length, more.seqs.length);
      return new JournalText(text + "\n" + more.text, both);
    }

    /** How many events were read. */
    public int size() {
      return seqs.length;
    }

    /**
     * The events of part {@code part} of {@code parts} (the lines starting in that share of the
     * text's characters), in journal order: the parts of a long journal parse at once on several
     * workers, and their lists concatenated in order are the journal. Read for a business-time
     * fold ({@link FoldingEvents}): a trade's restated positions are not read.
     */
    public List<PortfolioEvent> events(int part, int parts) {
      return part(part, parts).events();
    }

    /**
     * Part {@code part} of {@code parts} as {@link #events(int, int)} reads it, and where its
     * trades' restated positions are in the text: what {@link #ofParts} cuts for a reader that
     * keeps the text.
     */
    public Part part(int part, int parts) {
      int length = text.length();
      int from = lineStartAtOrAfter((int) ((long) length * part / parts));
      int to = part == parts - 1 ? length : lineStartAtOrAfter((int) ((long) length * (part + 1) / parts));
      List<PortfolioEvent> events = new ArrayList<>(seqs.length / parts + 1);
      FoldingEvents reader = new FoldingEvents();
      int[] restated = new int[16];
      int cuts = 0;
      int start = from;
      while (start < to) {
        int end = text.indexOf('\n', start);
        end = end < 0 ? length : end;
        events.add(reader.event(text, start, text.indexOf('\t', start), end));
        if (reader.restatedFrom() >= 0) {
          if (cuts + 2 > restated.length) {
            restated = Arrays.copyOf(restated, restated.length * 2);
          }
          restated[cuts++] = reader.restatedFrom();
          restated[cuts++] = reader.restatedTo();
        }
        start = end + 1;
      }
      return new Part(events, Arrays.copyOf(restated, cuts));
    }

    /**
     * This journal without its trades' restated positions, each an empty object (the same events
     * read from it, in about half the characters of a large journal), from {@code parts}: every
     * part of this text, in order, as {@link #part} gave them.
     */
    public JournalText ofParts(List<Part> parts) {
      int cut = 0;
      for (Part part : parts) {
        for (int i = 0; i < part.restated().length; i += 2) {
          cut += part.restated()[i + 1] - part.restated()[i] - 2;
        }
      }
      if (cut == 0) {
        return this;
      }
      // One builder of the exact length, copied a run of characters at a time: the kept text
      // costs its own size twice in allocation (builder, string), not the text read's.
      StringBuilder kept = new StringBuilder(text.length() - cut);
      int copied = 0;
      for (Part part : parts) {
        int[] restated = part.restated();
        for (int i = 0; i < restated.length; i += 2) {
          kept.append(text, copied, restated[i]).append("{}");
          copied = restated[i + 1];
        }
      }
      kept.append(text, copied, text.length());
      return new JournalText(kept.toString(), seqs);
    }

    /**
     * One part of a journal's text read: its events, and where its trades' restated positions
     * are ({@code [from, to)} pairs of the text's indexes, each a JSON object, in order).
     */
    public record Part(List<PortfolioEvent> events, int[] restated) {
    }

    /** The start of the first line at or after {@code at} (the text's length when none). */
    private int lineStartAtOrAfter(int at) {
      if (at == 0) {
        return 0;
      }
      int newline = text.indexOf('\n', at - 1);
      return newline < 0 ? text.length() : newline + 1;
    }

    /**
     * How many events from the first follow each other without a gap from {@code after} + 1: a
     * reader that keeps what it read trusts no more than those (a later sequence number committed
     * before an earlier one would otherwise hide the earlier for ever).
     */
    public int contiguousAfter(long after) {
      int n = 0;
      while (n < seqs.length && seqs[n] == after + n + 1) {
        n++;
      }
      return n;
    }
  }

  /** Every event of the portfolio in journal order, unparsed; empty when it does not exist. */
  public Future<JournalText> journal(PortfolioId id) {
    return journalAfter(id, 0);
  }

  /**
   * The events of the portfolio after sequence number {@code after}, in journal order, unparsed:
   * what a reader that keeps the journal asks to learn what was appended since (a correction —
   * cancel, amendment, back-dated trade — is an appended event too).
   */
  public Future<JournalText> journalAfter(PortfolioId id, long after) {
    return pool.preparedQuery(JOURNAL).execute(Tuple.of(id.value(), after)).map(PerformanceHistory::journalText);
  }

  /** The last sequence number of the portfolio's journal; 0 when it has none (or does not exist). */
  public Future<Long> journalEnd(PortfolioId id) {
    return pool.preparedQuery(JOURNAL_END).execute(Tuple.of(id.value())).map(rows -> {
      Long end = rows.iterator().next().getLong(0);
      return end == null ? 0L : end;
    });
  }

  /**
   * The events of the portfolio after {@code after} up to {@code upTo} (both sequence numbers), in
   * journal order, unparsed: a part of the journal, read at once with the others (each statement
   * reads only its own rows' pages).
   */
  public Future<JournalText> journalBetween(PortfolioId id, long after, long upTo) {
    return pool.preparedQuery(JOURNAL_UP_TO).execute(Tuple.of(id.value(), after, upTo))
        .map(PerformanceHistory::journalText);
  }

  /**
   * A first read as {@link #PREFIXED} answers it: the journal's last sequence number then (0: no
   * event), its stored prefix (null when none), and the events after the prefix (empty when
   * there is no prefix: not read).
   */
  public record Prefixed(long end, JournalText prefix, JournalText tail) {
  }

  /** {@link #PREFIXED} for {@code id}: one statement, the prefix's text decoded once from its UTF-8. */
  public Future<Prefixed> prefixed(PortfolioId id) {
    return pool.preparedQuery(PREFIXED).execute(Tuple.of(id.value(), PREFIX_FORM)).map(rows -> {
      Row row = rows.iterator().next();
      Long end = row.getLong(0);
      Long through = row.getLong(1);
      if (through == null) {
        return new Prefixed(end == null ? 0 : end, null, JournalText.EMPTY);
      }
      JournalText prefix = JournalText.through(row.getBuffer(2).toString(StandardCharsets.UTF_8), through);
      return new Prefixed(end, prefix, journalText(row, 3));
    });
  }

  private static JournalText journalText(RowSet<Row> rows) {
    return journalText(rows.iterator().next(), 0);
  }

  /** The events text and sequence numbers in columns {@code column} and the next. */
  private static JournalText journalText(Row row, int column) {
    String text = row.getString(column);
    if (text == null) {
      return JournalText.EMPTY;
    }
    Long[] seqs = row.getArrayOfLongs(column + 1);
    long[] numbers = new long[seqs.length];
    for (int i = 0; i < seqs.length; i++) {
      numbers[i] = seqs[i];
    }
    return new JournalText(text, numbers);
  }

  /** The prices of a window as read: one text per instrument, parsed on demand (off the event loop). */
  public record PriceTexts(List<String> instruments, List<String> points, List<String> quotedIn) {

    /** The rows of a prices statement: instrument id, price text, quote currency. */
    public static PriceTexts of(RowSet<Row> rows) {
      List<String> names = new ArrayList<>(rows.size());
      List<String> points = new ArrayList<>(rows.size());
      List<String> quotedIn = new ArrayList<>(rows.size());
      for (Row row : rows) {
        names.add(row.getString(0));
        points.add(row.getString(1));
        quotedIn.add(row.getString(2));
      }
      return new PriceTexts(names, points, quotedIn);
    }

    /** Every price, grouped by instrument and in time order within each. */
    public List<Price> prices() {
      List<Price> prices = new ArrayList<>();
      for (int i = 0; i < instruments.size(); i++) {
        InstrumentId instrument = InstrumentId.of(instruments.get(i));
        CurrencyCode currency = null;
        for (String point : points.get(i).split(",")) {
          int first = point.indexOf(' ');
          int second = point.indexOf(' ', first + 1);
          long micros = Long.parseLong(point, 0, first, 10);
          String code = point.substring(second + 1);
          // One instrument is quoted in one currency almost always: one object for all its prices.
          currency = currency != null && currency.value().equals(code) ? currency : CurrencyCode.of(code);
          prices.add(new Price(instrument, new BigDecimal(point.substring(first + 1, second)), currency,
              Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L)));
        }
      }
      return prices;
    }

    /**
     * Every instrument's prices as a {@link PriceHistory.Series}: parsed straight into arrays (no
     * {@link Price} or {@link Instant} per observation), in time order as the statement sorts them.
     */
    public List<PriceHistory.Series> series() {
      List<PriceHistory.Series> series = new ArrayList<>(instruments.size());
      for (int i = 0; i < instruments.size(); i++) {
        series.add(parse(InstrumentId.of(instruments.get(i)), points.get(i)));
      }
      return series;
    }

    /**
     * {@code micros price currency,...}: one scan of the text, two longs and a byte per point (the
     * price's digits and scale, read off its text: a decimal only for one of more than 18 digits).
     */
    static PriceHistory.Series parse(InstrumentId instrument, String text) {
      int capacity = 1;
      for (int i = 0; i < text.length(); i++) {
        if (text.charAt(i) == ',') {
          capacity++;
        }
      }
      long[] micros = new long[capacity];
      long[] digits = new long[capacity];
      byte[] scales = new byte[capacity];
      BigDecimal[] wide = null;
      CurrencyCode[] currencies = new CurrencyCode[capacity];
      CurrencyCode currency = null;
      int n = 0;
      int start = 0;
      while (start < text.length()) {
        int end = text.indexOf(',', start);
        end = end < 0 ? text.length() : end;
        int first = text.indexOf(' ', start);
        int second = text.indexOf(' ', first + 1);
        long time = Long.parseLong(text, start, first, 10);
        // One instrument is quoted in one currency almost always: one object for all its prices.
        if (currency == null || !text.regionMatches(second + 1, currency.value(), 0, end - second - 1)
            || currency.value().length() != end - second - 1) {
          currency = CurrencyCode.of(text.substring(second + 1, end));
        }
        // Equal times cannot come from the primary key; kept as the later, like Series.of, all the same.
        if (n > 0 && micros[n - 1] == time) {
          n--;
        }
        micros[n] = time;
        long unscaled = plainDigits(text, first + 1, second);
        if (unscaled == Long.MIN_VALUE) {
          BigDecimal price = new BigDecimal(text.substring(first + 1, second));
          unscaled = PriceHistory.Series.unscaled(price);
          if (unscaled == Long.MIN_VALUE) {
            wide = wide == null ? new BigDecimal[capacity] : wide;
            wide[n] = price;
          } else {
            scales[n] = (byte) price.scale();
          }
        } else {
          int point = text.indexOf('.', first + 1);
          scales[n] = (byte) (point < 0 || point > second ? 0 : second - point - 1);
        }
        digits[n] = unscaled;
        currencies[n] = currency;
        n++;
        start = end + 1;
      }
      boolean full = n == capacity;
      return new PriceHistory.Series(instrument, full ? micros : Arrays.copyOf(micros, n),
          full ? digits : Arrays.copyOf(digits, n), full ? scales : Arrays.copyOf(scales, n),
          wide == null || full ? wide : Arrays.copyOf(wide, n), full ? currencies : Arrays.copyOf(currencies, n));
    }

    /**
     * The unscaled value of the plain decimal {@code text[from, to)} ({@code 123.45} is 12345):
     * what {@code new BigDecimal(text).unscaledValue()} is, its scale the digits after the point.
     * {@link Long#MIN_VALUE} for anything else — a sign, an exponent, more than 18 digits or more
     * than 18 after the point — which the caller reads as a decimal.
     */
    static long plainDigits(String text, int from, int to) {
      long value = 0;
      int digits = 0;
      int afterPoint = -1;
      for (int i = from; i < to; i++) {
        char c = text.charAt(i);
        if (c >= '0' && c <= '9') {
          value = value * 10 + (c - '0');
          if (++digits > 18) {
            return Long.MIN_VALUE;
          }
          if (afterPoint >= 0) {
            afterPoint++;
          }
        } else if (c == '.' && afterPoint < 0) {
          afterPoint = 0;
        } else {
          return Long.MIN_VALUE;
        }
      }
      return digits == 0 || afterPoint == 0 ? Long.MIN_VALUE : value;
    }

    /** The currencies the prices are quoted in (a few words per instrument: cheap anywhere). */
    public Set<CurrencyCode> currencies() {
      Set<CurrencyCode> currencies = new HashSet<>();
      for (String codes : quotedIn) {
        for (String code : codes.split(" ")) {
          currencies.add(CurrencyCode.of(code));
        }
      }
      return currencies;
    }
  }

  /**
   * The prices of {@code instruments} observed in ({@code from}, {@code to}], and for each the
   * last one at or before {@code from}.
   */
  public Future<PriceTexts> prices(Collection<InstrumentId> instruments, Instant from, Instant to) {
    if (instruments.isEmpty()) {
      return Future.succeededFuture(new PriceTexts(List.of(), List.of(), List.of()));
    }
    String[] ids = instruments.stream().map(InstrumentId::value).distinct().toArray(String[]::new);
    return pool.preparedQuery(PRICES).execute(Tuple.of(ids, time(from), time(to))).map(PriceTexts::of);
  }

  /**
   * The rates quoted between any two of {@code currencies} observed in ({@code from},
   * {@code to}], and for each pair the last one at or before {@code from}.
   */
  public Future<List<FxRate>> rates(Collection<CurrencyCode> currencies, Instant from, Instant to) {
    if (currencies.size() < 2) {
      return Future.succeededFuture(List.of());
    }
    String[] codes = currencies.stream().map(CurrencyCode::value).distinct().toArray(String[]::new);
    return pool.preparedQuery(RATES).execute(Tuple.of(codes, time(from), time(to))).map(rows -> {
      List<FxRate> rates = new ArrayList<>(rows.size());
      for (Row row : rows) {
        rates.add(new FxRate(CurrencyCode.of(row.getString("base")), CurrencyCode.of(row.getString("quote")),
            new BigDecimal(row.getString("rate")), row.getOffsetDateTime("at").toInstant()));
      }
      return rates;
    });
  }

  /** The day-end prices and rates of the same database (the analytics store's daily series read those). */
  public DailyCloses closes() {
    return new DailyCloses(pool);
  }

  /** Whether the instrument has reference data or at least one price. */
  public Future<Boolean> known(InstrumentId id) {
    return pool.preparedQuery(KNOWN).execute(Tuple.of(id.value())).map(rows -> rows.iterator().next().getBoolean(0));
  }

  private static OffsetDateTime time(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
