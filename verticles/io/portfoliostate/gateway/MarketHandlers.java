package io.portfoliostate.gateway;

import io.portfoliostate.domain.Identifiers;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.persistence.MarketDataStore;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.MarketJson;
import io.portfoliostate.protocol.MarketWrite;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * The REST handlers of market data: instruments, prices and FX rates. They validate, then hand
 * the data to the node's market-data writer and answer after its COMMIT. No portfolio is
 * touched: portfolios are valued when they are read.
 */
final class MarketHandlers {

  private final EventBus bus;
  private final MarketView view;
  private final MarketDataStore store;
  private final Clock clock;
  private final long writeTimeoutMs;
  /** The routing-context key of when the request arrived (epoch milliseconds). */
  static final String ARRIVED_AT = "pstate.arrivedAt";

  /** @param writeTimeoutMs how long a write waits for the writer: the HTTP request's own timeout */
  MarketHandlers(EventBus bus, MarketView view, MarketDataStore store, Clock clock, long writeTimeoutMs) {
    this.writeTimeoutMs = writeTimeoutMs;
    this.bus = bus;
    this.view = view;
    this.store = store;
    this.clock = clock;
  }

  /** Creates (201) or replaces (200) an instrument's reference data. */
  void putInstrument(RoutingContext ctx) {
    InstrumentId id = pathId(ctx);
    Object body = id == null ? null : HttpBodies.json(ctx);
    if (body == null) {
      return;
    }
    MarketParsers.Parsed<Instrument> parsed = MarketParsers.instrument(id, body);
    if (!parsed.ok()) {
      Problems.send(ctx, Problems.invalid(parsed.errors()));
      return;
    }
    Instant now = clock.instant();
    write(new MarketWrite(List.of(parsed.value()), List.of(), List.of(), now))
        .onSuccess(written -> HttpBodies.json(ctx, written.createdInstruments().contains(id) ? 201 : 200,
            instrument(parsed.value(), now)))
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /** An instrument as stored (read from the database, the record of what every node knows). */
  void getInstrument(RoutingContext ctx) {
    InstrumentId id = pathId(ctx);
    if (id == null) {
      return;
    }
    store.instrument(id).onSuccess(stored -> {
      if (stored == null) {
        Problems.send(ctx, new Problems.Problem(404, "not-found", "Not found", "instrument " + id
            + " has no reference data", null));
      } else {
        HttpBodies.json(ctx, 200, instrument(stored.instrument(), stored.updatedAt()));
      }
    }).onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  void postPrices(RoutingContext ctx) {
    Object body = HttpBodies.json(ctx);
    if (body == null) {
      return;
    }
    Instant now = clock.instant();
    MarketParsers.Parsed<List<Price>> parsed = MarketParsers.prices(body, view, now);
    if (!parsed.ok()) {
      Problems.send(ctx, Problems.invalid(parsed.errors()));
      return;
    }
    store(ctx, new MarketWrite(List.of(), parsed.value(), List.of(), now));
  }

  void postFxRates(RoutingContext ctx) {
    Object body = HttpBodies.json(ctx);
    if (body == null) {
      return;
    }
    Instant now = clock.instant();
    MarketParsers.Parsed<List<FxRate>> parsed = MarketParsers.fxRates(body, now);
    if (!parsed.ok()) {
      Problems.send(ctx, Problems.invalid(parsed.errors()));
      return;
    }
    store(ctx, new MarketWrite(List.of(), List.of(), parsed.value(), now));
  }

  private void store(RoutingContext ctx, MarketWrite write) {
    Long arrived = ctx.get(ARRIVED_AT);
    long left = arrived == null ? writeTimeoutMs : writeTimeoutMs - (System.currentTimeMillis() - arrived);
    if (left <= 0) {
      Problems.send(ctx, Problems.unavailable("the request took too long; nothing was written"));
      return;
    }
    write(write, left).onSuccess(written -> HttpBodies.json(ctx, 200, new JsonObject().put("stored", write.size())
            .put("recordedAt", write.recordedAt().toString()).put("marketSeq", written.marketSeq())))
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  private Future<MarketWrite.Written> write(MarketWrite write) {
    return write(write, writeTimeoutMs);
  }

  private Future<MarketWrite.Written> write(MarketWrite write, long timeoutMs) {
    // The deadline lets the writer drop the write, still queued, once the client has had its 503.
    return bus.<MarketWrite.Written>request(Addresses.MARKET_WRITE, write, MarketWrite.delivery(timeoutMs))
        .map(reply -> reply.body());
  }

  private static JsonObject instrument(Instrument instrument, Instant updatedAt) {
    return new JsonObject()
        .put("id", instrument.id().value())
        .put("currency", instrument.currency().value())
        .put("assetClass", instrument.assetClass())
        .put("sector", instrument.sector())
        .put("country", instrument.country())
        .put("factors", MarketJson.factors(instrument.factors()))
        .put("updatedAt", updatedAt.toString());
  }

  /** The instrument id of the path; null after a 400 was sent. */
  private static InstrumentId pathId(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!Identifiers.isValid(id)) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("id",
          "must be 1-64 characters of A-Z a-z 0-9 . _ : -"))));
      return null;
    }
    return InstrumentId.of(id);
  }
}
