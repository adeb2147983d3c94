package io.portfoliostate.gateway;

import io.portfoliostate.protocol.Origin;
import io.portfoliostate.security.Principal;
import io.vertx.ext.web.RoutingContext;

/** The origin of a REST request's commands: who called ({@link Principal}) and the request's id. */
final class Origins {

  /** Where the authentication handler keeps the caller's {@link Principal} in the routing context. */
  static final String PRINCIPAL = "principal";
  /** The principal's name when no caller authenticated (authentication off). */
  static final String ANONYMOUS = "anonymous";

  private Origins() {
  }

  /**
   * The REST origin of {@code ctx}: the caller's subject ({@code key:<keyId>} for an API key, the
   * token's {@code sub}), or {@value #ANONYMOUS} when the context holds no principal; and the
   * request id {@link RequestIds} gave the request.
   */
  static Origin rest(RoutingContext ctx) {
    Object principal = ctx.get(PRINCIPAL);
    String subject = principal instanceof Principal ? ((Principal) principal).subject() : ANONYMOUS;
    String requestId = RequestIds.of(ctx);
    return Origin.rest(subject, requestId);
  }
}
