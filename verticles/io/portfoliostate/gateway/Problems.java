package io.portfoliostate.gateway;

import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.Rejection;
import io.portfoliostate.protocol.FailureCodes;
import io.portfoliostate.shard.OwnerClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 9457 problem details: every error the API returns, as {@code application/problem+json}.
 * The {@code type} is a relative URI naming the kind of problem; a 5xx never carries a stack
 * trace, only a reference to the log line that has it.
 */
final class Problems {

  static final String CONTENT_TYPE = "application/problem+json";
  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);

  /** One problem: status, a stable slug for its type, a title, and the detail. */
  record Problem(int status, String slug, String title, String detail, List<RequestReader.FieldError> errors,
      JsonObject extensions) {

    Problem(int status, String slug, String title, String detail, List<RequestReader.FieldError> errors) {
      this(status, slug, title, detail, errors, null);
    }

    JsonObject toJson() {
      JsonObject json = new JsonObject()
          .put("type", "/problems/" + slug)
          .put("title", title)
          .put("status", status)
          .put("detail", detail);
      if (errors != null && !errors.isEmpty()) {
        JsonArray list = new JsonArray();
        errors.forEach(e -> list.add(new JsonObject().put("field", e.field()).put("message", e.message())));
        json.put("errors", list);
      }
      if (extensions != null) {
        json.mergeIn(extensions);
      }
      return json;
    }
  }

  private Problems() {
  }

  static Problem invalid(List<RequestReader.FieldError> errors) {
    String detail = errors.size() == 1
        ? errors.get(0).field() + " " + errors.get(0).message()
        : errors.size() + " fields are invalid";
    return new Problem(400, "invalid-request", "The request is invalid", detail, errors);
  }

  static Problem malformed(String detail) {
    return new Problem(400, "malformed-json", "The body is not valid JSON", detail, null);
  }

  static Problem of(Rejection rejection) {
    switch (rejection.reason()) {
      case NOT_FOUND:
        return new Problem(404, "not-found", "Not found", rejection.detail(), null);
      case ALREADY_EXISTS:
        return new Problem(409, "already-exists", "Already exists", rejection.detail(), null);
      case ID_REUSED:
        return new Problem(409, "id-reused", "Id already used with other content", rejection.detail(), null);
      case VERSION_MISMATCH:
        return new Problem(412, "version-mismatch", "Version mismatch", rejection.detail(), null);
      case PARENT_CYCLE:
        return parentCycle(rejection.detail());
      case TRADE_NOT_FOUND:
        return new Problem(404, "trade-not-found", "Trade not found", rejection.detail(), null);
      case TRADE_CANCELLED:
        return new Problem(409, "trade-cancelled", "The trade is cancelled", rejection.detail(), null);
      case INTERNAL:
        return new Problem(500, "internal", "Internal error", rejection.detail(), null);
      case INVALID:
      default:
        List<RequestReader.FieldError> errors = rejection.field() == null ? null
            : List.of(new RequestReader.FieldError(rejection.field(), rejection.detail()));
        return new Problem(400, "invalid-request", "The request is invalid", rejection.detail(), errors);
    }
  }

  /**
   * A portfolio that does not exist — or that the caller may not read: the two answers are the
   * same, byte for byte, so that a refusal tells nothing about what exists.
   */
  static Problem portfolioNotFound(PortfolioId id) {
    return new Problem(404, "not-found", "Not found", "portfolio " + id + " does not exist", null);
  }

  /** The parent change would close a cycle; the same answer whether the gateway or the journal saw it. */
  static Problem parentCycle(String detail) {
    return new Problem(409, "parent-cycle", "The parent would close a cycle", detail,
        List.of(new RequestReader.FieldError("parentId", detail)));
  }

  /** A failed request to an owner, as the client should see it. */
  static Problem of(Throwable failure) {
    if (failure instanceof PortfolioHandlers.NoSuchPortfolio) {
      return new Problem(404, "not-found", "Not found", failure.getMessage(), null);
    }
    if (failure instanceof PortfolioHandlers.ParentMissing) {
      return invalid(List.of(new RequestReader.FieldError("parentId", failure.getMessage())));
    }
    if (failure instanceof OwnerClient.OutcomeUnknown) {
      return outcomeUnknown(failure.getMessage(), false, ((OwnerClient.OutcomeUnknown) failure).retrySafe());
    }
    if (failure instanceof ReplyException) {
      ReplyException reply = (ReplyException) failure;
      if (reply.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        switch (reply.failureCode()) {
          case FailureCodes.NOT_FOUND:
          case FailureCodes.NO_SUCH_VERSION:
            return new Problem(404, "not-found", "Not found", reply.getMessage(), null);
          case FailureCodes.OVERLOADED:
            return unavailable("the portfolio's owner is overloaded; retry shortly");
          case FailureCodes.NOT_OWNER:
            return unavailable("the portfolio is moving between nodes; retry shortly");
          case FailureCodes.UNAVAILABLE:
            return unavailable(reply.getMessage());
          default:
            break;
        }
      } else if (reply.failureType() == ReplyFailure.TIMEOUT) {
        return unavailable("the owner did not answer in time; the outcome of a write is unknown: "
            + "retry it with the same id");
      } else if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
        return unavailable("no owner is available for the portfolio; retry shortly");
      } else if (reply.failureType() == ReplyFailure.ERROR) {
        return unavailable("the portfolio's owner node could not be reached; retry shortly");
      }
    }
    long reference = System.nanoTime();
    LOG.error("Internal error ref={}", reference, failure);
    return new Problem(500, "internal", "Internal error", "an internal error occurred (ref " + reference + ")", null);
  }

  /**
   * No answer came in time: for a write, nobody knows whether it was applied. {@code retrySafe}
   * says whether sending the same request again is safe (it carries a client id or an
   * Idempotency-Key, or it is a read) or not (it may be applied twice, or refused as a conflict).
   */
  static Problem outcomeUnknown(String why, boolean read, boolean retrySafe) {
    String detail = read ? why + "; a retry is safe"
        : why + "; the outcome is unknown (the write may have been applied): "
            + (retrySafe ? "a retry of the same request is safe" : "a retry is unsafe without an Idempotency-Key;"
                + " read the portfolio to see whether it was applied");
    JsonObject extensions = new JsonObject().put("retrySafe", retrySafe);
    if (!read) {
      extensions.put("outcome", "unknown");
    }
    return new Problem(503, "unavailable", "Service unavailable", detail, null, extensions);
  }

  static Problem unavailable(String detail) {
    return new Problem(503, "unavailable", "Service unavailable", detail, null);
  }

  /** Answers {@code problem} to {@code reply} (a response, or kept: see {@link Reply}). */
  static void send(Reply reply, Problem problem) {
    reply.problem(problem);
  }

  static void send(RoutingContext ctx, Problem problem) {
    if (ctx.response().ended()) {
      return;
    }
    if ((problem.status() == 503 || problem.status() == 429) && ctx.response().headers().get("Retry-After") == null) {
      ctx.response().putHeader("Retry-After", "1");
    }
    // Sent before the body was read (a guard's refusal, a 413): the body is drained, bounded.
    RefusedBodies.beforeAnswer(ctx);
    Future<Void> written = ctx.response().setStatusCode(problem.status()).putHeader("Content-Type", CONTENT_TYPE)
        .end(problem.toJson().encode());
    // Over HTTP/2, such a request's stream is reset once its answer is written.
    RefusedBodies.afterAnswer(ctx, written);
  }
}
