package io.portfoliostate.protocol;

import io.portfoliostate.domain.PortfolioId;
import java.time.Instant;
import java.util.List;

/**
 * Events of one portfolio to write, all or none, sent by its owner to the journal writer. The
 * reply (null body) comes after COMMIT; a failure with {@link FailureCodes#NOT_OWNER} means one
 * of the sequence numbers was already taken: the sender is a stale owner.
 *
 * @param catalog the portfolio's catalog row to upsert with the events, when they change it
 * @param epoch the ownership epoch the owner holds the portfolio at; the append is refused
 *     ({@link FailureCodes#NOT_OWNER}) when another owner has claimed a later one. 0 for a writer
 *     outside the ownership protocol (tools, benchmarks): not checked.
 * @param snapshot the portfolio's state after these events, written in the same transaction; null
 *     for most appends (their owner snapshots later, outside the transaction). A large append (an
 *     imported file) carries it, so that a node killed right after the COMMIT loads the portfolio
 *     from it instead of replaying the whole append.
 */
public record JournalAppend(PortfolioId portfolioId, List<Row> rows, CatalogRow catalog, long epoch,
    SnapshotRow snapshot) {

  public JournalAppend {
    rows = List.copyOf(rows);
  }

  /** An append without a snapshot. */
  public JournalAppend(PortfolioId portfolioId, List<Row> rows, CatalogRow catalog, long epoch) {
    this(portfolioId, rows, catalog, epoch, null);
  }

  /** An append not fenced by an ownership epoch. */
  public JournalAppend(PortfolioId portfolioId, List<Row> rows, CatalogRow catalog) {
    this(portfolioId, rows, catalog, 0);
  }

  /**
   * A snapshot row to write with the events.
   *
   * @param version the version it is the state at: the append's last sequence number
   * @param state the state as the JSON text of {@link StateJson#toJson}
   */
  public record SnapshotRow(long version, String state) {
  }

  /**
   * One journal row.
   *
   * @param commandId the idempotency key of the command (unique per portfolio), or null
   * @param commandHash the hash of the command's content, for replay checks after a restart
   * @param payload the event as JSON text
   * @param heldInstrument the instrument a trade event makes the portfolio a holder of (the
   *     holdings table that corporate actions fan out over); null for other events
   * @param alerts the alerts the event raised, as the JSON array {@link AlertJson} writes; null
   *     for none (most events)
   * @param origin who caused the event, as the JSON text of {@link Origin#toJson()}; null only
   *     for writers outside the owner (tools)
   */
  public record Row(long seq, String type, String commandId, Long commandHash, String payload,
      Instant recordedAt, String heldInstrument, String alerts, String origin) {

    /** A row without an origin. */
    public Row(long seq, String type, String commandId, Long commandHash, String payload,
        Instant recordedAt, String heldInstrument, String alerts) {
      this(seq, type, commandId, commandHash, payload, recordedAt, heldInstrument, alerts, null);
    }
  }

  /**
   * The portfolio's attributes that the catalog table lists.
   *
   * @param settings the portfolio's own settings as JSON text ({@link SettingsJson}): mirrored
   *     so that a read can resolve what a portfolio inherits with one query up its ancestors
   */
  public record CatalogRow(String name, String baseCurrency, String parentId, String costMethod,
      Instant createdAt, Instant updatedAt, String settings) {

    /** A row without own settings. */
    public CatalogRow(String name, String baseCurrency, String parentId, String costMethod,
        Instant createdAt, Instant updatedAt) {
      this(name, baseCurrency, parentId, costMethod, createdAt, updatedAt, "{}");
    }
  }
}
