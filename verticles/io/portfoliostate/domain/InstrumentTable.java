package io.portfoliostate.domain;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** {@link ReferenceData} backed by an immutable map: the form {@link ReferenceData#of} returns. */
final class InstrumentTable implements ReferenceData {

  private final Map<InstrumentId, Instrument> instruments;

  private InstrumentTable(Map<InstrumentId, Instrument> instruments) {
    this.instruments = Map.copyOf(instruments);
  }

  static InstrumentTable of(Collection<Instrument> instruments) {
    Map<InstrumentId, Instrument> byId = new HashMap<>();
    for (Instrument instrument : instruments) {
      if (byId.put(instrument.id(), instrument) != null) {
        throw new DomainViolation("instruments", "hold " + instrument.id() + " more than once");
      }
    }
    return new InstrumentTable(byId);
  }

  @Override
  public Optional<CurrencyCode> currencyOf(InstrumentId instrumentId) {
    return instrument(instrumentId).map(Instrument::currency);
  }

  @Override
  public Optional<Instrument> instrument(InstrumentId instrumentId) {
    return Optional.ofNullable(instruments.get(instrumentId));
  }
}
