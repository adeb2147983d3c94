package io.portfoliostate.gateway;

import io.portfoliostate.domain.CashDividend;
import io.portfoliostate.domain.CorporateAction;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.Split;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Turns the body of {@code POST /api/v1/corporate-actions} into a {@link CorporateAction}, with
 * the rules of the other parsers: every problem at once, unknown fields refused, times with a
 * zone. A field that belongs to the other type (a ratio on a dividend) is refused too: it would
 * be silently ignored otherwise.
 */
final class CorporateActionParsers {

  static final Set<String> FIELDS = Set.of("actionId", "instrumentId", "type", "ratio", "amountPerShare",
      "effectiveAt");

  private static final String SPLIT = "SPLIT";
  private static final String CASH_DIVIDEND = "CASH_DIVIDEND";

  private CorporateActionParsers() {
  }

  static MarketParsers.Parsed<CorporateAction> action(Object json) {
    RequestReader r = RequestReader.of(json, "", FIELDS);
    String actionId = r.identifier("actionId", true);
    InstrumentId instrumentId = r.instrumentId("instrumentId", true);
    String type = r.string("type", true);
    Instant effectiveAt = r.instant("effectiveAt", true);
    String ratio = r.string("ratio", false);
    BigDecimal amountPerShare = r.decimal("amountPerShare", false);
    if (SPLIT.equals(type)) {
      if (ratio == null && !r.has("ratio")) {
        r.error("ratio", "is required for a SPLIT");
      }
      if (r.has("amountPerShare")) {
        r.error("amountPerShare", "applies to a CASH_DIVIDEND only");
      }
    } else if (CASH_DIVIDEND.equals(type)) {
      if (amountPerShare == null && !r.has("amountPerShare")) {
        r.error("amountPerShare", "is required for a CASH_DIVIDEND");
      }
      if (r.has("ratio")) {
        r.error("ratio", "applies to a SPLIT only");
      }
    } else if (type != null) {
      r.error("type", "must be one of [SPLIT, CASH_DIVIDEND]");
    }
    if (r.hasErrors()) {
      return new MarketParsers.Parsed<>(null, r.errors());
    }
    CorporateAction action = r.attempt("body", () -> SPLIT.equals(type)
        ? Split.of(actionId, instrumentId, ratio, effectiveAt)
        : new CashDividend(actionId, instrumentId, amountPerShare, effectiveAt));
    return action == null ? new MarketParsers.Parsed<>(null, r.errors())
        : new MarketParsers.Parsed<>(action, List.of());
  }
}
