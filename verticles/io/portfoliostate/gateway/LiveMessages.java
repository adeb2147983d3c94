package io.portfoliostate.gateway;

import io.portfoliostate.domain.AlertRules;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.domain.valuation.PortfolioValuation;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.domain.valuation.TargetWeights;
import io.portfoliostate.protocol.AlertJson;
import io.portfoliostate.protocol.EventJson;
import io.portfoliostate.protocol.EventPage;
import io.portfoliostate.protocol.EventText;
import io.portfoliostate.protocol.InstantText;
import io.portfoliostate.protocol.JsonText;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The bodies of the messages the SockJS bridge sends (docs/live-updates.md), in the REST API's
 * shapes: a live client and a polling one read the same JSON.
 */
public final class LiveMessages {

  private LiveMessages() {
  }

  /** {@code {kind: snapshot, portfolioId, version, state}}. */
  public static JsonObject snapshot(PortfolioState state) {
    return new JsonObject().put("kind", "snapshot").put("portfolioId", state.id().value())
        .put("version", state.version()).put("state", Representations.portfolio(state));
  }

  /** {@code {kind: resync, portfolioId, version, reason, state}}. */
  public static JsonObject resync(PortfolioState state, String reason) {
    return new JsonObject().put("kind", "resync").put("portfolioId", state.id().value())
        .put("version", state.version()).put("reason", reason).put("state", Representations.portfolio(state));
  }

  /**
   * A change: the events that took {@code before} (at {@code fromVersion}) to {@code after}, as
   * the journal recorded them (with their alerts), and a summary of the positions they touched
   * (without their lots) and every cash balance. Nothing is evolved and no event is encoded
   * again: the body is spliced from the recorded text, once per commit for every subscriber.
   *
   * @param before the state before the change, or null before the portfolio's creation
   * @param recorded the change's events as recorded, one per event of {@code events}, in order
   */
  public static Change change(PortfolioState before, long fromVersion, List<PortfolioEvent> events,
      List<EventText> recorded, PortfolioState after) {
    StringBuilder body = scratch();
    body.append("{\"kind\":\"change\",\"portfolioId\":");
    JsonText.string(body, after.id().value());
    body
        .append(",\"fromVersion\":").append(fromVersion).append(",\"version\":").append(after.version())
        .append(",\"events\":[");
    List<JsonObject> alerts = List.of();
    for (int i = 0; i < recorded.size(); i++) {
      EventText event = recorded.get(i);
      if (i > 0) {
        body.append(',');
      }
      body.append("{\"version\":").append(event.version()).append(",\"type\":");
      JsonText.string(body, event.type());
      body.append(",\"recordedAt\":\"");
      if (event.recordedAt() == null) {
        body.append("null");
      } else {
        InstantText.append(body, event.recordedAt());
      }
      body.append("\",\"data\":").append(event.data());
      if (event.alerts() != null) {
        body.append(",\"alerts\":").append(event.alerts());
        if (alerts.isEmpty()) {
          alerts = new ArrayList<>();
        }
        for (Object alert : new JsonArray(event.alerts())) {
          alerts.add(((JsonObject) alert).put("kind", "alert"));
        }
      }
      body.append('}');
    }
    body.append("],\"summary\":");
    summary(body, before, events, after);
    body.append('}');
    return new Change(after.version(), body.toString(), alerts);
  }

  /** Larger than any change's body but one with many events: kept for the next change, not grown again. */
  private static final int SCRATCH_KEPT = 64 * 1024;
  private static final ThreadLocal<StringBuilder> SCRATCH = ThreadLocal.withInitial(() -> new StringBuilder(4096));

  /**
   * The thread's builder for a change's body, emptied: the hub writes every change on one
   * thread, and a builder made for each grew twice (512, 1 KB, 2 KB) before the body's text was
   * copied out of it.
   */
  private static StringBuilder scratch() {
    StringBuilder body = SCRATCH.get();
    if (body.capacity() > SCRATCH_KEPT) {
      body = new StringBuilder(4096);
      SCRATCH.set(body);
    }
    body.setLength(0);
    return body;
  }

  /**
   * A change whose recorded text the sender did not give: each event is evolved again from
   * {@code before} for the alerts it raised (AlertRules is a pure function of before, event,
   * after, so they are the journal's), with the change's time as every event's.
   */
  public static Change change(PortfolioState before, long fromVersion, List<PortfolioEvent> events,
      PortfolioState after) {
    List<EventText> recorded = new ArrayList<>(events.size());
    PortfolioState state = before;
    long version = fromVersion;
    for (PortfolioEvent event : events) {
      version++;
      PortfolioState next = PortfolioRules.evolve(state, event);
      recorded.add(new EventText(version, EventJson.type(event), after.updatedAt(), EventJson.encode(event),
          AlertJson.toJournal(after.id(), version, after.updatedAt(), AlertRules.raisedBy(state, event, next))));
      state = next;
    }
    return change(before, fromVersion, events, recorded, after);
  }

  /**
   * The positions the events touched, as they are after the change, without their lots (they
   * can be thousands: a client reads them from the REST API), and every cash balance. Written
   * straight into the message: a tree of JSON objects encoded by Jackson's data binding was most
   * of the hub's CPU per change.
   */
  private static void summary(StringBuilder out, PortfolioState before, List<PortfolioEvent> events,
      PortfolioState after) {
    Set<PositionKey> touched = new TreeSet<>();
    boolean others = false;
    for (PortfolioEvent event : events) {
      if (event instanceof TradeRecorded trade) {
        touched.add(trade.positionKey());
      } else {
        others = true;
      }
    }
    if (others && before != null && before.positions() != after.positions()) {
      // A corporate action, a cancel or amend: every position that differs. The maps are
      // persistent, so an untouched position is the same object before and after.
      for (Map.Entry<PositionKey, Position> entry : after.positions().entrySet()) {
        Position old = before.positions().get(entry.getKey());
        if (old != entry.getValue() && !entry.getValue().equals(old)) {
          touched.add(entry.getKey());
        }
      }
      for (PositionKey key : before.positions().keySet()) {
        if (!after.positions().containsKey(key)) {
          touched.add(key);
        }
      }
    }
    out.append("{\"updatedAt\":");
    JsonText.instant(out, after.updatedAt());
    out.append(",\"positions\":[");
    boolean first = true;
    for (PositionKey key : touched) {
      if (!first) {
        out.append(',');
      }
      first = false;
      Position position = after.positions().get(key);
      if (position != null) {
        positionWithoutLots(out, position);
      } else {
        out.append("{\"instrumentId\":");
        JsonText.string(out, key.instrumentId().value());
        out.append(",\"strategy\":");
        JsonText.string(out, key.strategy());
        out.append(",\"quantity\":\"0\"}");
      }
    }
    out.append("],\"cash\":[");
    first = true;
    for (Map.Entry<CurrencyCode, BigDecimal> balance : new TreeMap<>(after.cash()).entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      out.append("{\"currency\":");
      JsonText.string(out, balance.getKey().value());
      out.append(",\"balance\":");
      JsonText.string(out, Decimals.plain(balance.getValue()));
      out.append('}');
    }
    out.append("]}");
  }

  /** A position as {@link Representations#positionWithoutLots} shows it (LiveMessagesTest compares them). */
  private static void positionWithoutLots(StringBuilder out, Position p) {
    out.append("{\"instrumentId\":");
    JsonText.string(out, p.key().instrumentId().value());
    out.append(",\"strategy\":");
    JsonText.string(out, p.key().strategy());
    out.append(",\"quantity\":");
    JsonText.string(out, Decimals.plain(p.quantity()));
    out.append(",\"averageCost\":");
    JsonText.string(out, Decimals.plain(p.averageCost()));
    out.append(",\"costBasis\":");
    JsonText.string(out, Decimals.plain(p.costBasis()));
    out.append(",\"realizedPnl\":");
    JsonText.string(out, Decimals.plain(p.realizedPnl()));
    out.append(",\"fees\":");
    JsonText.string(out, Decimals.plain(p.fees()));
    out.append(",\"currency\":");
    JsonText.string(out, p.currency().value());
    out.append(",\"openedAt\":");
    JsonText.instant(out, p.openedAt());
    out.append(",\"updatedAt\":");
    JsonText.instant(out, p.updatedAt());
    out.append('}');
  }

  /**
   * The changes of journal entries, one per entry, from {@code state} at the version before the
   * first (a resume or a gap read from the journal): each entry's state is evolved here, since
   * the journal holds events, not states.
   *
   * @param state the state before the first entry, or null before the portfolio's creation
   */
  public static Replayed replayed(PortfolioState state, List<EventPage.Entry> entries) {
    List<Change> changes = new ArrayList<>(entries.size());
    PortfolioState at = state;
    for (EventPage.Entry entry : entries) {
      PortfolioState next = PortfolioRules.evolve(at, entry.event());
      EventText text = new EventText(entry.version(), EventJson.type(entry.event()), entry.recordedAt(),
          EventJson.encode(entry.event()), entry.alerts());
      changes.add(change(at, entry.version() - 1, List.of(entry.event()), List.of(text), next));
      at = next;
    }
    return new Replayed(changes, at);
  }

  /** Changes read from the journal, and the state after the last. */
  public record Replayed(List<Change> changes, PortfolioState last) {
  }

  /**
   * A change's body as JSON text (written into every subscriber's frame as is), its version,
   * and the alerts its events raised (each a body of its own).
   */
  public record Change(long version, String body, List<JsonObject> alerts) {
  }

  /** {@code {kind: valuation, portfolioId, version, asOf, baseCurrency, nav, complete, positions, cash, weights}}. */
  public static JsonObject valuation(PortfolioState state, PortfolioValuation valuation) {
    return new JsonObject().put("kind", "valuation").put("portfolioId", state.id().value())
        .put("version", state.version()).put("asOf", valuation.asOf().toString())
        .put("baseCurrency", state.baseCurrency().value())
        .put("nav", Decimals.plain(valuation.nav())).put("complete", valuation.complete())
        .put("positions", Valuations.positions(valuation.positions()))
        .put("cash", Valuations.cash(valuation.cash()))
        .put("weights", Valuations.weights(TargetWeights.of(state, valuation)));
  }

  /** {@code {kind: price, instrumentId, price, currency, at}}. */
  public static JsonObject price(Price price) {
    return new JsonObject().put("kind", "price").put("instrumentId", price.instrumentId().value())
        .put("price", Decimals.plain(price.price()))
        .put("currency", price.currency() == null ? null : price.currency().value())
        .put("at", price.at() == null ? null : price.at().toString());
  }

  /** An alert body: the alert's JSON (as on the alerts topic) with {@code kind: alert}. */
  public static JsonObject alert(JsonObject alert) {
    return alert.copy().put("kind", "alert");
  }

  static String plain(BigDecimal value) {
    return Decimals.plain(value);
  }
}
