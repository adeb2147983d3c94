package io.portfoliostate.gateway;

import io.portfoliostate.domain.AmendTrade;
import io.portfoliostate.domain.CancelTrade;
import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.ConvertFx;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CreatePortfolio;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioCommand;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioSettings;
import io.portfoliostate.domain.RecordCashFlow;
import io.portfoliostate.domain.Setting;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.SetTargets;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.UpdatePortfolio;
import io.portfoliostate.protocol.CommandEnvelope;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns request bodies into commands. Every field is checked here (shape, type, range) and the
 * domain constructors check the rules that need no state; what needs state the owner decides.
 */
final class CommandParsers {

  /** A parsed command, or the list of what is wrong with the request. */
  record Parsed(CommandEnvelope envelope, List<RequestReader.FieldError> errors) {
    boolean ok() {
      return envelope != null;
    }
  }

  static final Set<String> CREATE_FIELDS = Set.of("id", "name", "baseCurrency", "parentId", "costMethod",
      "driftThreshold", "targets", "benchmarkInstrumentId", "riskFreeRate", "alertThresholds");
  static final Set<String> UPDATE_FIELDS = Set.of("name", "parentId", "driftThreshold", "costMethod",
      "expectedVersion", "benchmarkInstrumentId", "riskFreeRate", "alertThresholds");
  /** The names in {@code alertThresholds}: {@code drift} is the drift threshold under another name. */
  static final Set<String> THRESHOLD_FIELDS = Set.of("drift", "maxDrawdown", "volatility", "var95");
  static final Set<String> TRADE_FIELDS = Set.of("tradeId", "instrumentId", "side", "quantity", "price",
      "currency", "fees", "strategy", "executedAt", "expectedVersion");
  static final Set<String> CANCEL_FIELDS = Set.of("reason", "expectedVersion");
  /** What an amendment may change; the others (tradeId, instrumentId, portfolioId) are refused by name. */
  static final Set<String> AMEND_FIELDS = Set.of("side", "quantity", "price", "fees", "currency", "strategy",
      "executedAt", "reason", "expectedVersion");
  static final Set<String> CASH_FLOW_FIELDS =
      Set.of("flowId", "type", "currency", "amount", "instrumentId", "occurredAt", "expectedVersion");
  static final Set<String> FX_FIELDS =
      Set.of("conversionId", "fromCurrency", "toCurrency", "fromAmount", "rate", "expectedVersion");
  static final Set<String> TARGET_FIELDS = Set.of("targets", "driftThreshold", "expectedVersion");

  private CommandParsers() {
  }

  static Parsed create(Object json) {
    RequestReader r = RequestReader.of(json, "", CREATE_FIELDS);
    PortfolioId id = r.portfolioId("id", true);
    String name = r.string("name", true);
    CurrencyCode base = r.currency("baseCurrency", true);
    PortfolioId parent = r.portfolioId("parentId", false);
    CostMethod method = r.enumeration("costMethod", CostMethod.class, false);
    Map<InstrumentId, BigDecimal> targets = r.weights("targets", false);
    Settings settings = settings(r, false);
    return finish(r, null, () -> new CreatePortfolio(id, name, base, parent, method, settings.driftThreshold,
        targets, settings.own, null));
  }

  /**
   * A PATCH. {@code null} counts as absent, except where it is the only way to say "remove":
   * {@code "parentId": null} makes the portfolio a root, and an inheritable setting given as null
   * (or {@code "alertThresholds": null}, all of its thresholds) removes the portfolio's own value,
   * so that it inherits again.
   */
  static Parsed update(PortfolioId id, Object json, Long ifMatch) {
    RequestReader r = RequestReader.of(json, "", UPDATE_FIELDS);
    String name = r.string("name", false);
    PortfolioId parent = r.portfolioId("parentId", false);
    boolean clearParent = r.isNull("parentId");
    CostMethod method = r.enumeration("costMethod", CostMethod.class, false);
    Settings settings = settings(r, true);
    Long expected = expectedVersion(r, ifMatch);
    return finish(r, expected, () -> new UpdatePortfolio(id, name, parent, settings.driftThreshold, method,
        clearParent, settings.own, settings.cleared));
  }

  /** What a create or PATCH says about settings. */
  private record Settings(BigDecimal driftThreshold, PortfolioSettings own, Set<Setting> cleared) {
  }

  /**
   * The settings of a create or a PATCH: {@code driftThreshold} (or its other name
   * {@code alertThresholds.drift}; both given must agree), the inheritable settings given, and
   * on a PATCH ({@code clearing}) those given as null.
   */
  private static Settings settings(RequestReader r, boolean clearing) {
    BigDecimal drift = r.decimal("driftThreshold", false);
    Map<Setting, String> own = new EnumMap<>(Setting.class);
    Set<Setting> cleared = EnumSet.noneOf(Setting.class);
    String benchmark = r.identifier("benchmarkInstrumentId", false);
    if (benchmark != null) {
      own.put(Setting.BENCHMARK_INSTRUMENT_ID, benchmark);
    }
    BigDecimal rate = r.decimal("riskFreeRate", false);
    if (rate != null) {
      checked(r, Setting.RISK_FREE_RATE, rate, own);
    }
    if (clearing && r.isNull("benchmarkInstrumentId")) {
      cleared.add(Setting.BENCHMARK_INSTRUMENT_ID);
    }
    if (clearing && r.isNull("riskFreeRate")) {
      cleared.add(Setting.RISK_FREE_RATE);
    }
    if (clearing && r.isNull("alertThresholds")) {
      for (Setting setting : Setting.values()) {
        if (setting.thresholdName() != null) {
          cleared.add(setting);
        }
      }
    }
    Map<String, Object> thresholds = r.object("alertThresholds");
    if (thresholds != null) {
      RequestReader t = r.nested(thresholds, "alertThresholds.");
      for (String key : thresholds.keySet()) {
        if (!THRESHOLD_FIELDS.contains(key)) {
          t.error(key, "is not a known threshold (drift, maxDrawdown, volatility, var95)");
        }
      }
      if (thresholds.containsKey("drift") && thresholds.get("drift") == null && clearing) {
        t.error("drift", "cannot be removed: every portfolio has its own drift threshold (driftThreshold)");
      }
      BigDecimal aliased = t.decimal("drift", false);
      if (aliased != null && drift != null && aliased.compareTo(drift) != 0) {
        t.error("drift", "contradicts driftThreshold: they are the same setting");
      }
      drift = drift != null ? drift : aliased;
      for (Setting setting : Setting.values()) {
        String name = setting.thresholdName();
        if (name == null) {
          continue;
        }
        BigDecimal value = t.decimal(name, false);
        if (value != null) {
          checked(r, setting, value, own);
        } else if (clearing && thresholds.containsKey(name) && thresholds.get(name) == null) {
          cleared.add(setting);
        }
      }
    }
    return new Settings(drift, PortfolioSettings.of(own), cleared);
  }

  /** Puts a setting's canonical value, or reports the rule it breaks on its field. */
  private static void checked(RequestReader r, Setting setting, BigDecimal value, Map<Setting, String> own) {
    try {
      own.put(setting, setting.canonical(value.toPlainString()));
    } catch (io.portfoliostate.domain.DomainViolation e) {
      r.error(setting.path(), e.reason());
    }
  }

  static Parsed trade(PortfolioId id, Object json, String prefix, Long ifMatch) {
    RequestReader r = RequestReader.of(json, prefix, TRADE_FIELDS);
    String tradeId = r.identifier("tradeId", true);
    InstrumentId instrument = r.instrumentId("instrumentId", true);
    Side side = r.enumeration("side", Side.class, true);
    BigDecimal quantity = r.decimal("quantity", true);
    BigDecimal price = r.decimal("price", true);
    CurrencyCode currency = r.currency("currency", false);
    BigDecimal fees = r.decimal("fees", false);
    String strategy = r.identifier("strategy", false);
    Instant executedAt = r.instant("executedAt", false);
    Long expected = expectedVersion(r, ifMatch);
    return finish(r, expected, () -> new RecordTrade(id, tradeId, instrument, side, quantity, price,
        currency, fees, strategy, executedAt));
  }

  /** A cancel of the trade {@code tradeId} (from the path): {@code {reason?}}. */
  static Parsed cancel(PortfolioId id, String tradeId, Object json, Long ifMatch) {
    RequestReader r = RequestReader.of(json, "", CANCEL_FIELDS);
    String reason = r.string("reason", false);
    Long expected = expectedVersion(r, ifMatch);
    return finish(r, expected, () -> new CancelTrade(id, tradeId, reason));
  }

  /**
   * An amendment of the trade {@code tradeId} (from the path): the fields that change. The ids
   * and the instrument cannot change, and are refused with that reason rather than as unknown.
   */
  static Parsed amend(PortfolioId id, String tradeId, Object json, Long ifMatch) {
    if (json instanceof JsonObject) {
      for (String fixed : List.of("tradeId", "instrumentId", "portfolioId")) {
        if (((JsonObject) json).getValue(fixed) != null) {
          return new Parsed(null, List.of(new RequestReader.FieldError(fixed, fixed.equals("instrumentId")
              ? "cannot be amended: a trade in another instrument is another trade (cancel this one, record that one)"
              : "cannot be amended: it names the trade")));
        }
      }
    }
    RequestReader r = RequestReader.of(json, "", AMEND_FIELDS);
    Side side = r.enumeration("side", Side.class, false);
    BigDecimal quantity = r.decimal("quantity", false);
    BigDecimal price = r.decimal("price", false);
    BigDecimal fees = r.decimal("fees", false);
    CurrencyCode currency = r.currency("currency", false);
    String strategy = r.identifier("strategy", false);
    Instant executedAt = r.instant("executedAt", false);
    String reason = r.string("reason", false);
    Long expected = expectedVersion(r, ifMatch);
    return finish(r, expected, () -> new AmendTrade(id, tradeId, side, quantity, price, fees, currency, strategy,
        executedAt, reason));
  }

  /** A single trade request (the batch parses items with their index as prefix). */
  static Parsed tradeAt(PortfolioId id, Object json, Long ifMatch) {
    return trade(id, json, "", ifMatch);
  }

  static Parsed cashFlow(PortfolioId id, Object json, Long ifMatch) {
    RequestReader r = RequestReader.of(json, "", CASH_FLOW_FIELDS);
    String flowId = r.identifier("flowId", true);
    CashFlowType type = r.enumeration("type", CashFlowType.class, true);
    CurrencyCode currency = r.currency("currency", true);
    BigDecimal amount = r.decimal("amount", true);
    InstrumentId instrument = r.instrumentId("instrumentId", false);
    Instant occurredAt = r.instant("occurredAt", false);
    Long expected = expectedVersion(r, ifMatch);
    return finish(r, expected, () -> new RecordCashFlow(id, flowId, type, currency, amount, instrument, occurredAt));
  }

  static Parsed fxConversion(PortfolioId id, Object json, Long ifMatch) {
    RequestReader r = RequestReader.of(json, "", FX_FIELDS);
    String conversionId = r.identifier("conversionId", true);
    CurrencyCode from = r.currency("fromCurrency", true);
    CurrencyCode to = r.currency("toCurrency", true);
    BigDecimal amount = r.decimal("fromAmount", true);
    BigDecimal rate = r.decimal("rate", true);
    Long expected = expectedVersion(r, ifMatch);
    return finish(r, expected, () -> new ConvertFx(id, conversionId, from, to, amount, rate));
  }

  static Parsed targets(PortfolioId id, Object json, Long ifMatch) {
    RequestReader r = RequestReader.of(json, "", TARGET_FIELDS);
    Map<InstrumentId, BigDecimal> targets = r.weights("targets", true);
    BigDecimal threshold = r.decimal("driftThreshold", false);
    Long expected = expectedVersion(r, ifMatch);
    return finish(r, expected, () -> new SetTargets(id, targets, threshold));
  }

  /** {@code expectedVersion} in the body, or the {@code If-Match} header; both must agree. */
  private static Long expectedVersion(RequestReader r, Long ifMatch) {
    Long inBody = r.integer("expectedVersion", false);
    if (inBody != null && inBody < 0) {
      r.error("expectedVersion", "must be a version (0 or more)");
    } else if (inBody != null && ifMatch != null && !inBody.equals(ifMatch)) {
      r.error("expectedVersion", "contradicts the If-Match header");
    }
    return inBody != null ? inBody : ifMatch;
  }

  private static Parsed finish(RequestReader r, Long expected, java.util.function.Supplier<PortfolioCommand> build) {
    if (r.hasErrors()) {
      return new Parsed(null, r.errors());
    }
    PortfolioCommand command = r.attempt("body", build);
    if (command == null) {
      return new Parsed(null, r.errors());
    }
    return new Parsed(new CommandEnvelope(command, expected), List.of());
  }
}
