package io.portfoliostate.gateway;

import io.portfoliostate.protocol.Origin;
import io.portfoliostate.security.Principal;
import io.vertx.ext.web.RoutingContext;

/** The origin of a REST request's commands: who called ({@link Principal}) and the request's id. */
final class Origins {

  /** The principal's name when the context holds none (a route that authenticates nobody). */
  static final String ANONYMOUS = "anonymous";

  private Origins() {
  }

  /**
   * The REST origin of {@code ctx}: the caller as {@link Principal#name()} names it in audit
   * records ({@code key:<keyId>} for an API key, the token's {@code sub}, {@code anonymous} with
   * authentication off), from the principal {@link AccessControl} put in the context, or
   * {@value #ANONYMOUS} when it holds none; and the request id {@link RequestIds} gave the request.
   */
  static Origin rest(RoutingContext ctx) {
    Object principal = ctx.get(AccessControl.PRINCIPAL);
    String subject = principal instanceof Principal ? ((Principal) principal).name() : ANONYMOUS;
    String requestId = RequestIds.of(ctx);
    return Origin.rest(subject, requestId);
  }
}
