package io.portfoliostate.domain;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * What the domain needs to know about instruments: the currency a known instrument trades in
 * (the rules default and check a trade's currency by it) and, for valuation and grouping, its
 * full {@link Instrument} record. An instrument without reference data trades in the
 * portfolio's base currency by default and is grouped as unclassified.
 *
 * <p>A functional interface so a test or a caller that knows only currencies can pass a lambda;
 * such a source serves bare instruments (currency only) through {@link #instrument}.
 */
@FunctionalInterface
public interface ReferenceData {

  /** No instrument is known. */
  ReferenceData NONE = instrumentId -> Optional.empty();

  /** The currency {@code instrumentId} trades in, when it is known. */
  Optional<CurrencyCode> currencyOf(InstrumentId instrumentId);

  /**
   * The reference data of {@code instrumentId}, when it is known. By default an instrument known
   * only by its currency, unclassified and without factors.
   */
  default Optional<Instrument> instrument(InstrumentId instrumentId) {
    return currencyOf(instrumentId).map(currency -> Instrument.of(instrumentId, currency));
  }

  /**
   * The corporate actions of {@code instrumentId} known here, effective or not, the earliest
   * effective first. The rules apply those already effective to a late trade (one executed before
   * them that arrives after they were fanned out), whether or not the fan-out reached the
   * portfolio. None by default.
   */
  default List<CorporateAction> actionsOf(InstrumentId instrumentId) {
    return List.of();
  }

  /** An immutable table of these instruments; one record per id. */
  static ReferenceData of(Instrument... instruments) {
    return of(List.of(instruments));
  }

  /**
   * An immutable table of {@code instruments}: a snapshot, so a valuation computed from it does
   * not change under the caller when reference data is updated later.
   *
   * @throws DomainViolation when two records share an id (which one would be meant?)
   */
  static ReferenceData of(Collection<Instrument> instruments) {
    return InstrumentTable.of(instruments);
  }
}
