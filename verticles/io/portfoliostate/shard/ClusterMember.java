package io.portfoliostate.shard;

/**
 * A node of the cluster as the partition table sees it.
 *
 * @param nodeId the node's id (its event-bus node id; owner addresses start with it)
 * @param address where the node's cluster member listens, {@code host:port}, or null alone
 * @param local whether this is the node answering
 * @param partitions how many of the cluster's partitions the node owns (0 on a single node)
 */
public record ClusterMember(String nodeId, String address, boolean local, int partitions) {
}
