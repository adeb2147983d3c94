package io.portfoliostate.gateway;

import io.portfoliostate.config.Settings.AnalyticsSettings;
import io.portfoliostate.integration.duckdb.AnalyticsQueries.PortfolioSet;
import io.portfoliostate.integration.duckdb.AnalyticsStore;
import io.portfoliostate.persistence.MarketDataStore;
import io.portfoliostate.persistence.MarketRecords;
import io.portfoliostate.persistence.SavedQueryStore;
import io.portfoliostate.persistence.SavedQueryStore.Change;
import io.portfoliostate.persistence.SavedQueryStore.SavedQuery;
import io.portfoliostate.security.AccessRule;
import io.portfoliostate.security.Principal;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Saved analytics queries (issue 16): named read-only SQL with declared parameters, stored in
 * PostgreSQL, that any caller may run by name. A run sees only the portfolios of its RUNNER,
 * never its author's: the query is text, and the views it reads are filtered per run exactly as
 * for {@code POST /api/v1/analytics/query}. A query is checked when saved (one read, parsed and
 * prepared by DuckDB in the same sandbox, every parameter it uses declared and every declared
 * one used), so a saved query fails at run time only for its parameters' values or its limits.
 */
final class SavedQueryHandlers {

  private static final String QUERIES = "/api/v1/analytics/queries";
  /** Lower case, digits, {@code -} and {@code _}: no colon, so {@code name:run} is unambiguous. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
  private static final Pattern PARAMETER = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");
  private static final Set<String> TYPES = Set.of("string", "integer", "decimal", "boolean");
  private static final Set<String> CREATE_FIELDS = Set.of("name", "description", "sql", "parameters");
  private static final Set<String> UPDATE_FIELDS = Set.of("description", "sql", "parameters");
  private static final Set<String> PARAMETER_FIELDS = Set.of("name", "type", "default", "description");
  private static final Set<String> RUN_FIELDS = Set.of("params");
  private static final int MAX_DESCRIPTION = 2_000;

  private final AnalyticsReads reads;
  private final AnalyticsStore analytics;
  private final SavedQueryStore store;
  private final AccessControl access;
  private final Clock clock;
  private final MarketRecords records;

  private SavedQueryHandlers(AnalyticsReads reads, SavedQueryStore store, AccessControl access, Clock clock,
      MarketRecords records) {
    this.reads = reads;
    this.records = records;
    this.analytics = reads.store();
    this.store = store;
    this.access = access;
    this.clock = clock;
  }

  /**
   * Declares the saved-query routes on every node: answered here when the node keeps an
   * analytics store, else by {@code forward} (to a node that keeps one: saving a query checks it
   * against the store, and a run reads it).
   */
  static void mount(SecuredRoutes routes, Vertx vertx, AnalyticsStore analytics, AnalyticsSettings settings,
      MarketDataStore marketStore, AccessControl access, Clock clock, Handler<RoutingContext> forward) {
    SavedQueryHandlers handlers = analytics == null ? null
        : new SavedQueryHandlers(new AnalyticsReads(vertx, analytics, settings, access),
            SavedQueryStore.sharing(marketStore), access, clock, marketStore.records());
    AccessRule anyone = AccessRule.anyCaller("a saved query is text; each run sees only the runner's portfolios");
    routes.post(QUERIES, anyone, handlers == null ? forward : handlers::create);
    routes.get(QUERIES, anyone, handlers == null ? forward : handlers::list);
    routes.get(QUERIES + "/:name", anyone, handlers == null ? forward : handlers::read);
    AccessRule author = AccessRule.checkedByHandler("the query's author, or the global admin role");
    routes.put(QUERIES + "/:name", author, handlers == null ? forward : handlers::update);
    routes.delete(QUERIES + "/:name", author, handlers == null ? forward : handlers::delete);
    routes.addRegex(HttpMethod.POST, "/api/v1/analytics/queries/([a-z0-9][a-z0-9_-]{0,63}):run",
        QUERIES + "/:name:run", AccessRule.anyCaller("runs with the runner's entitlements: the views hold only the "
            + "portfolios the runner may read"), handlers == null ? forward : handlers::run);
  }

  /** A query's text and parameters as checked, or null after a 400 was sent. */
  private record Definition(String description, String sql, JsonArray parameters) {
  }

  private void create(RoutingContext ctx) {
    Object body = HttpBodies.json(ctx);
    if (body == null) {
      return;
    }
    RequestReader r = RequestReader.of(body, "", CREATE_FIELDS);
    String name = r.string("name", true);
    if (name != null && !NAME.matcher(name).matches()) {
      r.error("name", "must be 1-64 characters of a-z 0-9 - _, starting with a letter or digit");
    }
    Definition definition = definition(ctx, r);
    if (definition == null) {
      return;
    }
    String author = AccessControl.principal(ctx).name();
    checked(ctx, definition)
        .compose(ok -> !ok ? Future.<Void>succeededFuture()
            : store.create(name, definition.description(), definition.sql(), definition.parameters(), author,
                clock.instant()).map(created -> {
                  if (created.isEmpty()) {
                    Problems.send(ctx, new Problems.Problem(409, "already-exists", "Already exists",
                        "a saved query named " + name + " exists; change it with PUT " + QUERIES + "/" + name, null));
                  } else {
                    ctx.response().putHeader("Location", QUERIES + "/" + name);
                    answer(ctx, 201, created.get());
                  }
                  return null;
                }))
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  private void list(RoutingContext ctx) {
    store.list().onSuccess(queries -> {
      JsonArray list = new JsonArray();
      queries.forEach(query -> list.add(json(query)));
      HttpBodies.json(ctx, 200, new JsonObject().put("queries", list));
    }).onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  private void read(RoutingContext ctx) {
    String name = name(ctx);
    if (name == null) {
      return;
    }
    store.get(name).onSuccess(found -> {
      if (found.isEmpty()) {
        Problems.send(ctx, notFound(name));
      } else {
        answer(ctx, 200, found.get());
      }
    }).onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /** Replaces the query's description, text and parameters: by its author or an admin; If-Match optional. */
  private void update(RoutingContext ctx) {
    String name = name(ctx);
    Long ifMatch = name == null ? null : HttpBodies.ifMatch(ctx);
    Object body = ctx.response().ended() ? null : HttpBodies.json(ctx);
    if (body == null) {
      return;
    }
    Definition definition = definition(ctx, RequestReader.of(body, "", UPDATE_FIELDS));
    if (definition == null) {
      return;
    }
    authorised(ctx, name, ifMatch)
        .compose(current -> current.isEmpty() ? Future.<Void>succeededFuture()
            : checked(ctx, definition).compose(ok -> !ok ? Future.<Void>succeededFuture()
                : store.update(name, current.get().version(), definition.description(), definition.sql(),
                    definition.parameters(), clock.instant())
                    .compose(change -> change == Change.DONE ? store.get(name) : changed(ctx, name, change))
                    .map(updated -> {
                      updated.ifPresent(query -> answer(ctx, 200, query));
                      return null;
                    })))
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  private void delete(RoutingContext ctx) {
    String name = name(ctx);
    Long ifMatch = name == null ? null : HttpBodies.ifMatch(ctx);
    if (ctx.response().ended()) {
      return;
    }
    authorised(ctx, name, ifMatch)
        .compose(current -> current.isEmpty() ? Future.<Void>succeededFuture()
            : store.delete(name, current.get().version()).map(change -> {
              if (change == Change.DONE) {
                ctx.response().setStatusCode(204).end();
              } else {
                changed(ctx, name, change);
              }
              return null;
            }))
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /**
   * Runs the saved query with the request's {@code params} over the portfolios the RUNNER may
   * read; parameters not given take their declared defaults. {@code minSeq} and
   * {@code minPriceSeq} wait as for a custom query.
   */
  private void run(RoutingContext ctx) {
    String name = ctx.pathParam("param0");
    Object body;
    if (ctx.body().length() <= 0) {
      body = Map.of();
    } else {
      body = HttpBodies.json(ctx);
      if (body == null) {
        return;
      }
    }
    RequestReader r = RequestReader.of(body, "", RUN_FIELDS);
    Map<String, Object> given = r.object("params");
    if (r.hasErrors()) {
      Problems.send(ctx, Problems.invalid(r.errors()));
      return;
    }
    AnalyticsReads.Freshness freshness = AnalyticsReads.freshness(ctx);
    if (freshness == null) {
      return;
    }
    PortfolioSet set = reads.readable(ctx);
    store.get(name).compose(found -> {
      if (found.isEmpty()) {
        Problems.send(ctx, notFound(name));
        return Future.<Void>succeededFuture();
      }
      SavedQuery query = found.get();
      List<RequestReader.FieldError> errors = new ArrayList<>();
      JsonObject values = values(query.parameters(), given == null ? Map.of() : given, errors);
      if (!errors.isEmpty()) {
        Problems.send(ctx, Problems.invalid(errors));
        return Future.<Void>succeededFuture();
      }
      // As for a custom query: the views include the daily series, so wait as nav does.
      return reads.awaitSeries(ctx, freshness, records, set)
          .compose(reached -> {
            if (!reached) {
              return Future.<Void>succeededFuture();
            }
            long seq = analytics.analyticsSeq();
            long priceSeq = analytics.priceCoverage().priceSeq();
            return reads.sandboxed(ctx, () -> reads.sandbox().run(query.sql(), values, set)).map(answer -> {
              answer.ifPresent(json -> HttpBodies.json(ctx, 200, new JsonObject().put("query", query.name())
                  .put("queryVersion", query.version()).put("params", values).put("analyticsSeq", seq)
                  .put("priceSeq", priceSeq).mergeIn(json)));
              return null;
            });
          });
    }).onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /**
   * The values of a run: each declared parameter from {@code given} (checked against its type)
   * or its default; a name not declared, or a parameter without value or default, is an error.
   */
  private static JsonObject values(JsonArray declared, Map<String, Object> given,
      List<RequestReader.FieldError> errors) {
    JsonObject values = new JsonObject();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < declared.size(); i++) {
      JsonObject parameter = declared.getJsonObject(i);
      String name = parameter.getString("name");
      names.add(name);
      if (given.containsKey(name)) {
        Object value = typed(parameter.getString("type"), given.get(name));
        if (value == null && given.get(name) != null) {
          errors.add(new RequestReader.FieldError("params." + name, "must be of type " + parameter.getString("type")));
        } else {
          values.put(name, value);
        }
      } else if (parameter.containsKey("default")) {
        values.put(name, stored(parameter.getString("type"), parameter.getValue("default")));
      } else {
        errors.add(new RequestReader.FieldError("params." + name, "is required (the query declares no default)"));
      }
    }
    new TreeSet<>(given.keySet()).stream().filter(name -> !names.contains(name)).forEach(name ->
        errors.add(new RequestReader.FieldError("params." + name, "is not a parameter of this query")));
    return values;
  }

  /** A value given in a request as the declared type, or null when it is not of that type. */
  private static Object typed(String type, Object value) {
    if (value == null) {
      return null;
    }
    switch (type) {
      case "string":
        return value instanceof String ? value : null;
      case "boolean":
        return value instanceof Boolean ? value : null;
      case "integer":
      case "decimal":
        BigDecimal decimal;
        if (value instanceof JsonInput.Number number) {
          decimal = new BigDecimal(number.text());
        } else if (value instanceof String text && type.equals("decimal")) {
          // Decimals may come as strings, as everywhere in the API (exact, never a double).
          try {
            decimal = io.portfoliostate.domain.Decimals.parse(text);
          } catch (IllegalArgumentException e) {
            return null;
          }
        } else {
          return null;
        }
        if (type.equals("decimal")) {
          return decimal;
        }
        try {
          return decimal.longValueExact();
        } catch (ArithmeticException e) {
          return null;
        }
      default:
        return null;
    }
  }

  /** A default as stored (JSON: decimals are kept as text, so they are never rounded). */
  private static Object stored(String type, Object value) {
    if (value == null) {
      return null;
    }
    return switch (type) {
      case "decimal" -> new BigDecimal(value.toString());
      case "integer" -> ((Number) value).longValue();
      default -> value;
    };
  }

  /** The description, text and declared parameters of a body; null after a 400 was sent. */
  private static Definition definition(RoutingContext ctx, RequestReader r) {
    String description = r.string("description", false);
    if (description != null && description.length() > MAX_DESCRIPTION) {
      r.error("description", "must be at most " + MAX_DESCRIPTION + " characters");
    }
    String sql = r.string("sql", true);
    if (sql != null && sql.isBlank()) {
      r.error("sql", "is required (a SELECT over the documented views)");
    }
    List<?> list = r.list("parameters", false);
    JsonArray parameters = new JsonArray();
    Set<String> seen = new HashSet<>();
    for (int i = 0; list != null && i < list.size(); i++) {
      RequestReader p = RequestReader.of(list.get(i), "parameters[" + i + "].", PARAMETER_FIELDS);
      String name = p.string("name", true);
      String type = p.string("type", true);
      String about = p.string("description", false);
      if (name != null && !PARAMETER.matcher(name).matches()) {
        p.error("name", "must be a letter then letters, digits or _ (as written after : in the SQL)");
      } else if (name != null && !seen.add(name)) {
        p.error("name", "is declared twice");
      }
      if (type != null && !TYPES.contains(type)) {
        p.error("type", "must be one of string, integer, decimal, boolean");
      }
      JsonObject parameter = new JsonObject().put("name", name).put("type", type);
      if (about != null) {
        parameter.put("description", about);
      }
      if (list.get(i) instanceof Map<?, ?> map && map.containsKey("default") && type != null
          && TYPES.contains(type)) {
        Object given = map.get("default");
        Object value = typed(type, given);
        if (value == null && given != null) {
          p.error("default", "must be of type " + type);
        } else {
          // Decimals are stored as text: a double would round them.
          parameter.put("default", value instanceof BigDecimal decimal ? decimal.toPlainString() : value);
        }
      }
      p.errors().stream().filter(e -> !r.errors().contains(e)).forEach(e -> r.error(e.field(), e.message()));
      parameters.add(parameter);
    }
    if (r.hasErrors()) {
      Problems.send(ctx, Problems.invalid(r.errors()));
      return null;
    }
    return new Definition(description == null ? "" : description, sql, parameters);
  }

  /**
   * Checks the text in the sandbox and that the parameters it uses are exactly those declared;
   * false after the refusal was sent.
   */
  private Future<Boolean> checked(RoutingContext ctx, Definition definition) {
    return reads.sandboxed(ctx, () -> new JsonObject().put("used", new JsonArray(reads.sandbox().check(definition.sql()))))
        .map(checked -> {
          if (checked.isEmpty()) {
            return false;
          }
          Set<String> used = new TreeSet<>();
          checked.get().getJsonArray("used").forEach(name -> used.add((String) name));
          Set<String> declared = new TreeSet<>();
          definition.parameters().forEach(p -> declared.add(((JsonObject) p).getString("name")));
          List<RequestReader.FieldError> errors = new ArrayList<>();
          used.stream().filter(name -> !declared.contains(name)).forEach(name -> errors.add(
              new RequestReader.FieldError("parameters", ":" + name + " is used in the SQL but not declared")));
          declared.stream().filter(name -> !used.contains(name)).forEach(name -> errors.add(
              new RequestReader.FieldError("parameters", name + " is declared but not used in the SQL")));
          if (!errors.isEmpty()) {
            Problems.send(ctx, Problems.invalid(errors));
            return false;
          }
          return true;
        });
  }

  /**
   * The query as it is now, when the caller may change it and {@code ifMatch} (if given) is its
   * version; empty after a 404, 403 or 412 was sent.
   */
  private Future<Optional<SavedQuery>> authorised(RoutingContext ctx, String name, Long ifMatch) {
    return store.get(name).map(found -> {
      if (found.isEmpty()) {
        Problems.send(ctx, notFound(name));
        return Optional.empty();
      }
      Principal caller = AccessControl.principal(ctx);
      if (!caller.isAdmin() && !caller.name().equals(found.get().author())) {
        Problems.send(ctx, new Problems.Problem(403, "forbidden", "Forbidden", "only the author of " + name
            + " (" + found.get().author() + ") or an admin may change it", null));
        return Optional.empty();
      }
      if (ifMatch != null && ifMatch != found.get().version()) {
        Problems.send(ctx, mismatch(name, ifMatch, found.get().version()));
        return Optional.empty();
      }
      return found;
    });
  }

  /** Someone changed or deleted the query between the read and the write. */
  private Future<Optional<SavedQuery>> changed(RoutingContext ctx, String name, Change change) {
    Problems.send(ctx, change == Change.NOT_FOUND ? notFound(name) : new Problems.Problem(412, "version-mismatch",
        "Version mismatch", "saved query " + name + " was changed by someone else meanwhile; read it again", null));
    return Future.succeededFuture(Optional.empty());
  }

  private static Problems.Problem mismatch(String name, long expected, long actual) {
    return new Problems.Problem(412, "version-mismatch", "Version mismatch", "saved query " + name + " is at version "
        + actual + ", not " + expected, null);
  }

  private static Problems.Problem notFound(String name) {
    return new Problems.Problem(404, "not-found", "Not found", "no saved query named " + name, null);
  }

  /**
   * The path's name; null after a 404. A name that cannot exist ({@code x:run} read with GET)
   * is answered as the router answers a path it does not serve.
   */
  private static String name(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    if (name == null || !NAME.matcher(name).matches()) {
      Problems.send(ctx, new Problems.Problem(404, "not-found", "Not found", "no resource at "
          + ctx.request().path(), null));
      return null;
    }
    return name;
  }

  private static void answer(RoutingContext ctx, int status, SavedQuery query) {
    ctx.response().putHeader("ETag", "\"" + query.version() + "\"");
    HttpBodies.json(ctx, status, json(query));
  }

  private static JsonObject json(SavedQuery query) {
    return new JsonObject().put("name", query.name()).put("description", query.description())
        .put("sql", query.sql()).put("parameters", query.parameters()).put("author", query.author())
        .put("version", query.version()).put("createdAt", query.createdAt().toString())
        .put("updatedAt", query.updatedAt().toString());
  }


}
