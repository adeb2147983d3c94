package io.portfoliostate.protocol;

import static io.portfoliostate.protocol.Json.decimal;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Market data as JSON, field by field and exact (decimals as plain strings): the wire format of
 * {@link MarketUpdate} and the format of an instrument's factors in the database.
 */
public final class MarketJson {

  private MarketJson() {
  }

  public static JsonObject update(MarketUpdate update) {
    JsonArray instruments = new JsonArray();
    update.instruments().forEach(instrument -> instruments.add(instrument(instrument)));
    JsonArray prices = new JsonArray();
    update.prices().forEach(price -> prices.add(new JsonObject().put("instrumentId", price.instrumentId().value())
        .put("price", decimal(price.price())).put("currency", price.currency().value())
        .put("at", price.at().toString())));
    JsonArray rates = new JsonArray();
    update.rates().forEach(rate -> rates.add(new JsonObject().put("base", rate.base().value())
        .put("quote", rate.quote().value()).put("rate", decimal(rate.rate())).put("at", rate.at().toString())));
    return new JsonObject().put("origin", update.origin()).put("instruments", instruments).put("prices", prices)
        .put("rates", rates);
  }

  public static MarketUpdate update(JsonObject json) {
    List<Instrument> instruments = new ArrayList<>();
    json.getJsonArray("instruments").forEach(item -> instruments.add(instrument((JsonObject) item)));
    List<Price> prices = new ArrayList<>();
    json.getJsonArray("prices").forEach(item -> {
      JsonObject price = (JsonObject) item;
      prices.add(new Price(InstrumentId.of(price.getString("instrumentId")), Json.decimal(price, "price"),
          CurrencyCode.of(price.getString("currency")), Instant.parse(price.getString("at"))));
    });
    List<FxRate> rates = new ArrayList<>();
    json.getJsonArray("rates").forEach(item -> {
      JsonObject rate = (JsonObject) item;
      rates.add(new FxRate(CurrencyCode.of(rate.getString("base")), CurrencyCode.of(rate.getString("quote")),
          Json.decimal(rate, "rate"), Instant.parse(rate.getString("at"))));
    });
    return new MarketUpdate(json.getString("origin"), instruments, prices, rates);
  }

  /** An instrument: id, currency, the labels it has, and its factors. */
  public static JsonObject instrument(Instrument instrument) {
    JsonObject json = new JsonObject().put("id", instrument.id().value())
        .put("currency", instrument.currency().value());
    Json.putIfPresent(json, "assetClass", instrument.assetClass());
    Json.putIfPresent(json, "sector", instrument.sector());
    Json.putIfPresent(json, "country", instrument.country());
    return json.put("factors", factors(instrument.factors()));
  }

  public static Instrument instrument(JsonObject json) {
    return new Instrument(InstrumentId.of(json.getString("id")), CurrencyCode.of(json.getString("currency")),
        json.getString("assetClass"), json.getString("sector"), json.getString("country"),
        factors(json.getJsonObject("factors")));
  }

  /** Factor loadings as an object of name to decimal string, in name order. */
  public static JsonObject factors(Map<String, BigDecimal> factors) {
    JsonObject json = new JsonObject();
    new TreeMap<>(factors).forEach((name, loading) -> json.put(name, decimal(loading)));
    return json;
  }

  public static Map<String, BigDecimal> factors(JsonObject json) {
    Map<String, BigDecimal> factors = new TreeMap<>();
    if (json != null) {
      json.forEach(entry -> factors.put(entry.getKey(), new BigDecimal((String) entry.getValue())));
    }
    return factors;
  }
}
