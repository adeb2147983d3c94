package io.portfoliostate.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** Reading request bodies, headers and query parameters, and writing JSON answers. */
final class HttpBodies {

  private HttpBodies() {
  }

  /** The parsed JSON body; null after a 400 or 415 was sent. */
  static Object json(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    String mediaType = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
    if (!mediaType.equals("application/json") && !mediaType.endsWith("+json")) {
      Problems.send(ctx, new Problems.Problem(415, "unsupported-media-type", "Unsupported media type",
          "the body must be application/json", null));
      return null;
    }
    try {
      Object body = JsonInput.parse(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
      if (body == null) {
        Problems.send(ctx, Problems.malformed("the body is JSON null"));
      }
      return body;
    } catch (JsonInput.MalformedJson e) {
      Problems.send(ctx, Problems.malformed(e.getMessage()));
      return null;
    }
  }

  /** The request header that makes a command without an id of its own replayable. */
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  /**
   * The {@code Idempotency-Key} header (1-64 characters of the id alphabet); null when absent
   * or after a 400 was sent.
   */
  static String idempotencyKey(RoutingContext ctx) {
    String key = ctx.request().getHeader(IDEMPOTENCY_KEY);
    if (key == null || io.portfoliostate.domain.Identifiers.isValid(key)) {
      return key;
    }
    Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError(IDEMPOTENCY_KEY,
        "must be 1-64 characters of A-Z a-z 0-9 . _ : -"))));
    return null;
  }

  /** The version of an {@code If-Match: "7"} header; null when absent or after a 400 was sent. */
  static Long ifMatch(RoutingContext ctx) {
    String header = ctx.request().getHeader("If-Match");
    if (header == null) {
      return null;
    }
    String value = header.trim();
    if (value.startsWith("W/")) {
      value = value.substring(2);
    }
    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
      value = value.substring(1, value.length() - 1);
    }
    try {
      long version = Long.parseLong(value);
      if (version >= 0) {
        return version;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("If-Match",
        "must be a portfolio version, e.g. \"7\""))));
    return null;
  }

  /**
   * The query parameter {@code name} as a date (YYYY-MM-DD): null when absent, and null with a
   * field error added to {@code errors} when it does not parse.
   */
  static java.time.LocalDate dateParam(RoutingContext ctx, String name, List<RequestReader.FieldError> errors) {
    String text = ctx.queryParams().get(name);
    if (text == null) {
      return null;
    }
    try {
      return java.time.LocalDate.parse(text);
    } catch (java.time.format.DateTimeParseException e) {
      errors.add(new RequestReader.FieldError(name, "must be a date YYYY-MM-DD"));
      return null;
    }
  }

  /** A whole-number query parameter within bounds; null when absent or after a 400 was sent. */
  static Long longParam(RoutingContext ctx, String name, long min, long max) {
    String text = ctx.queryParams().get(name);
    if (text == null) {
      return null;
    }
    try {
      long value = Long.parseLong(text);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError(name,
        "must be a whole number from " + min + (max == Long.MAX_VALUE ? "" : " to " + max)))));
    return null;
  }

  /** Answers a JSON object or array. */
  /** Sends an already rendered JSON body. */
  static void json(RoutingContext ctx, int status, io.vertx.core.buffer.Buffer body) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }
  }

  static void json(RoutingContext ctx, int status, Object body) {
    if (!ctx.response().ended()) {
      String text = body instanceof JsonArray array ? array.encode() : ((JsonObject) body).encode();
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(text);
    }
  }

  /** Answers a JSON object or array to {@code reply} (a response, or kept: see {@link Reply}). */
  static void json(Reply reply, int status, Object body) {
    reply.json(status, body);
  }
}
