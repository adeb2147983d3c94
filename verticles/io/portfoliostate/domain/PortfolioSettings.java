package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A portfolio's own values of the inheritable {@link Setting}s: what it set itself, not what it
 * inherits (the owner of a portfolio does not know its ancestors; the gateway resolves the
 * effective values from the catalog at read time). Immutable; values in canonical text.
 */
public record PortfolioSettings(Map<Setting, String> values) {

  /** No own value at all: everything is inherited. */
  public static final PortfolioSettings NONE = new PortfolioSettings(Map.of());

  public PortfolioSettings {
    EnumMap<Setting, String> checked = new EnumMap<>(Setting.class);
    values.forEach((setting, value) -> checked.put(setting, setting.canonical(value)));
    values = Collections.unmodifiableMap(checked);
  }

  /** Own values from a map (null or empty: none). */
  public static PortfolioSettings of(Map<Setting, String> values) {
    return values == null || values.isEmpty() ? NONE : new PortfolioSettings(values);
  }

  public boolean isEmpty() {
    return values.isEmpty();
  }

  /** The own value of a setting, or null. */
  public String get(Setting setting) {
    return values.get(setting);
  }

  /** The own benchmark, or null. */
  public InstrumentId benchmarkInstrumentId() {
    String value = values.get(Setting.BENCHMARK_INSTRUMENT_ID);
    return value == null ? null : InstrumentId.of(value);
  }

  /** The own decimal value of a numeric setting, or null. */
  public BigDecimal decimal(Setting setting) {
    if (setting == Setting.BENCHMARK_INSTRUMENT_ID) {
      throw new IllegalArgumentException(setting + " is not a number");
    }
    String value = values.get(setting);
    return value == null ? null : new BigDecimal(value);
  }

  /** These values with {@code set} written over them and {@code cleared} removed. */
  public PortfolioSettings applying(PortfolioSettings set, Collection<Setting> cleared) {
    if ((set == null || set.isEmpty()) && (cleared == null || cleared.isEmpty())) {
      return this;
    }
    EnumMap<Setting, String> next = new EnumMap<>(Setting.class);
    next.putAll(values);
    if (set != null) {
      next.putAll(set.values);
    }
    if (cleared != null) {
      cleared.forEach(next::remove);
    }
    return of(next);
  }

  /** A canonical text of the values, in setting order, for command fingerprints. */
  public String fingerprint() {
    StringBuilder text = new StringBuilder("{");
    values.forEach((setting, value) -> text.append(setting.path()).append('=').append(value).append(','));
    return text.append('}').toString();
  }
}
