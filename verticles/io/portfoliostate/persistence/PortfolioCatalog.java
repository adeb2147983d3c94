package io.portfoliostate.persistence;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioSettings;
import io.portfoliostate.protocol.SettingsJson;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The committed list of portfolios and their tree (parent links), read from the catalog table
 * that the journal writer keeps in step with the journal.
 */
public final class PortfolioCatalog {

  private static final String PAGE =
      "SELECT id, name, base_currency, parent_id, cost_method, created_at, updated_at FROM portfolios "
          + "WHERE id > $1 AND ($2::text IS NULL OR parent_id = $2) ORDER BY id LIMIT $3";
  /** The same page, of the subtrees under $4 only: what a caller with grants there may read. */
  private static final String READABLE_PAGE =
      "WITH RECURSIVE readable(id, depth) AS ("
          + " SELECT id, 0 FROM portfolios WHERE id = ANY($4::text[])"
          + " UNION SELECT p.id, r.depth + 1 FROM portfolios p JOIN readable r ON p.parent_id = r.id WHERE r.depth < 64)"
          + " SELECT id, name, base_currency, parent_id, cost_method, created_at, updated_at FROM portfolios"
          + " WHERE id IN (SELECT id FROM readable) AND id > $1 AND ($2::text IS NULL OR parent_id = $2)"
          + " ORDER BY id LIMIT $3";
  private static final String EXISTS = "SELECT 1 FROM portfolios WHERE id = $1";
  /** The ancestors of a portfolio, itself included; bounded in depth so a bad row cannot loop forever. */
  private static final String ANCESTORS =
      "WITH RECURSIVE up(id, parent_id, depth) AS ("
          + " SELECT id, parent_id, 0 FROM portfolios WHERE id = $1"
          + " UNION ALL SELECT p.id, p.parent_id, up.depth + 1 FROM portfolios p JOIN up ON p.id = up.parent_id"
          + " WHERE up.depth < 64) SELECT id FROM up";

  private final Pool pool;

  /** How long a chain of settings read from the catalog is used before it is read again. */
  public static final Duration SETTINGS_MEMORY = Duration.ofSeconds(1);

  private final Cache<PortfolioId, List<OwnSettings>> settingsMemory = Caffeine.newBuilder().maximumSize(100_000)
      .expireAfterWrite(SETTINGS_MEMORY).build();
  private final AtomicLong settingsGeneration = new AtomicLong();

  public PortfolioCatalog(Pool pool) {
    this.pool = pool;
  }

  /** A page of portfolios in id order after {@code after}, optionally only the children of {@code parentId}. */
  public Future<JsonArray> page(String after, String parentId, int limit) {
    return pool.preparedQuery(PAGE).execute(Tuple.of(after == null ? "" : after, parentId, limit))
        .map(PortfolioCatalog::items);
  }

  private static JsonArray items(RowSet<Row> rows) {
    JsonArray items = new JsonArray();
    for (Row row : rows) {
      items.add(item(row));
    }
    return items;
  }

  /**
   * A page like {@link #page}, of the portfolios in the subtrees of {@code roots} only (the
   * portfolios a caller's grants name): a caller lists only what it may read, read from the
   * committed tree so that a portfolio created a moment ago under a grant is listed.
   */
  public Future<JsonArray> readablePage(String after, String parentId, int limit, List<PortfolioId> roots) {
    String[] ids = roots.stream().map(PortfolioId::value).toArray(String[]::new);
    return pool.preparedQuery(READABLE_PAGE).execute(Tuple.of(after == null ? "" : after, parentId, limit)
        .addArrayOfString(ids)).map(PortfolioCatalog::items);
  }

  private static JsonObject item(Row row) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put("name", row.getString("name"))
        .put("baseCurrency", row.getString("base_currency"))
        .put("parentId", row.getString("parent_id"))
        .put("costMethod", row.getString("cost_method"))
        .put("createdAt", row.getOffsetDateTime("created_at").toInstant().toString())
        .put("updatedAt", row.getOffsetDateTime("updated_at").toInstant().toString());
  }

  public Future<Boolean> exists(PortfolioId id) {
    return pool.preparedQuery(EXISTS).execute(Tuple.of(id.value())).map(rows -> rows.size() > 0);
  }

  // ---- the tree: subtrees and inherited settings ----------------------------------------

  /**
   * How deep the recursive walks of the tree may go: the tree cannot hold a cycle (the journal
   * transaction refuses one under the tree lock), but a bound costs nothing and would stop a
   * walk through a bad row.
   */
  public static final int MAX_DEPTH = 10_000;

  /**
   * The descendants of {@code $1} down to depth {@code $2} (children are depth 1), each with its
   * parent and depth, in id order after {@code $3}. The walk follows the parent index down;
   * every page walks the subtree again, which keeps paging stable when the tree changes between
   * pages (ids only move in id order).
   */
  private static final String DESCENDANTS =
      "WITH RECURSIVE down(id, name, base_currency, parent_id, cost_method, created_at, updated_at, depth) AS ("
          + " SELECT id, name, base_currency, parent_id, cost_method, created_at, updated_at, 1"
          + " FROM portfolios WHERE parent_id = $1"
          + " UNION ALL SELECT p.id, p.name, p.base_currency, p.parent_id, p.cost_method, p.created_at,"
          + " p.updated_at, down.depth + 1 FROM portfolios p JOIN down ON p.parent_id = down.id"
          + " WHERE down.depth < $2)"
          + " SELECT * FROM down WHERE id > $3 ORDER BY id LIMIT $4";

  /** A portfolio and its ancestors, nearest first, with their own settings. */
  private static final String ANCESTOR_SETTINGS =
      "WITH RECURSIVE up(id, parent_id, settings, depth) AS ("
          + " SELECT id, parent_id, settings, 0 FROM portfolios WHERE id = $1"
          + " UNION ALL SELECT p.id, p.parent_id, p.settings, up.depth + 1 FROM portfolios p"
          + " JOIN up ON p.id = up.parent_id WHERE up.depth < " + MAX_DEPTH + ")"
          + " SELECT id, settings::text FROM up ORDER BY depth";

  private static final String COST_METHOD = "SELECT cost_method FROM portfolios WHERE id = $1";

  /** One portfolio's own settings, as the catalog mirrors them. */
  public record OwnSettings(PortfolioId id, PortfolioSettings settings) {
  }

  /**
   * A page of the descendants of {@code root} (which must exist: check first), at most
   * {@code maxDepth} levels down, in id order after {@code after}; each item as in {@link #page},
   * plus its {@code depth} below {@code root}.
   */
  public Future<JsonArray> descendants(PortfolioId root, int maxDepth, String after, int limit) {
    return pool.preparedQuery(DESCENDANTS)
        .execute(Tuple.of(root.value(), Math.min(maxDepth, MAX_DEPTH), after == null ? "" : after, limit))
        .map(rows -> {
          JsonArray items = new JsonArray();
          for (Row row : rows) {
            items.add(item(row).put("depth", row.getInteger("depth")));
          }
          return items;
        });
  }

  /**
   * The own settings of {@code start} and of each of its ancestors, nearest first ({@code start}
   * itself first); empty when {@code start} is not in the catalog.
   *
   * <p>Remembered for {@link #SETTINGS_MEMORY} per start: every current read of a child portfolio
   * needs its ancestors' settings, and one query per read kept PostgreSQL half a core busy on
   * reads alone (BENCHMARKS.md, "Authentication overhead", run 8). A change through this node
   * ({@link #forgetSettings}) is seen by its next read; a change through another node within
   * {@link #SETTINGS_MEMORY}.
   */
  public Future<List<OwnSettings>> settingsUpFrom(PortfolioId start) {
    List<OwnSettings> known = settingsMemory.getIfPresent(start);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    long generation = settingsGeneration.get();
    return pool.preparedQuery(ANCESTOR_SETTINGS).execute(Tuple.of(start.value())).map(rows -> {
      List<OwnSettings> chain = new ArrayList<>();
      for (Row row : rows) {
        chain.add(new OwnSettings(PortfolioId.of(row.getString(0)),
            SettingsJson.fromJson(new JsonObject(row.getString(1)))));
      }
      List<OwnSettings> read = List.copyOf(chain);
      // A query that began before a change was forgotten may have read the old settings: not kept.
      if (settingsGeneration.get() == generation) {
        settingsMemory.put(start, read);
      }
      return read;
    });
  }

  /**
   * Forgets every remembered chain of settings: called after a portfolio was created, changed
   * or moved through this node, before its answer goes out.
   */
  public void forgetSettings() {
    settingsGeneration.incrementAndGet();
    settingsMemory.invalidateAll();
  }

  /** The cost method of a portfolio, or null when it does not exist. */
  public Future<String> costMethodOf(PortfolioId id) {
    return pool.preparedQuery(COST_METHOD).execute(Tuple.of(id.value()))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
  }

  /**
   * Whether making {@code parent} the parent of {@code child} would close a cycle, against the
   * committed tree: a fast refusal for the common case only. Two concurrent changes can both pass
   * it; the check that holds is the one in the journal transaction (JournalWrites), under the
   * lock that serializes changes to the tree.
   */
  public Future<Boolean> wouldCycle(PortfolioId child, PortfolioId parent) {
    return pool.preparedQuery(ANCESTORS).execute(Tuple.of(parent.value())).map(rows -> {
      for (Row row : rows) {
        if (row.getString(0).equals(child.value())) {
          return true;
        }
      }
      return false;
    });
  }

  /**
   * The portfolios of the subtree under {@code root}, root included, as the catalog has them
   * committed: breadth first, each with its parent and depth (the root's parent is its own, which
   * may be null). Empty when {@code root} does not exist. At most {@code limit} rows are read (a
   * caller that allows n asks for n + 1 to tell a subtree that is too large). The depth is
   * bounded by {@code limit} too, so that a bad row (a cycle, which the journal refuses) cannot
   * make the recursion run forever.
   */
  public Future<java.util.List<TreeNode>> subtree(PortfolioId root, int limit) {
    return pool.preparedQuery(SUBTREE).execute(Tuple.of(root.value(), limit, limit)).map(rows -> {
      java.util.List<TreeNode> nodes = new java.util.ArrayList<>(rows.size());
      for (Row row : rows) {
        String parent = row.getString("parent_id");
        nodes.add(new TreeNode(PortfolioId.of(row.getString("id")), parent == null ? null : PortfolioId.of(parent),
            row.getInteger("depth")));
      }
      nodes.sort(java.util.Comparator.comparingInt(TreeNode::depth).thenComparing(node -> node.id().value()));
      return nodes;
    });
  }

  /** The descendants of a root, breadth first; the depth guard is {@code $2}, the row limit {@code $3}. */
  private static final String SUBTREE =
      "WITH RECURSIVE down(id, parent_id, depth) AS ("
          + " SELECT id, parent_id, 0 FROM portfolios WHERE id = $1"
          + " UNION ALL SELECT p.id, p.parent_id, down.depth + 1 FROM portfolios p JOIN down ON p.parent_id = down.id"
          + " WHERE down.depth < $2) SELECT id, parent_id, depth FROM down LIMIT $3";

  /** One portfolio of a subtree: its parent (null for a root) and its depth below the subtree's root. */
  public record TreeNode(PortfolioId id, PortfolioId parentId, int depth) {
  }
}
