package io.portfoliostate.domain;

import java.util.Optional;

/**
 * What the rules need to know about instruments: the currency a known instrument trades in.
 * An instrument without reference data trades in the portfolio's base currency by default.
 */
@FunctionalInterface
public interface ReferenceData {

  /** No instrument is known. */
  ReferenceData NONE = instrumentId -> Optional.empty();

  Optional<CurrencyCode> currencyOf(InstrumentId instrumentId);
}
