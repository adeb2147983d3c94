package io.portfoliostate.domain.performance;

import io.portfoliostate.domain.CashFlowRecorded;
import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.DividendApplied;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.domain.valuation.GroupBy;
import io.portfoliostate.domain.valuation.PositionLine;
import io.portfoliostate.domain.valuation.Price;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Computes a {@link PerformanceReport} from the states of a portfolio at the end of each weekday
 * of a window and the price history. Stateless, like the valuation: the same inputs give the
 * same report.
 *
 * <p>The states come from a business-time fold of the journal (what the portfolio held at each
 * day's end, as the journal knows it now); this class values them and reads the flows of each
 * day from the journal's cash-flow and dividend events by their business time. What each line
 * bought or sold in a day is read off the states themselves (the change of its cost basis,
 * realized P&amp;L and fees), so a back-dated, cancelled or amended trade needs nothing here.
 */
public final class PerformanceCalculator {

  /** Where a ratio of decimals is taken before it becomes a double: far beyond a double's digits. */
  private static final MathContext RATIO = MathContext.DECIMAL64;
  private static final LocalTime END_OF_DAY = LocalTime.of(23, 59, 59, 999_000_000);

  /**
   * What the report is computed from.
   *
   * @param dates the weekdays of the window, ascending ({@link #weekdays})
   * @param states the portfolio at the end of each date, same size (an element null before it existed);
   *     null when the states are handed one day at a time ({@link #compute(Inputs, Days)})
   * @param journal the portfolio's events in journal order (its cash flows and dividends are all that is read of
   *     them: a reader may give only those)
   * @param benchmark the benchmark instrument, or null
   * @param riskFree the annual risk-free rate for Sharpe
   * @param groupBy how contributions are grouped; null: by instrument
   */
  public record Inputs(LocalDate from, LocalDate to, CurrencyCode baseCurrency, List<LocalDate> dates,
      List<PortfolioState> states, List<PortfolioEvent> journal, PriceHistory history, ReferenceData reference,
      InstrumentId benchmark, double riskFree, GroupBy groupBy) {
  }

  private PerformanceCalculator() {
  }

  /** Monday to Friday from {@code from} to {@code to}, both included. */
  /** The business date of the portfolio's earliest fact (a back-dated trade may precede its creation). */
  public static LocalDate inception(List<PortfolioEvent> journal) {
    Instant first = Instant.MAX;
    for (PortfolioEvent event : journal) {
      Instant time = event.at();
      if (event instanceof TradeRecorded trade && trade.executedAt() != null) {
        time = trade.executedAt();
      } else if (event instanceof CashFlowRecorded flow && flow.occurredAt() != null) {
        time = flow.occurredAt();
      }
      if (time.isBefore(first)) {
        first = time;
      }
    }
    return first.atZone(ZoneOffset.UTC).toLocalDate();
  }

  public static List<LocalDate> weekdays(LocalDate from, LocalDate to) {
    List<LocalDate> dates = new ArrayList<>();
    for (LocalDate date = from; !date.isAfter(to); date = date.plusDays(1)) {
      if (date.getDayOfWeek() != DayOfWeek.SATURDAY && date.getDayOfWeek() != DayOfWeek.SUNDAY) {
        dates.add(date);
      }
    }
    return dates;
  }

  /** The end of a day: 23:59:59.999 UTC, the time a day's NAV is taken at. */
  public static Instant endOf(LocalDate date) {
    return date.atTime(END_OF_DAY).toInstant(ZoneOffset.UTC);
  }

  /** The report of {@code in}. */
  public static PerformanceReport compute(Inputs in) {
    return compute(in, (List<List<PositionKey>>) null);
  }

  /**
   * The report of {@code in}, told which positions each state changed ({@link
   * io.portfoliostate.domain.timeline.BusinessTime.Series#changed}, for the same states): the
   * valuation then keeps its lines in a list and looks up only those, instead of walking every
   * state's map and finding each position's line by its key every day.
   *
   * @param changed per date, the keys of the positions that differ from the date before (all at
   *     the first); null: worked out by walking each state
   */
  public static PerformanceReport compute(Inputs in, List<List<PositionKey>> changed) {
    int days = in.dates().size();
    if (in.states().size() != days || (changed != null && changed.size() != days)) {
      throw new IllegalArgumentException(days + " dates but " + in.states().size() + " states");
    }
    return compute(in, new Days() {
      private int next;
      private List<PositionKey> last;

      @Override
      public PortfolioState next() {
        last = changed == null ? null : changed.get(next);
        return in.states().get(next++);
      }

      @Override
      public List<PositionKey> changed() {
        return last;
      }
    });
  }

  /**
   * The states of a window handed one day at a time, in date order: the valuation asks each once
   * and keeps only figures of it (per-day NAVs, flows, each line's values as doubles), so a
   * state is garbage as soon as its day is valued.
   */
  public interface Days {
    /** The state at the end of the next date (null before the portfolio existed). */
    PortfolioState next();

    /**
     * The keys of the positions the last {@link #next} changed from the day before (all at the
     * first); null: worked out by walking the state.
     */
    List<PositionKey> changed();
  }

  /**
   * The report of {@code in} from its states handed one day at a time ({@code in.states()} is
   * not read and may be null): the performance read folds and values each day in turn, holding
   * the running state only, not every day of the window.
   */
  public static PerformanceReport compute(Inputs in, Days states) {
    int days = in.dates().size();
    Instant[] ends = new Instant[days];
    for (int i = 0; i < days; i++) {
      ends[i] = endOf(in.dates().get(i));
    }
    DayFlows[] flows = flowsByDay(in, ends);
    GroupBy groupBy = in.groupBy() == null ? GroupBy.INSTRUMENT : in.groupBy();
    CurrencyCode base = in.baseCurrency();

    PriceHistory.Cursor cursor = in.history().cursor();
    ExactSum sum = new ExactSum();
    BigDecimal[] navs = new BigDecimal[days];
    BigDecimal[] netFlows = new BigDecimal[days];
    BigDecimal[] incomes = new BigDecimal[days];
    TreeSet<String> unvalued = new TreeSet<>();
    // Everything a position needs every day, found with one lookup: its line, its price track,
    // what it had paid in at the previous point.
    Map<PositionKey, Slot> slots = new HashMap<>();
    Map<String, Line> lines = new TreeMap<>();
    // The slots of the positions of the state last walked, and that state's map of positions.
    List<Slot> active = new ArrayList<>();
    Map<PositionKey, Position> walked = null;
    Price benchmarkBefore = null;
    Price benchmarkFirst = null;
    Price benchmarkLast = null;
    Double[] benchmarkReturns = new Double[days];

    for (int i = 0; i < days; i++) {
      Instant end = ends[i];
      cursor.moveTo(end);
      PortfolioState state = states.next();
      List<PositionKey> changed = states.changed();
      BigDecimal nav = BigDecimal.ZERO;
      ExactSum positionsValue = sum.reset();
      if (state != null) {
        if (state.positions() != walked) {
          if (changed != null && walked != null) {
            for (PositionKey key : changed) {
              Slot slot = slot(key, state.positions().get(key), slots, lines, in, groupBy, cursor, days);
              if (slot.position == null) {
                active.add(slot);
              }
              slot.position = state.positions().get(key);
            }
          } else {
            // Without the changes (or at the first state): every position of the state, in its order.
            active.clear();
            for (Position position : state.positions().values()) {
              Slot slot = slot(position.key(), position, slots, lines, in, groupBy, cursor, days);
              slot.position = position;
              active.add(slot);
            }
          }
          walked = state.positions();
        }
        for (Slot slot : active) {
          Position position = slot.position;
          PositionKey key = position.key();
          Line line = slot.line;
          line.seen[i] = true;
          BigDecimal rate = cursor.fx(position.currency(), base);
          // The market value: exact, as unscaled long × 10^-scale while it fits (every day of
          // almost every line), else a decimal; null when it has no price or rate.
          boolean valued = true;
          BigDecimal marketValue = null;
          if (position.isFlat()) {
            marketValue = BigDecimal.ZERO;
          } else {
            PriceHistory.Cursor.Track track = slot.track;
            if (track.priceIn(position.currency()) && rate != null) {
              if (!slot.value(position, track, rate)) {
                marketValue = position.quantity().multiply(track.decimal());
                // × 1 changes neither the value nor its scale: skipped for positions in the base currency.
                marketValue = rate == BigDecimal.ONE ? marketValue : marketValue.multiply(rate);
              }
            } else {
              valued = false;
              unvalued.add(key.instrumentId().value());
            }
          }
          // An untouched position is the same object from day to day (the state's maps are
          // persistent): nothing bought or sold, and its amount paid in need not be recomputed.
          BigDecimal spentChange = BigDecimal.ZERO;
          if (position != slot.last) {
            BigDecimal spent = spent(position);
            spentChange = spent.subtract(slot.spent);
            slot.spent = spent;
            slot.last = position;
          }
          if (!valued || (spentChange.signum() != 0 && rate == null)) {
            line.unvalued(i);
          } else {
            if (marketValue == null) {
              positionsValue.add(slot.unscaled, slot.scale);
              line.marketValue[i] += ExactSum.toDouble(slot.unscaled, slot.scale);
            } else {
              nav = nav.add(marketValue);
              line.marketValue[i] += marketValue.doubleValue();
            }
            if (spentChange.signum() != 0) {
              line.bought[i] += spentChange.multiply(rate).doubleValue();
            }
          }
        }
        // The same sum as adding each value to the NAV: exact, and the scale is the largest of them either way.
        nav = positionsValue.addTo(nav);
        for (Map.Entry<CurrencyCode, BigDecimal> balance : state.cash().entrySet()) {
          if (balance.getValue().signum() == 0) {
            continue;
          }
          BigDecimal rate = cursor.fx(balance.getKey(), base);
          if (rate == null) {
            unvalued.add("cash:" + balance.getKey().value());
          } else {
            nav = nav.add(balance.getValue().multiply(rate));
          }
        }
      }
      navs[i] = nav;
      netFlows[i] = flows[i].external(cursor, base, unvalued);
      incomes[i] = flows[i].income(cursor, base, unvalued);
      if (state != null) {
        flows[i].attributeDividends(i, cursor, base, state, slots);
      }

      if (in.benchmark() != null) {
        Price observed = cursor.observed(in.benchmark());
        if (observed != null && benchmarkBefore != null) {
          benchmarkReturns[i] = ratio(in.history().adjusted(in.benchmark(), observed.price(), observed.at(), end),
              in.history().adjusted(in.benchmark(), benchmarkBefore.price(), benchmarkBefore.at(), end));
        }
        if (observed != null && benchmarkFirst == null && i == 0) {
          benchmarkFirst = observed;
        }
        benchmarkBefore = observed;
        benchmarkLast = observed;
      }
    }

    List<DailyPoint> series = new ArrayList<>(days);
    Double[] returns = new Double[days];
    boolean chainBroken = false;
    double index = 1;
    for (int i = 0; i < days; i++) {
      Double cumulative;
      if (i == 0) {
        cumulative = 0.0;
      } else {
        BigDecimal start = navs[i - 1].add(netFlows[i]);
        returns[i] = start.signum() > 0 ? ratio(navs[i], start) : null;
        chainBroken |= returns[i] == null;
        if (!chainBroken) {
          index *= 1 + returns[i];
        }
        cumulative = chainBroken ? null : index - 1;
      }
      series.add(new DailyPoint(in.dates().get(i), navs[i], netFlows[i], incomes[i], returns[i], cumulative));
    }
    Double twr = days == 0 || chainBroken ? null : index - 1;

    double[] defined = Arrays.stream(returns).filter(r -> r != null).mapToDouble(Double::doubleValue).toArray();
    Double volatility = ReturnStatistics.volatility(defined);
    Double sharpe = ReturnStatistics.sharpe(defined, in.riskFree());
    Double maxDrawdown = days == 0 ? null : ReturnStatistics.maxDrawdown(defined);
    Double varFraction = ReturnStatistics.valueAtRisk95(defined);
    BigDecimal var95 = varFraction == null ? null
        : BigDecimal.valueOf(varFraction).multiply(navs[days - 1]).round(RATIO);

    Double beta = null;
    Double benchmarkReturn = null;
    if (in.benchmark() != null) {
      List<double[]> pairs = new ArrayList<>();
      for (int i = 1; i < days; i++) {
        if (returns[i] != null && benchmarkReturns[i] != null) {
          pairs.add(new double[] {returns[i], benchmarkReturns[i]});
        }
      }
      beta = ReturnStatistics.beta(pairs.stream().mapToDouble(p -> p[0]).toArray(),
          pairs.stream().mapToDouble(p -> p[1]).toArray());
      if (benchmarkFirst != null && benchmarkLast != null) {
        Instant last = ends[days - 1];
        benchmarkReturn = ratio(in.history().adjusted(in.benchmark(), benchmarkLast.price(), benchmarkLast.at(), last),
            in.history().adjusted(in.benchmark(), benchmarkFirst.price(), benchmarkFirst.at(), last));
      }
    }

    List<Contribution> contributions = new ArrayList<>(lines.size());
    double[] navDoubles = new double[days];
    for (int i = 0; i < days; i++) {
      navDoubles[i] = navs[i].signum() > 0 ? navs[i].doubleValue() : Double.NaN;
    }
    lines.forEach((key, line) -> contributions.add(line.contribution(key, navDoubles)));
    return new PerformanceReport(in.from(), in.to(), base, twr, mwr(in.dates(), navs, flows), volatility,
        maxDrawdown, var95, sharpe, beta, in.benchmark(), benchmarkReturn, in.riskFree(), series,
        unvalued.isEmpty(), List.copyOf(unvalued), groupBy, contributions);
  }

  /** The slot of a position: found by its key, or made with its line and price track the first time. */
  private static Slot slot(PositionKey key, Position position, Map<PositionKey, Slot> slots, Map<String, Line> lines,
      Inputs in, GroupBy groupBy, PriceHistory.Cursor cursor, int days) {
    Slot slot = slots.get(key);
    if (slot == null) {
      String group = groupBy.keyOf(new PositionLine(position, in.reference().instrument(key.instrumentId()).orElse(null),
          null, null, null));
      slot = new Slot(lines.computeIfAbsent(group, g -> new Line(days)), cursor.track(key.instrumentId()));
      slots.put(key, slot);
    }
    return slot;
  }

  /**
   * What a line has paid in, in its currency, since it opened: signed cost of what it holds −
   * realized P&amp;L + fees. Its change over a day is the day's net purchases at trade prices plus
   * fees (a sale: minus its proceeds), whatever the cost method, and a split changes none of it.
   */
  private static BigDecimal spent(Position position) {
    BigDecimal cost = position.quantity().signum() < 0 ? position.costBasis().negate() : position.costBasis();
    return cost.subtract(position.realizedPnl()).add(position.fees());
  }

  /** a / b − 1, computed as (a − b) / b in decimals and only then a double. */
  static double ratio(BigDecimal a, BigDecimal b) {
    return a.subtract(b).divide(b, RATIO).doubleValue();
  }

  /**
   * XIRR over −V_0 on the first day, each external flow of a later day from the investor's side
   * on its own business date, and +V_end on the last day.
   */
  private static Double mwr(List<LocalDate> dates, BigDecimal[] navs, DayFlows[] flows) {
    int days = dates.size();
    if (days < 2) {
      return null;
    }
    List<Xirr.Flow> cashFlows = new ArrayList<>();
    cashFlows.add(new Xirr.Flow(dates.get(0), -navs[0].doubleValue()));
    for (int i = 1; i < days; i++) {
      for (Map.Entry<LocalDate, BigDecimal> dated : flows[i].externalByDate.entrySet()) {
        cashFlows.add(new Xirr.Flow(dated.getKey(), -dated.getValue().doubleValue()));
      }
    }
    cashFlows.add(new Xirr.Flow(dates.get(days - 1), navs[days - 1].doubleValue()));
    return Xirr.rate(cashFlows);
  }

  /** The journal's flows and dividends put in the sub-period of their business time. */
  private static DayFlows[] flowsByDay(Inputs in, Instant[] ends) {
    DayFlows[] flows = new DayFlows[ends.length];
    for (int i = 0; i < flows.length; i++) {
      flows[i] = new DayFlows();
    }
    if (ends.length == 0) {
      return flows;
    }
    Instant start = in.dates().get(0).atStartOfDay().toInstant(ZoneOffset.UTC);
    for (PortfolioEvent event : in.journal()) {
      if (event instanceof CashFlowRecorded flow) {
        Instant time = flow.occurredAt() == null ? flow.at() : flow.occurredAt();
        int day = dayOf(time, start, ends);
        if (day >= 0) {
          flows[day].add(flow, time);
        }
      } else if (event instanceof DividendApplied dividend) {
        int day = dayOf(dividend.effectiveAt(), start, ends);
        if (day >= 0) {
          flows[day].add(dividend);
        }
      }
    }
    return flows;
  }

  /** The index of the first day whose end is at or after {@code time}; -1 outside the window. */
  private static int dayOf(Instant time, Instant start, Instant[] ends) {
    if (time.isBefore(start) || time.isAfter(ends[ends.length - 1])) {
      return -1;
    }
    int found = Arrays.binarySearch(ends, time);
    return found >= 0 ? found : -found - 1;
  }

  /** One sub-period's external flows and income, per currency until the day's rates convert them. */
  private static final class DayFlows {
    final Map<CurrencyCode, BigDecimal> external = new TreeMap<>();
    final Map<CurrencyCode, BigDecimal> income = new TreeMap<>();
    /** Per instrument and currency: its dividends, for the lines' returns. */
    final Map<InstrumentId, Map<CurrencyCode, BigDecimal>> dividends = new HashMap<>();
    /** Per instrument and currency: the amount per share of its applied cash dividends (not late trades' shares). */
    final Map<InstrumentId, Map<CurrencyCode, BigDecimal>> perShare = new HashMap<>();
    final Map<LocalDate, BigDecimal> externalByDate = new TreeMap<>();
    private final List<Map.Entry<LocalDate, Map.Entry<CurrencyCode, BigDecimal>>> dated = new ArrayList<>();

    void add(CashFlowRecorded flow, Instant time) {
      if (flow.type().external()) {
        external.merge(flow.currency(), flow.cashEffect(), BigDecimal::add);
        dated.add(Map.entry(time.atZone(ZoneOffset.UTC).toLocalDate(), Map.entry(flow.currency(), flow.cashEffect())));
      } else if (flow.type() == CashFlowType.DIVIDEND || flow.type() == CashFlowType.INTEREST) {
        income.merge(flow.currency(), flow.cashEffect(), BigDecimal::add);
        if (flow.type() == CashFlowType.DIVIDEND && flow.instrumentId() != null) {
          dividends.computeIfAbsent(flow.instrumentId(), id -> new TreeMap<>())
              .merge(flow.currency(), flow.cashEffect(), BigDecimal::add);
        }
      }
    }

    void add(DividendApplied dividend) {
      dividend.amounts().forEach((currency, amount) -> {
        income.merge(currency, amount, BigDecimal::add);
        dividends.computeIfAbsent(dividend.instrumentId(), id -> new TreeMap<>()).merge(currency, amount, BigDecimal::add);
      });
      if (dividend.tradeId() == null && dividend.amountPerShare() != null && dividend.amounts().size() == 1) {
        perShare.computeIfAbsent(dividend.instrumentId(), id -> new TreeMap<>())
            .merge(dividend.amounts().keySet().iterator().next(), dividend.amountPerShare(), BigDecimal::add);
      }
    }

    /** The external flows in the base currency at the day's rates (also kept by date for XIRR). */
    BigDecimal external(PriceHistory.Cursor cursor, CurrencyCode base, TreeSet<String> unvalued) {
      for (Map.Entry<LocalDate, Map.Entry<CurrencyCode, BigDecimal>> flow : dated) {
        BigDecimal rate = cursor.fx(flow.getValue().getKey(), base);
        if (rate != null) {
          externalByDate.merge(flow.getKey(), flow.getValue().getValue().multiply(rate), BigDecimal::add);
        }
      }
      return inBase(external, cursor, base, unvalued);
    }

    BigDecimal income(PriceHistory.Cursor cursor, CurrencyCode base, TreeSet<String> unvalued) {
      return inBase(income, cursor, base, unvalued);
    }

    /**
     * Adds each dividend to the line that received it. DOMAIN.md pays a cash dividend per
     * position: q · amountPerShare, negative for a short; so when several positions (strategies)
     * hold the instrument, each receives its own quantity × the amount per share (a long and a
     * short of equal size receive +x and −x, though the portfolio's total is 0). The quantities
     * are those at the day's end: what the portfolio received and those shares differ only when
     * the holdings changed between the dividend's effective time and the day's end, or by a late
     * trade's share; that remainder goes to the instrument's first position, so the lines still
     * add up to what was received. A dividend known only by its total (a {@code DIVIDEND} cash
     * flow) is shared by quantity; when none holds the instrument any more (sold the same day),
     * its first position has it all.
     */
    void attributeDividends(int day, PriceHistory.Cursor cursor, CurrencyCode base, PortfolioState state,
        Map<PositionKey, Slot> slots) {
      dividends.forEach((instrument, amounts) -> {
        BigDecimal total = BigDecimal.ZERO;
        for (Map.Entry<CurrencyCode, BigDecimal> amount : amounts.entrySet()) {
          BigDecimal rate = cursor.fx(amount.getKey(), base);
          if (rate != null) {
            total = total.add(amount.getValue().multiply(rate));
          }
        }
        List<Position> holders = new ArrayList<>();
        Position any = null;
        for (Position position : state.positions().values()) {
          if (position.key().instrumentId().equals(instrument)) {
            any = any == null ? position : any;
            if (!position.isFlat()) {
              holders.add(position);
            }
          }
        }
        if (holders.isEmpty()) {
          if (any != null) {
            slots.get(any.key()).line.addIncome(day, total);
          }
          return;
        }
        BigDecimal[] shares = new BigDecimal[holders.size()];
        Map<CurrencyCode, BigDecimal> perShareOf = perShare.get(instrument);
        BigDecimal quantity = holders.stream().map(Position::quantity).reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal attributed = BigDecimal.ZERO;
        for (int h = 0; h < shares.length; h++) {
          Position holder = holders.get(h);
          if (perShareOf != null) {
            BigDecimal share = BigDecimal.ZERO;
            for (Map.Entry<CurrencyCode, BigDecimal> one : perShareOf.entrySet()) {
              BigDecimal rate = cursor.fx(one.getKey(), base);
              if (rate != null) {
                share = share.add(holder.quantity().multiply(one.getValue()).multiply(rate));
              }
            }
            shares[h] = share;
          } else {
            shares[h] = holders.size() == 1 || quantity.signum() == 0 ? (h == 0 ? total : BigDecimal.ZERO)
                : total.multiply(holder.quantity()).divide(quantity, RATIO);
          }
          attributed = attributed.add(shares[h]);
        }
        shares[0] = shares[0].add(total.subtract(attributed));
        for (int h = 0; h < shares.length; h++) {
          slots.get(holders.get(h).key()).line.addIncome(day, shares[h]);
        }
      });
    }

    private static BigDecimal inBase(Map<CurrencyCode, BigDecimal> amounts, PriceHistory.Cursor cursor,
        CurrencyCode base, TreeSet<String> unvalued) {
      BigDecimal sum = BigDecimal.ZERO;
      for (Map.Entry<CurrencyCode, BigDecimal> amount : amounts.entrySet()) {
        BigDecimal rate = cursor.fx(amount.getKey(), base);
        if (rate == null) {
          unvalued.add("cash:" + amount.getKey().value());
        } else {
          sum = sum.add(amount.getValue().multiply(rate));
        }
      }
      return sum;
    }
  }

  /** What the loop keeps per position: its line, its price track, what it had paid in so far. */
  private static final class Slot {
    final Line line;
    final PriceHistory.Cursor.Track track;
    BigDecimal spent = BigDecimal.ZERO;
    /** The position as of the day being valued; null until it first appears. */
    Position position;
    Position last;
    /** The decimals last read as longs (same objects: same digits): quantity, rate; NOT_LONG when not a long. */
    private Position quantityOf;
    private long quantity;
    private int quantityScale;
    private BigDecimal rateOf;
    private long rate;
    private int rateScale;
    /** The market value of the last {@link #value}: unscaled × 10^-scale. */
    long unscaled;
    int scale;

    /**
     * The market value quantity × price (× rate unless it is the base currency's 1) as a long
     * and a scale: the price's digits as the track found them (the series keeps them), the
     * others read off each decimal once while it is the same object (a position until it
     * trades, a rate until a newer one); false when a factor or the product does not fit a long
     * (the caller multiplies decimals).
     */
    boolean value(Position position, PriceHistory.Cursor.Track track, BigDecimal rateNow) {
      if (position != quantityOf) {
        quantityOf = position;
        quantity = ExactSum.unscaled(position.quantity());
        quantityScale = position.quantity().scale();
      }
      long price = track.unscaled();
      int priceScale = track.scale();
      if (quantity == ExactSum.NOT_LONG || price == ExactSum.NOT_LONG) {
        return false;
      }
      long product = ExactSum.multiply(quantity, price);
      int productScale = quantityScale + priceScale;
      if (rateNow != BigDecimal.ONE) {
        if (rateNow != rateOf) {
          rateOf = rateNow;
          rate = ExactSum.unscaled(rateNow);
          rateScale = rateNow.scale();
        }
        product = rate == ExactSum.NOT_LONG || product == ExactSum.NOT_LONG ? ExactSum.NOT_LONG
            : ExactSum.multiply(product, rate);
        productScale += rateScale;
      }
      if (product == ExactSum.NOT_LONG || productScale < 0 || productScale > ExactSum.MAX_SCALE) {
        return false;
      }
      unscaled = product;
      scale = productScale;
      return true;
    }

    Slot(Line line, PriceHistory.Cursor.Track track) {
      this.line = line;
      this.track = track;
    }
  }

  /**
   * One line (an instrument or a group) through the window: its market value, net purchases and
   * income per day in the base currency; unvalued on a day one of its positions could not be.
   * Only ratios are made of these figures, so they are doubles: the NAVs stay exact decimals.
   */
  private static final class Line {
    final double[] marketValue;
    final double[] bought;
    final boolean[] seen;
    // Made on a line's first income or unvalued day: most lines have neither, and a first read
    // made both for each of its 500 lines (1.2 MB of its allocation, BENCHMARKS.md, "ninth pass").
    private double[] income;
    private boolean[] unvalued;

    Line(int days) {
      marketValue = new double[days];
      bought = new double[days];
      seen = new boolean[days];
    }

    void addIncome(int day, BigDecimal amount) {
      seen[day] = true;
      income = income == null ? new double[seen.length] : income;
      income[day] += amount.doubleValue();
    }

    void unvalued(int day) {
      unvalued = unvalued == null ? new boolean[seen.length] : unvalued;
      unvalued[day] = true;
    }

    private boolean isUnvalued(int day) {
      return unvalued != null && unvalued[day];
    }

    /**
     * The day's return: (MV_i + income − MV_{i−1} − bought) / base, where the base is MV_{i−1}
     * plus the day's net purchases when they add to the line's exposure (taken at the start, like
     * an external flow), else MV_{i−1} alone (a sale is taken at the end: its proceeds are part of
     * the day's outcome). Null without a value either day or with a zero base.
     */
    double dayReturn(int i) {
      if (!seen[i] || isUnvalued(i) || (seen[i - 1] && isUnvalued(i - 1))) {
        return Double.NaN;
      }
      double before = seen[i - 1] ? marketValue[i - 1] : 0;
      double flow = bought[i];
      boolean adds = before == 0 || Math.signum(flow) == Math.signum(before);
      double base = adds ? before + flow : before;
      if (base == 0) {
        return Double.NaN;
      }
      return (marketValue[i] + (income == null ? 0 : income[i]) - before - flow) / base;
    }

    /**
     * @param navs the NAV of each day as a double, NaN when it is 0 or less (no weight): converted
     *     once per day for every line (a NAV's digits make {@link BigDecimal#doubleValue} parse its string)
     */
    Contribution contribution(String key, double[] navs) {
      double contribution = 0;
      double index = 1;
      boolean any = false;
      for (int i = 1; i < navs.length; i++) {
        // NaN: no return that day (finite values and a non-zero base never make a NaN).
        double r = dayReturn(i);
        if (Double.isNaN(r)) {
          continue;
        }
        any = true;
        index *= 1 + r;
        double before = seen[i - 1] ? marketValue[i - 1] : 0;
        if (!Double.isNaN(navs[i - 1]) && before != 0) {
          contribution += before / navs[i - 1] * r;
        }
      }
      return new Contribution(key, contribution, any ? index - 1 : null);
    }
  }
}
