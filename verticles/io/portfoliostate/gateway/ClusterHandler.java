package io.portfoliostate.gateway;

import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.shard.ClusterMember;
import io.portfoliostate.shard.ShardMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /api/v1/cluster}: the members as the partition table sees them (partitions owned),
 * and what each says of itself (HTTP port, owner instances, portfolios loaded). A member that
 * does not answer in time is listed with {@code reachable: false} rather than failing the view:
 * this page is what an operator opens when something is wrong.
 */
final class ClusterHandler {

  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(2000);

  private final Vertx vertx;
  private final ShardMap shards;
  private final String clusterName;

  /** @param clusterName the cluster's name, or null when the node runs alone */
  ClusterHandler(Vertx vertx, ShardMap shards, String clusterName) {
    this.vertx = vertx;
    this.shards = shards;
    this.clusterName = clusterName;
  }

  void view(RoutingContext ctx) {
    List<ClusterMember> members = shards.members();
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (ClusterMember member : members) {
      answers.add(vertx.eventBus().<JsonObject>request(Addresses.nodeStatus(member.nodeId()), null, ASK)
          .map(Message::body)
          .otherwise((JsonObject) null));
    }
    Future.join(answers).onComplete(done -> {
      JsonArray list = new JsonArray();
      int partitions = 0;
      for (int i = 0; i < members.size(); i++) {
        ClusterMember member = members.get(i);
        partitions += member.partitions();
        JsonObject status = answers.get(i).result();
        JsonObject json = new JsonObject().put("nodeId", member.nodeId()).put("address", member.address())
            .put("local", member.local()).put("partitions", member.partitions())
            .put("reachable", status != null);
        if (status != null) {
          json.put("httpPort", status.getInteger("httpPort"))
              .put("ownerInstances", status.getInteger("ownerInstances"))
              .put("portfoliosLoaded", status.getLong("portfoliosLoaded"))
              .put("startedAt", status.getString("startedAt"));
        }
        list.add(json);
      }
      HttpBodies.json(ctx, 200, new JsonObject()
          .put("clustered", clusterName != null)
          .put("clusterName", clusterName)
          .put("partitionCount", partitions)
          .put("members", list));
    });
  }
}
