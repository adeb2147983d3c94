package io.portfoliostate.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Where a handler's answer goes: the HTTP response of a request, or, for a caller inside the
 * node that needs the same answer without a request (the performance export takes the series of
 * {@code GET .../performance}), kept as a value. {@link Problems#send(Reply, Problems.Problem)} and
 * {@link HttpBodies#json(Reply, int, Object)} write to either.
 */
interface Reply {

  /** Answers with a problem. */
  void problem(Problems.Problem problem);

  /** Answers with a JSON object or array. */
  void json(int status, Object body);

  /**
   * Answers with a JSON object already encoded (on a worker, or kept): a response sends the bytes
   * as they are; a kept answer decodes them.
   */
  default void json(int status, Buffer encoded) {
    json(status, new JsonObject(encoded));
  }

  /** The HTTP response of {@code ctx}. */
  static Reply of(RoutingContext ctx) {
    return new Reply() {
      @Override
      public void problem(Problems.Problem problem) {
        Problems.send(ctx, problem);
      }

      @Override
      public void json(int status, Object body) {
        HttpBodies.json(ctx, status, body);
      }

      @Override
      public void json(int status, Buffer encoded) {
        HttpBodies.json(ctx, status, encoded);
      }
    };
  }

  /** An answer kept as a value: the problem, or the JSON body (one of them once answered). */
  final class Kept implements Reply {
    private Problems.Problem problem;
    private Object body;

    @Override
    public void problem(Problems.Problem answered) {
      this.problem = answered;
    }

    @Override
    public void json(int status, Object answered) {
      this.body = answered;
    }

    /** The problem answered, or null. */
    Problems.Problem problem() {
      return problem;
    }

    /** The JSON body answered, or null. */
    Object body() {
      return body;
    }
  }
}
