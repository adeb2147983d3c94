package io.portfoliostate.protocol;

import static io.portfoliostate.protocol.Json.decimal;
import static io.portfoliostate.protocol.Json.putIfPresent;
import static io.portfoliostate.protocol.Json.text;

import io.portfoliostate.domain.BatchDecision;
import io.portfoliostate.domain.CommandResult;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Lot;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.Rejection;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The messages that cross nodes — owner requests, their replies, and published changes — as
 * JSON. Like the journal's format, mapped field by field: a rolling upgrade runs two versions
 * of the code in one cluster, so the wire format must not follow Java field names by accident.
 */
public final class MessageJson {

  private MessageJson() {
  }

  public static JsonObject execute(OwnerRequest.Execute request) {
    JsonArray commands = new JsonArray();
    for (CommandEnvelope envelope : request.commands()) {
      JsonObject json = new JsonObject().put("command", CommandJson.toJson(envelope.command()));
      putIfPresent(json, "expectedVersion", envelope.expectedVersion());
      putIfPresent(json, "origin", envelope.origin() == null ? null : envelope.origin().toJson());
      commands.add(putIfPresent(json, "idempotencyKey", envelope.idempotencyKey()));
    }
    return new JsonObject().put("portfolioId", request.portfolioId().value()).put("commands", commands);
  }

  public static OwnerRequest.Execute execute(JsonObject json) {
    List<CommandEnvelope> commands = new ArrayList<>();
    for (Object item : json.getJsonArray("commands")) {
      JsonObject envelope = (JsonObject) item;
      commands.add(new CommandEnvelope(CommandJson.fromJson(envelope.getJsonObject("command")),
          envelope.getLong("expectedVersion"), envelope.getString("idempotencyKey"),
          Origin.fromJson(envelope.getJsonObject("origin"))));
    }
    return new OwnerRequest.Execute(Json.portfolioId(json, "portfolioId"), commands);
  }

  public static JsonObject read(OwnerRequest.Read request) {
    JsonObject json = new JsonObject().put("portfolioId", request.portfolioId().value());
    putIfPresent(json, "version", request.version());
    putIfPresent(json, "asOf", text(request.asOf()));
    return putIfPresent(json, "knownAt", text(request.knownAt()));
  }

  public static OwnerRequest.Read read(JsonObject json) {
    return new OwnerRequest.Read(Json.portfolioId(json, "portfolioId"), json.getLong("version"),
        Json.instant(json, "asOf"), Json.instant(json, "knownAt"));
  }

  public static JsonObject watch(OwnerRequest.Watch request) {
    JsonObject json = new JsonObject().put("portfolioId", request.portfolioId().value())
        .put("nodeId", request.nodeId()).put("leaseMs", request.leaseMs());
    // Only when set: an owner of the version before ignores it and answers the state, as before.
    return request.stateWanted() ? json : json.put("versionOnly", true);
  }

  public static OwnerRequest.Watch watch(JsonObject json) {
    return new OwnerRequest.Watch(Json.portfolioId(json, "portfolioId"), json.getString("nodeId"),
        json.getLong("leaseMs"), !json.getBoolean("versionOnly", false));
  }

  public static JsonObject readEvents(OwnerRequest.ReadEvents request) {
    return new JsonObject().put("portfolioId", request.portfolioId().value())
        .put("afterVersion", request.afterVersion()).put("limit", request.limit());
  }

  public static OwnerRequest.ReadEvents readEvents(JsonObject json) {
    return new OwnerRequest.ReadEvents(Json.portfolioId(json, "portfolioId"), json.getLong("afterVersion"),
        json.getInteger("limit"));
  }

  public static JsonObject outcomes(CommandOutcomes outcomes) {
    LotRuns lotRuns = new LotRuns();
    JsonArray items = new JsonArray();
    for (CommandOutcome outcome : outcomes.outcomes()) {
      if (outcome instanceof CommandOutcome.Recorded) {
        CommandOutcome.Recorded recorded = (CommandOutcome.Recorded) outcome;
        JsonObject json = new JsonObject().put("result", result(recorded.result(), lotRuns))
            .put("replay", recorded.replay());
        if (!recorded.replayedItems().isEmpty()) {
          json.put("replayedItems", new JsonArray(new ArrayList<>(recorded.replayedItems())));
        }
        if (!recorded.skippedItems().isEmpty()) {
          json.put("skippedItems", refusals(recorded.skippedItems()));
        }
        items.add(json);
      } else {
        CommandOutcome.Refused refusedOutcome = (CommandOutcome.Refused) outcome;
        JsonObject refused = rejection(refusedOutcome.rejection());
        if (!refusedOutcome.items().isEmpty()) {
          refused.put("items", refusals(refusedOutcome.items()));
        }
        items.add(new JsonObject().put("refused", refused));
      }
    }
    return new JsonObject().put("outcomes", items);
  }

  public static CommandOutcomes outcomes(JsonObject json) {
    Map<PositionKey, List<Lot>> lotsBefore = new HashMap<>();
    List<CommandOutcome> outcomes = new ArrayList<>();
    for (Object item : json.getJsonArray("outcomes")) {
      JsonObject outcome = (JsonObject) item;
      JsonObject refused = outcome.getJsonObject("refused");
      if (refused == null) {
        List<Integer> replayed = new ArrayList<>();
        JsonArray replayedItems = outcome.getJsonArray("replayedItems", new JsonArray());
        for (int i = 0; i < replayedItems.size(); i++) {
          replayed.add(replayedItems.getInteger(i));
        }
        outcomes.add(new CommandOutcome.Recorded(result(outcome.getJsonObject("result"), lotsBefore),
            outcome.getBoolean("replay"),
            replayed, refusals(outcome.getJsonArray("skippedItems"))));
      } else {
        outcomes.add(new CommandOutcome.Refused(rejection(refused), refusals(refused.getJsonArray("items"))));
      }
    }
    return new CommandOutcomes(outcomes);
  }

  private static JsonObject rejection(Rejection rejection) {
    JsonObject json = new JsonObject().put("reason", rejection.reason().name()).put("detail", rejection.detail());
    return putIfPresent(json, "field", rejection.field());
  }

  private static Rejection rejection(JsonObject json) {
    return new Rejection(Rejection.Reason.valueOf(json.getString("reason")), json.getString("detail"),
        json.getString("field"));
  }

  /** A batch's refused items: {@code [{"index":3,"reason":...,"detail":...,"field":...}]}. */
  private static JsonArray refusals(List<BatchDecision.Refusal> refusals) {
    JsonArray array = new JsonArray();
    for (BatchDecision.Refusal refusal : refusals) {
      array.add(rejection(refusal.rejection()).put("index", refusal.index()));
    }
    return array;
  }

  private static List<BatchDecision.Refusal> refusals(JsonArray array) {
    List<BatchDecision.Refusal> refusals = new ArrayList<>();
    if (array != null) {
      for (int i = 0; i < array.size(); i++) {
        JsonObject json = array.getJsonObject(i);
        refusals.add(new BatchDecision.Refusal(json.getInteger("index"), rejection(json)));
      }
    }
    return refusals;
  }

  private static JsonObject result(CommandResult result, LotRuns lotRuns) {
    JsonObject cash = new JsonObject();
    new TreeMap<>(result.cash()).forEach((currency, balance) -> cash.put(currency.value(), decimal(balance)));
    JsonObject json = new JsonObject().put("portfolioId", result.portfolioId().value())
        .put("version", result.version()).put("cash", cash);
    putIfPresent(json, "position", result.position() == null ? null : lotRuns.encode(result.position()));
    return putIfPresent(json, "portfolio", result.portfolio() == null ? null : StateJson.toJson(result.portfolio()));
  }

  private static CommandResult result(JsonObject json, Map<PositionKey, List<Lot>> lotsBefore) {
    Map<CurrencyCode, BigDecimal> cash = new HashMap<>();
    json.getJsonObject("cash").forEach(entry ->
        cash.put(CurrencyCode.of(entry.getKey()), new BigDecimal((String) entry.getValue())));
    JsonObject position = json.getJsonObject("position");
    JsonObject portfolio = json.getJsonObject("portfolio");
    return new CommandResult(Json.portfolioId(json, "portfolioId"), json.getLong("version"),
        position == null ? null : LotRuns.decode(position, lotsBefore), Map.copyOf(cash),
        portfolio == null ? null : StateJson.fromJson(portfolio));
  }

  /**
   * The positions of a message's results, each result's lots sent as what differs from the
   * previous result of the same position in the message. The answer to a {@code trades:batch}
   * carries every trade's position after it, lots included (as the API answers it): 300 trades
   * into a position of 1,500 lots were 450,000 lots, encoded on the owner's event loop for
   * seconds when the answer went to another node. A trade changes a few lots (a buy opens one, a
   * sell shrinks or closes the first ones) and the book shares the others, the same {@link Lot}
   * objects, with the book before it; so a position's first result in the message is written
   * whole ({@code "lots"}) and each later one as {@code "lotRuns"}: runs {@code [from, to]} of the
   * previous result's lots (a half-open range), and the lots that are new, written out, in order.
   * The cost is a lookup per lot instead of its encoding, and the message grows with the lots
   * that change. A book rebuilt since (no lot shared) is simply written out lot by lot.
   */
  private static final class LotRuns {
    private final Map<PositionKey, List<Lot>> sent = new HashMap<>();

    JsonObject encode(Position position) {
      List<Lot> before = sent.put(position.key(), position.lots());
      if (before == null) {
        return StateJson.position(position);
      }
      JsonArray runs = new JsonArray();
      LotDelta.tell(before, position.lots(), new LotDelta.Sink() {
        @Override
        public void run(int from, int to) {
          runs.add(new JsonArray().add(from).add(to));
        }

        @Override
        public void lot(Lot lot) {
          runs.add(StateJson.lot(lot));
        }
      });
      return StateJson.positionWithoutLots(position).put("lotRuns", runs);
    }

    /**
     * The position of a result, its lots rebuilt from the runs against {@code lotsBefore} (each
     * position's lots as decoded last, in array lists: a range of them is copied, not walked).
     */
    static Position decode(JsonObject json, Map<PositionKey, List<Lot>> lotsBefore) {
      JsonArray runs = json.getJsonArray("lotRuns");
      List<Lot> lots = new ArrayList<>();
      if (runs == null) {
        for (Object item : json.getJsonArray("lots")) {
          lots.add(StateJson.lot((JsonObject) item));
        }
      } else {
        List<Lot> before = lotsBefore.get(new PositionKey(Json.instrumentId(json, "instrumentId"),
            json.getString("strategy")));
        if (before == null) {
          throw new IllegalArgumentException("lot runs of a position without lots before it");
        }
        for (Object run : runs) {
          if (run instanceof JsonArray range) {
            lots.addAll(before.subList(range.getInteger(0), range.getInteger(1)));
          } else {
            lots.add(StateJson.lot((JsonObject) run));
          }
        }
      }
      Position position = StateJson.position(json, lots);
      lotsBefore.put(position.key(), lots);
      return position;
    }
  }

  public static JsonObject eventPage(EventPage page) {
    JsonArray events = new JsonArray();
    for (EventPage.Entry entry : page.events()) {
      events.add(new JsonObject().put("version", entry.version()).put("type", EventJson.type(entry.event()))
          .put("payload", EventJson.toJson(entry.event())).put("recordedAt", text(entry.recordedAt()))
          .put("alerts", entry.alerts()).put("origin", entry.origin() == null ? null : entry.origin().toJson()));
    }
    return new JsonObject().put("events", events).put("currentVersion", page.currentVersion());
  }

  public static EventPage eventPage(JsonObject json) {
    List<EventPage.Entry> entries = new ArrayList<>();
    for (Object item : json.getJsonArray("events")) {
      JsonObject entry = (JsonObject) item;
      entries.add(new EventPage.Entry(entry.getLong("version"),
          EventJson.fromJson(entry.getString("type"), entry.getJsonObject("payload")),
          Json.instant(entry, "recordedAt"), entry.getString("alerts"), Origin.fromJson(entry.getJsonObject("origin"))));
    }
    return new EventPage(entries, json.getLong("currentVersion"));
  }

  /**
   * A change as it crosses to another node's live hub: its versions, its events as the journal
   * recorded them, and the small facts the receiver checks its own evolved state against (the
   * position count and the cash), never the state itself: the message grows with the events, not
   * with the book. A change without recorded text carries its events in the plain event form.
   */
  public static JsonObject change(PortfolioChange change) {
    JsonObject cash = new JsonObject();
    change.cash().forEach((currency, balance) -> cash.put(currency.value(), decimal(balance)));
    JsonObject json = new JsonObject().put("portfolioId", change.portfolioId().value())
        .put("fromVersion", change.fromVersion()).put("version", change.version())
        .put("positionCount", change.positionCount()).put("cash", cash);
    if (change.recorded().isEmpty()) {
      json.put("events", events(change.events()));
    } else {
      json.put("recorded", recorded(change.recorded()));
    }
    return json;
  }

  private static JsonArray recorded(List<EventText> recorded) {
    JsonArray array = new JsonArray();
    for (EventText text : recorded) {
      array.add(new JsonObject().put("version", text.version()).put("type", text.type())
          .put("recordedAt", text.recordedAt().toString()).put("data", text.data()).put("alerts", text.alerts()));
    }
    return array;
  }

  /**
   * A change from another node: without its state (the receiver evolves its own, {@link
   * PortfolioChange#stateAfter}); the events are read from the recorded text when it came. A
   * message with a {@code state} (a node of the version before, during a rolling upgrade) keeps it.
   */
  public static PortfolioChange change(JsonObject json) {
    List<EventText> recorded = new ArrayList<>();
    List<PortfolioEvent> events = new ArrayList<>();
    JsonArray texts = json.getJsonArray("recorded");
    if (texts != null) {
      for (Object item : texts) {
        JsonObject text = (JsonObject) item;
        EventText event = new EventText(text.getLong("version"), text.getString("type"),
            Json.instant(text, "recordedAt"), text.getString("data"), text.getString("alerts"));
        recorded.add(event);
      }
    }
    JsonArray plain = json.getJsonArray("events");
    if (plain != null) {
      for (Object item : plain) {
        JsonObject event = (JsonObject) item;
        events.add(EventJson.fromJson(event.getString("type"), event.getJsonObject("payload")));
      }
    } else {
      for (EventText text : recorded) {
        events.add(EventJson.fromJson(text.type(), new JsonObject(text.data())));
      }
    }
    JsonObject state = json.getJsonObject("state");
    if (state != null) {
      return new PortfolioChange(StateJson.fromJson(state), json.getLong("fromVersion"), events, recorded);
    }
    Map<CurrencyCode, BigDecimal> cash = new HashMap<>();
    json.getJsonObject("cash").forEach(entry ->
        cash.put(CurrencyCode.of(entry.getKey()), new BigDecimal((String) entry.getValue())));
    return new PortfolioChange(PortfolioId.of(json.getString("portfolioId")), json.getLong("fromVersion"),
        json.getLong("version"), null, events, recorded, json.getInteger("positionCount"), cash);
  }

  private static JsonArray events(List<PortfolioEvent> events) {
    JsonArray array = new JsonArray();
    for (PortfolioEvent event : events) {
      array.add(new JsonObject().put("type", EventJson.type(event)).put("payload", EventJson.toJson(event)));
    }
    return array;
  }
}
