package io.portfoliostate.gateway;

import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.ConvertFx;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CreatePortfolio;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioCommand;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.RecordCashFlow;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.SetTargets;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.UpdatePortfolio;
import io.portfoliostate.protocol.CommandEnvelope;
import java.math.BigDecimal;
import java.time.Instant;
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

  static final Set<String> CREATE_FIELDS =
      Set.of("id", "name", "baseCurrency", "parentId", "costMethod", "driftThreshold", "targets");
  static final Set<String> UPDATE_FIELDS =
      Set.of("name", "parentId", "driftThreshold", "costMethod", "expectedVersion");
  static final Set<String> TRADE_FIELDS = Set.of("tradeId", "instrumentId", "side", "quantity", "price",
      "currency", "fees", "strategy", "executedAt", "expectedVersion");
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
    BigDecimal threshold = r.decimal("driftThreshold", false);
    Map<InstrumentId, BigDecimal> targets = r.weights("targets", false);
    return finish(r, null, () -> new CreatePortfolio(id, name, base, parent, method, threshold, targets));
  }

  static Parsed update(PortfolioId id, Object json, Long ifMatch) {
    RequestReader r = RequestReader.of(json, "", UPDATE_FIELDS);
    String name = r.string("name", false);
    PortfolioId parent = r.portfolioId("parentId", false);
    BigDecimal threshold = r.decimal("driftThreshold", false);
    CostMethod method = r.enumeration("costMethod", CostMethod.class, false);
    Long expected = expectedVersion(r, ifMatch);
    return finish(r, expected, () -> new UpdatePortfolio(id, name, parent, threshold, method));
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
