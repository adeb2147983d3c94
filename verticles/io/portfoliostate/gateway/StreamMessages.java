package io.portfoliostate.gateway;

import io.portfoliostate.domain.Identifiers;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.protocol.CommandEnvelope;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Commands that arrive as stream messages rather than HTTP requests (API.md, Pulsar: a
 * {@code trade-executions} message is the trade command JSON plus {@code portfolioId}, or, with
 * {@code "action": "CANCEL"} or {@code "AMEND"} and the {@code tradeId}, the body of a cancel or
 * an amendment as posted to {@code .../trades/{tradeId}:cancel} or {@code :amend}; a
 * {@code cash-movements} message the cash-flow JSON plus {@code portfolioId}; a {@code
 * market-prices} message one price as posted to the REST API). Parsed by the
 * same rules as the REST bodies, so a message means exactly what the same JSON posted would.
 */
public final class StreamMessages {

  /** What a stream message carries. */
  public enum Kind {
    TRADE, CASH_FLOW
  }

  /** A command to send to its owner, or why the message can never apply. */
  public record Parsed(CommandEnvelope envelope, String problem) {
    public boolean ok() {
      return envelope != null;
    }
  }

  private StreamMessages() {
  }

  public static Parsed parse(Kind kind, byte[] payload) {
    Object json;
    try {
      json = JsonInput.parse(payload);
    } catch (JsonInput.MalformedJson e) {
      return new Parsed(null, "malformed: " + e.getMessage());
    }
    if (!(json instanceof Map)) {
      return new Parsed(null, "invalid: the message must be a JSON object");
    }
    Map<String, Object> body = new LinkedHashMap<>(castMap(json));
    Object id = body.remove("portfolioId");
    if (!(id instanceof String) || !Identifiers.isValid((String) id)) {
      return new Parsed(null, "invalid: portfolioId must be an identifier (1-64 of A-Z a-z 0-9 . _ : -)");
    }
    PortfolioId portfolio = PortfolioId.of((String) id);
    CommandParsers.Parsed parsed;
    if (kind == Kind.TRADE && body.containsKey("action")) {
      Object action = body.remove("action");
      Object tradeId = body.remove("tradeId");
      if (!(tradeId instanceof String) || !Identifiers.isValid((String) tradeId)) {
        return new Parsed(null, "invalid: tradeId must be an identifier (1-64 of A-Z a-z 0-9 . _ : -)");
      }
      if ("CANCEL".equals(action)) {
        parsed = CommandParsers.cancel(portfolio, (String) tradeId, body, null);
      } else if ("AMEND".equals(action)) {
        parsed = CommandParsers.amend(portfolio, (String) tradeId, body, null);
      } else if ("RECORD".equals(action)) {
        body.put("tradeId", tradeId);
        parsed = CommandParsers.tradeAt(portfolio, body, null);
      } else {
        return new Parsed(null, "invalid: action must be RECORD (the default), CANCEL or AMEND");
      }
    } else {
      parsed = kind == Kind.TRADE
          ? CommandParsers.tradeAt(portfolio, body, null)
          : CommandParsers.cashFlow(portfolio, body, null);
    }
    if (!parsed.ok()) {
      return new Parsed(null, "invalid: " + describe(parsed.errors()));
    }
    return new Parsed(parsed.envelope(), null);
  }

  /** A price to store, or why the message can never apply. */
  public record ParsedPrice(Price price, String problem) {
    public boolean ok() {
      return price != null;
    }
  }

  /**
   * A {@code market-prices} message: one price as posted to {@code POST /api/v1/prices}
   * ({@code {instrumentId, price, currency?, at?}}), by the same rules.
   */
  public static ParsedPrice parsePrice(byte[] payload, ReferenceData reference, Instant now) {
    Object json;
    try {
      json = JsonInput.parse(payload);
    } catch (JsonInput.MalformedJson e) {
      return new ParsedPrice(null, "malformed: " + e.getMessage());
    }
    MarketParsers.Parsed<List<Price>> parsed = MarketParsers.prices(List.of(json), reference, now);
    if (!parsed.ok()) {
      return new ParsedPrice(null, "invalid: " + describe(parsed.errors()));
    }
    return new ParsedPrice(parsed.value().get(0), null);
  }

  private static String describe(List<RequestReader.FieldError> errors) {
    return errors.stream().map(e -> e.field() + " " + e.message()).collect(Collectors.joining("; "));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object json) {
    return (Map<String, Object>) json;
  }
}
