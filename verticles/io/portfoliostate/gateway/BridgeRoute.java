package io.portfoliostate.gateway;

import io.portfoliostate.live.LiveBridge;
import io.portfoliostate.security.AccessRule;
import io.vertx.core.Vertx;

/** The SockJS event-bus bridge's route (docs/live-updates.md), declared with its rule like every route. */
final class BridgeRoute {

  /** The bridge's mount point: SockJS derives its transports' paths under it. */
  static final String PATH = "/eventbus/*";

  /** Each registration is checked by the bridge; the rule only asks for a caller. */
  static final AccessRule RULE = AccessRule.anyCaller("each registration needs the read role on its portfolio "
      + "(prices: any caller); see docs/live-updates.md");

  private BridgeRoute() {
  }

  static void mount(SecuredRoutes routes, Vertx vertx, LiveBridge live) {
    routes.mount(PATH, RULE, live.router(vertx));
  }
}
