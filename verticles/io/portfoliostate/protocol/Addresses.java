package io.portfoliostate.protocol;

import io.portfoliostate.domain.PortfolioId;

/** Every event-bus address of the service, in one place. */
public final class Addresses {

  /** Where owners send events to be journaled (the node's journal writer). */
  public static final String JOURNAL_APPEND = "pstate.journal.append";

  /** Where owners hand committed states to their node's Redis cache writer (local only). */
  public static final String CACHE_PUT = "pstate.cache.put";

  /** Where gateways send market data to be stored (the node's market-data writer; node-local). */
  public static final String MARKET_WRITE = "pstate.market.write";

  /**
   * Where each committed batch of market data is published, cluster-wide: every node's market
   * view listens, so that all nodes value with the same prices and know the same instruments.
   */
  public static final String MARKET_UPDATES = "pstate.market.updates";

  /**
   * Where a node's gateway tells its corporate-action driver that an action was stored (the body
   * is the action id; node-local): the driver starts it now, or at its effective time.
   */
  public static final String CORPORATE_ACTIONS = "pstate.corporate-actions";

  /**
   * Where every corporate action stored is published, cluster-wide (the body is the action as
   * JSON): every node's market view learns it, so that its owners convert late trades by it.
   */
  public static final String CORPORATE_ACTION_UPDATES = "pstate.corporate-actions.updates";

  /**
   * Where a node's market feed hands each market update to the node's live hub (node-local):
   * prices for the bridge's {@code prices.<id>} subscribers, and revaluations.
   */
  public static final String LIVE_MARKET = "pstate.live.market";

  /**
   * Where owners hand the committed (or loaded) state of a portfolio with targets to their
   * node's drift monitor (node-local): drift alerts move with prices, so the monitor keeps the
   * states it values on every tick.
   */
  public static final String DRIFT_STATES = "pstate.live.drift.states";

  /**
   * Where a drift alert, once stored, is published to every node's live hub (cluster-wide: rare,
   * one message per alert), for the sockets registered on {@code portfolio.alerts.<id>}.
   */
  public static final String LIVE_ALERTS = "pstate.live.alerts";

  private static final String OWNER_PREFIX = "pstate.owner.";
  private static final String UPDATES_PREFIX = "portfolio.updates.";
  private static final String ALERTS_PREFIX = "portfolio.alerts.";
  private static final String VALUATION_PREFIX = "portfolio.valuation.";
  private static final String PRICES_PREFIX = "prices.";

  private Addresses() {
  }

  /** The address of one owner verticle instance of one node. */
  public static String owner(String nodeId, int instance) {
    return OWNER_PREFIX + nodeId + "." + instance;
  }

  /** The node id in an owner address made by {@link #owner}. */
  public static String ownerNode(String ownerAddress) {
    return ownerAddress.substring(OWNER_PREFIX.length(), ownerAddress.lastIndexOf('.'));
  }

  /** Where a node serves chunks of the export job files it wrote (exports.ExportFilePeers). */
  public static String exportFile(String nodeId) {
    return "pstate.node." + nodeId + ".export-file";
  }

  /** Where a node answers questions about itself (what it serves, what it holds). */
  public static String nodeStatus(String nodeId) {
    return "pstate.node." + nodeId + ".status";
  }

  /**
   * Where a node hears that another is leaving the cluster: it stops sending to that node's
   * owners (and retries until the partitions have moved), then answers.
   */
  public static String nodeLeaving(String nodeId) {
    return "pstate.node." + nodeId + ".leaving";
  }

  /**
   * The bridge address of a portfolio's committed changes (API.md, live updates). Bridge clients
   * register for it; the node's live hub writes to their sockets itself (docs/live-updates.md).
   */
  public static String updates(PortfolioId id) {
    return UPDATES_PREFIX + id.value();
  }

  /** The bridge address of a portfolio's alerts: published node-locally to the bridge's consumers. */
  public static String alerts(PortfolioId id) {
    return ALERTS_PREFIX + id.value();
  }

  /** The bridge address of a portfolio's valued view (conflated; written by the live hub). */
  public static String valuation(PortfolioId id) {
    return VALUATION_PREFIX + id.value();
  }

  /** The bridge address of an instrument's prices: published node-locally to the bridge's consumers. */
  public static String prices(String instrumentId) {
    return PRICES_PREFIX + instrumentId;
  }

  /**
   * Where an owner sends each committed change of a portfolio that a node's live hub follows
   * (the node registered its interest with a {@link OwnerRequest.Watch}). One consumer per node.
   */
  public static String live(String nodeId) {
    return "pstate.live." + nodeId + ".changes";
  }
}
