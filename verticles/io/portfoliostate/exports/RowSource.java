package io.portfoliostate.exports;

import io.portfoliostate.domain.PortfolioId;
import io.vertx.core.Future;
import java.util.List;

/** Where an export's rows come from: the portfolios of a set, then each one's rows. */
public interface RowSource {

  /** Takes the rows of one batch (one portfolio, or one page of its journal); the next waits for it. */
  @FunctionalInterface
  interface Sink {
    Future<Void> accept(List<Object[]> rows);
  }

  /**
   * The portfolios of the subtrees of {@code roots} (each once), or of every portfolio when
   * {@code roots} is null; a failed future ({@link TooMany}) past {@code limit} portfolios.
   */
  Future<List<PortfolioId>> portfolios(List<PortfolioId> roots, int limit);

  /**
   * Hands the rows of {@code dataset} of portfolio {@code id} as of {@code window}'s time (or in
   * its window of days, for the performance series) to {@code sink}, batch by batch; a
   * portfolio that does not exist (any more, or yet) has none.
   */
  Future<Void> rows(ExportDataset dataset, PortfolioId id, ExportWindow window, Sink sink);

  /** More portfolios than an export may span. */
  final class TooMany extends RuntimeException {
    public TooMany(int limit) {
      super("the set spans more than " + limit + " portfolios", null, false, false);
    }
  }
}
