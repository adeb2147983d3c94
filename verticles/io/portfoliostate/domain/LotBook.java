package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.AbstractList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.pcollections.PSortedMap;
import org.pcollections.PSortedSet;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;

/**
 * The open lots of a position: an immutable list in opening order, backed by persistent
 * (structure-sharing) trees so that a trade costs O(log n) and not a copy of every lot.
 *
 * <p>Why not a plain list: an owner decides a batch on a copy of the state and keeps older states
 * readable, so every trade yields a new book; copying 20,000 lots per buy, and sorting them per
 * sell, held an event loop for milliseconds per trade and close to a second for a big close. Here
 * opening a lot is O(log n) and a sell that closes k lots is O(k log n).
 *
 * <p>Three pieces, each a pcollections AVL tree (pcollections is already how the state shares
 * its maps; its TreePMap and TreePSet are the persistent sorted collections this needs):
 * <ul>
 *   <li>the lots by an opening ordinal (the list order that the API and snapshots show);
 *   <li>an index in one closing order (FIFO, LIFO, or HIFO for a long or a short book), built the
 *       first time a sell asks for that order (O(n log n), once per load or change of method) and
 *       then carried along by every later book;
 *   <li>running exact sums of |quantity| and |quantity|·price, with the count of open lots per
 *       decimal scale: the sums are adjusted by each lot opened or closed, and brought back to the
 *       scale a fresh sum over the open lots would have (the largest scale among them), so that the
 *       figures, down to trailing zeros, are those of summing the list from scratch.
 * </ul>
 *
 * <p>{@link #get(int)} walks from the first lot (O(index)); iterate instead.
 */
public final class LotBook extends AbstractList<Lot> {

  private static final LotBook EMPTY = new LotBook(TreePMap.empty(), 0, null, null, BigDecimal.ZERO,
      BigDecimal.ZERO, TreePMap.empty(), TreePMap.empty());

  /** A lot with its place in the opening order. */
  private record Entry(long ordinal, Lot lot) {
  }

  /** The orders in which a reduction closes lots; each index is read from its first entry. */
  enum Order {
    FIFO(byAge()),
    LIFO(byAge().reversed()),
    HIFO_LONG(Comparator.comparing((Lot lot) -> lot.price()).reversed().thenComparing(byAge())),
    HIFO_SHORT(Comparator.comparing((Lot lot) -> lot.price()).thenComparing(byAge()));

    /** The method's order, then opening order: a stable sort of the list, as before the index. */
    final Comparator<Entry> entries;

    Order(Comparator<Lot> lots) {
      this.entries = Comparator.comparing(Entry::lot, lots).thenComparingLong(Entry::ordinal);
    }

    private static Comparator<Lot> byAge() {
      return Comparator.comparing(Lot::openedAt).thenComparingLong(Lot::openedSeq);
    }

    static Order of(CostMethod method, boolean longPosition) {
      switch (method) {
        case FIFO:
          return FIFO;
        case LIFO:
          return LIFO;
        case HIFO:
          return longPosition ? HIFO_LONG : HIFO_SHORT;
        default:
          throw new IllegalStateException("no lots under " + method);
      }
    }
  }

  private final PSortedMap<Long, Lot> byOrdinal;
  private final long nextOrdinal;
  private final Order order;
  private final PSortedSet<Entry> closing;
  private final BigDecimal units;
  private final BigDecimal cost;
  private final PSortedMap<Integer, Integer> unitScales;
  private final PSortedMap<Integer, Integer> costScales;

  private LotBook(PSortedMap<Long, Lot> byOrdinal, long nextOrdinal, Order order, PSortedSet<Entry> closing,
      BigDecimal units, BigDecimal cost, PSortedMap<Integer, Integer> unitScales,
      PSortedMap<Integer, Integer> costScales) {
    this.byOrdinal = byOrdinal;
    this.nextOrdinal = nextOrdinal;
    this.order = order;
    this.closing = closing;
    this.units = units;
    this.cost = cost;
    this.unitScales = unitScales;
    this.costScales = costScales;
  }

  /** A book with no lot. */
  public static LotBook empty() {
    return EMPTY;
  }

  /**
   * The book of {@code lots}, in that order: the same book if it is one already, else built in
   * O(n log n) (a snapshot load, a split).
   */
  public static LotBook of(List<Lot> lots) {
    if (lots instanceof LotBook) {
      return (LotBook) lots;
    }
    if (lots.isEmpty()) {
      return EMPTY;
    }
    // Built in mutable collections, then turned into balanced trees in one linear pass each:
    // several times faster than as many persistent insertions, on a load's event loop.
    TreeMap<Long, Lot> byOrdinal = new TreeMap<>();
    Map<Integer, Integer> unitScales = new HashMap<>();
    Map<Integer, Integer> costScales = new HashMap<>();
    BigDecimal units = BigDecimal.ZERO;
    BigDecimal cost = BigDecimal.ZERO;
    long ordinal = 0;
    for (Lot lot : lots) {
      byOrdinal.put(ordinal++, Objects.requireNonNull(lot, "lot"));
      units = units.add(unitsOf(lot));
      cost = cost.add(costOf(lot));
      unitScales.merge(unitScale(lot), 1, Integer::sum);
      costScales.merge(costScale(lot), 1, Integer::sum);
    }
    return new LotBook(TreePMap.fromSortedMap(byOrdinal), ordinal, null, null, units, cost,
        TreePMap.from(unitScales), TreePMap.from(costScales));
  }

  /** This book with {@code lot} opened last. O(log n). */
  public LotBook plus(Lot lot) {
    long ordinal = nextOrdinal;
    PSortedSet<Entry> index = closing == null ? null : closing.plus(new Entry(ordinal, lot));
    return new LotBook(byOrdinal.plus(ordinal, lot), ordinal + 1, order, index, units.add(unitsOf(lot)),
        cost.add(costOf(lot)), count(unitScales, unitScale(lot), 1), count(costScales, costScale(lot), 1));
  }

  /**
   * Σ |quantity| of the open lots, exact, with the scale of a fresh sum over them. O(log s) for
   * s distinct scales.
   */
  public BigDecimal units() {
    return unitScales.isEmpty() ? BigDecimal.ZERO : units.setScale(unitScales.lastKey(), RoundingMode.UNNECESSARY);
  }

  /** Σ |quantity|·price of the open lots, exact: the cost basis of a position under a lot method. */
  public BigDecimal cost() {
    return costScales.isEmpty() ? BigDecimal.ZERO : cost.setScale(costScales.lastKey(), RoundingMode.UNNECESSARY);
  }

  /** The quantity-weighted mean price of the open lots, to {@link Decimals#QUOTIENT}; 0 when none. */
  public BigDecimal meanPrice() {
    BigDecimal u = units();
    return u.signum() == 0 ? BigDecimal.ZERO : cost().divide(u, Decimals.QUOTIENT);
  }

  /** What a reduction leaves: the remaining book and the realized P&amp;L after it. */
  record Reduction(LotBook remaining, BigDecimal realized) {
  }

  /**
   * Closes {@code toClose} units (at most what is open) in the method's order at {@code price},
   * adding each closed part's P&amp;L to {@code realized} in that order. O(k log n) for k lots
   * touched, plus O(n log n) once if the book has no index in this order yet.
   *
   * @param sign +1 for a long book, -1 for a short one
   */
  Reduction reduce(BigDecimal toClose, BigDecimal price, BigDecimal sign, BigDecimal realized,
      CostMethod method) {
    LotBook book = indexedFor(Order.of(method, sign.signum() > 0));
    PSortedMap<Long, Lot> lots = book.byOrdinal;
    PSortedSet<Entry> index = book.closing;
    BigDecimal u = book.units;
    BigDecimal c = book.cost;
    PSortedMap<Integer, Integer> us = book.unitScales;
    PSortedMap<Integer, Integer> cs = book.costScales;
    BigDecimal left = toClose;
    BigDecimal pnl = realized;
    while (left.signum() > 0 && !index.isEmpty()) {
      Entry next = index.first();
      Lot lot = next.lot();
      BigDecimal available = lot.quantity().abs();
      BigDecimal closed = available.min(left);
      pnl = pnl.add(price.subtract(lot.price()).multiply(closed).multiply(sign));
      left = left.subtract(closed);
      index = index.minusFirst();
      u = u.subtract(unitsOf(lot));
      c = c.subtract(costOf(lot));
      us = count(us, unitScale(lot), -1);
      cs = count(cs, costScale(lot), -1);
      if (closed.compareTo(available) == 0) {
        lots = lots.minus(next.ordinal());
      } else {
        // Partly closed: the rest keeps its ordinal, hence its place in the list and in the index.
        Lot rest = lot.withQuantity(lot.quantity().subtract(closed.multiply(sign)));
        lots = lots.plus(next.ordinal(), rest);
        index = index.plus(new Entry(next.ordinal(), rest));
        u = u.add(unitsOf(rest));
        c = c.add(costOf(rest));
        us = count(us, unitScale(rest), 1);
        cs = count(cs, costScale(rest), 1);
      }
    }
    LotBook remaining = lots.isEmpty() ? EMPTY
        : new LotBook(lots, book.nextOrdinal, book.order, index, u, c, us, cs);
    return new Reduction(remaining, pnl);
  }

  /** This book with an index in {@code wanted} order: itself if it has one, else one built now. */
  private LotBook indexedFor(Order wanted) {
    if (order == wanted && closing != null) {
      return this;
    }
    TreeSet<Entry> sorted = new TreeSet<>(wanted.entries);
    for (Map.Entry<Long, Lot> e : byOrdinal.entrySet()) {
      sorted.add(new Entry(e.getKey(), e.getValue()));
    }
    PSortedSet<Entry> index = TreePSet.fromSortedSet(sorted);
    return new LotBook(byOrdinal, nextOrdinal, wanted, index, units, cost, unitScales, costScales);
  }

  @Override
  public Lot get(int index) {
    Objects.checkIndex(index, size());
    Iterator<Lot> it = iterator();
    for (int i = 0; i < index; i++) {
      it.next();
    }
    return it.next();
  }

  @Override
  public ListIterator<Lot> listIterator(int index) {
    // AbstractList's would call get(i) per step: walk a copy instead (O(n) once).
    return List.copyOf(this).listIterator(index);
  }

  @Override
  public boolean equals(Object other) {
    if (other == this) {
      return true;
    }
    if (!(other instanceof List) || ((List<?>) other).size() != size()) {
      return false;
    }
    Iterator<?> theirs = ((List<?>) other).iterator();
    for (Lot lot : this) {
      if (!lot.equals(theirs.next())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return super.hashCode();
  }

  @Override
  public int size() {
    return byOrdinal.size();
  }

  @Override
  public Iterator<Lot> iterator() {
    Iterator<Lot> values = byOrdinal.values().iterator();
    // Read-only: the book is immutable.
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return values.hasNext();
      }

      @Override
      public Lot next() {
        return values.next();
      }
    };
  }

  private static BigDecimal unitsOf(Lot lot) {
    return lot.quantity().abs();
  }

  private static BigDecimal costOf(Lot lot) {
    return lot.quantity().abs().multiply(lot.price());
  }

  // A sum from zero has scale ≥ 0, hence the floor.
  private static int unitScale(Lot lot) {
    return Math.max(0, lot.quantity().scale());
  }

  private static int costScale(Lot lot) {
    return Math.max(0, lot.quantity().scale() + lot.price().scale());
  }

  private static PSortedMap<Integer, Integer> count(PSortedMap<Integer, Integer> counts, int scale, int delta) {
    int n = counts.getOrDefault(scale, 0) + delta;
    return n == 0 ? counts.minus(scale) : counts.plus(scale, n);
  }
}
