package io.portfoliostate.protocol;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * Who caused a command, and through which door it came: journaled with every event the command
 * produced, shown by {@code GET /events} and on the change stream. It travels with the command
 * ({@link CommandEnvelope#origin()}) from the gateway or consumer that received it to the owner,
 * across nodes when the owner lives elsewhere.
 *
 * <p>The fields other than {@code principal} and {@code channel} are the channel's details and
 * null when they do not apply: a REST request's id; a Pulsar message's topic, id and producer; a
 * corporate action's id (and the id of the request that posted it).
 *
 * @param principal who: {@code key:<keyId>} or a token's subject over REST ({@code anonymous}
 *     when nobody authenticated), {@code pulsar:<producer>} for Pulsar, the poster of a
 *     corporate action, {@code system:<name>} for what the service does on its own
 * @param channel how the command arrived
 * @param requestId the REST request's id ({@code X-Request-Id}); for a corporate action, the id
 *     of the request that posted it
 * @param topic the Pulsar topic the message came from
 * @param messageId the Pulsar message id, as Pulsar prints it
 * @param producer the Pulsar producer's name, when the message carries one
 * @param actionId the corporate action applied
 */
public record Origin(String principal, Channel channel, String requestId, String topic, String messageId,
    String producer, String actionId) {

  /** How a command reached the service. */
  public enum Channel {
    /** The REST API. */
    REST,
    /** A Pulsar topic the service consumes (a trusted channel: Pulsar authorizes its producers). */
    PULSAR,
    /** The fan-out of a posted corporate action, or its application on the way of a late trade. */
    CORPORATE_ACTION,
    /** The service on its own (tools, benchmarks, anything no caller asked for). */
    SYSTEM
  }

  /**
   * Who posted which corporate action, as a node knows it: an owner that applies an action on the
   * way of a late trade journals the action's origin, not the trade's.
   */
  public interface OfActions {
    /** The origin of the events that apply {@code actionId}, or null when it is not known here. */
    Origin actionOrigin(String actionId);
  }

  /** What a command without an origin is journaled with: it came from inside the service, nobody knows how. */
  public static final Origin UNKNOWN = system("unknown");

  public Origin {
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(channel, "channel");
  }

  /** A REST request by {@code principal} with the request id {@code requestId}. */
  public static Origin rest(String principal, String requestId) {
    return new Origin(principal, Channel.REST, requestId, null, null, null, null);
  }

  /**
   * A Pulsar message. Its principal names the producer ({@code pulsar:unknown} without one): the
   * topics' own authorization decided who may publish, the service takes the producer's word.
   */
  public static Origin pulsar(String topic, String messageId, String producer) {
    String name = producer == null || producer.isEmpty() ? null : producer;
    return new Origin("pulsar:" + (name == null ? "unknown" : name), Channel.PULSAR, null, topic, messageId, name,
        null);
  }

  /** A corporate action posted by {@code poster} in the request {@code requestId} (null when unknown). */
  public static Origin corporateAction(String actionId, String poster, String requestId) {
    return new Origin(poster == null ? "unknown" : poster, Channel.CORPORATE_ACTION, requestId, null, null, null,
        actionId);
  }

  /** Something the service does on its own, named {@code name}. */
  public static Origin system(String name) {
    return new Origin("system:" + name, Channel.SYSTEM, null, null, null, null, null);
  }

  /** The origin as JSON: {@code principal}, {@code channel}, and the details present. */
  /**
   * {@code toJson().encode()}, character for character, written straight into the text: the owner
   * journals a command's origin with its events on every commit, and the tree encoded by
   * Jackson's data binding cost more than the text.
   */
  public String encode() {
    StringBuilder out = new StringBuilder(128);
    out.append("{\"principal\":");
    JsonText.string(out, principal);
    out.append(",\"channel\":");
    JsonText.string(out, channel.name());
    field(out, "requestId", requestId);
    field(out, "topic", topic);
    field(out, "messageId", messageId);
    field(out, "producer", producer);
    field(out, "actionId", actionId);
    return out.append('}').toString();
  }

  /** A field only when it has a value, as {@link Json#putIfPresent} puts it. */
  private static void field(StringBuilder out, String name, String value) {
    if (value != null) {
      out.append(",\"").append(name).append("\":");
      JsonText.string(out, value);
    }
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("principal", principal).put("channel", channel.name());
    Json.putIfPresent(json, "requestId", requestId);
    Json.putIfPresent(json, "topic", topic);
    Json.putIfPresent(json, "messageId", messageId);
    Json.putIfPresent(json, "producer", producer);
    return Json.putIfPresent(json, "actionId", actionId);
  }

  /** The origin {@link #toJson()} wrote; null for null (an event journaled before origins were). */
  public static Origin fromJson(JsonObject json) {
    if (json == null) {
      return null;
    }
    return new Origin(json.getString("principal"), Channel.valueOf(json.getString("channel")),
        json.getString("requestId"), json.getString("topic"), json.getString("messageId"),
        json.getString("producer"), json.getString("actionId"));
  }

  /** The origin in the journal's text (null stays null). */
  public static Origin fromText(String text) {
    return text == null ? null : fromJson(new JsonObject(text));
  }
}
