package io.portfoliostate.domain.performance;

import io.portfoliostate.domain.CashFlowRecorded;
import io.portfoliostate.domain.DividendApplied;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Split;
import io.portfoliostate.domain.SplitApplied;
import io.portfoliostate.domain.TradeRecorded;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The states of a portfolio at ascending business times, folded from its journal: the adapter
 * the performance series reads its states through, so that the fold can be swapped for the
 * service's business-time one without touching the calculator.
 *
 * <p>Events are applied in business-time order (a trade's {@code executedAt}, a flow's
 * {@code occurredAt}, an action's {@code effectiveAt}, anything else its recording time; ties:
 * journal order), the creation first. A trade recorded after a split it was executed before is
 * journaled in post-split terms; put back before that split, it is restated in pre-split terms
 * first, so that the split converts it exactly once.
 */
public final class PerformanceStates {

  private PerformanceStates() {
  }

  /** The state at each of {@code times} (ascending); null where the portfolio did not exist yet. */
  public static List<PortfolioState> at(List<PortfolioEvent> journal, List<Instant> times) {
    Map<String, SplitApplied> splits = new HashMap<>();
    for (PortfolioEvent event : journal) {
      if (event instanceof SplitApplied split) {
        splits.putIfAbsent(split.actionId(), split);
      }
    }
    List<Timed> ordered = new ArrayList<>(journal.size());
    for (int i = 0; i < journal.size(); i++) {
      PortfolioEvent event = journal.get(i);
      ordered.add(new Timed(businessTime(event), i, preSplit(event, splits)));
    }
    ordered.sort(Comparator.comparing(Timed::time).thenComparingInt(Timed::order));
    List<PortfolioState> states = new ArrayList<>(times.size());
    PortfolioState state = null;
    int next = 0;
    for (Instant time : times) {
      while (next < ordered.size() && !ordered.get(next).time().isAfter(time)) {
        state = PortfolioRules.evolve(state, ordered.get(next++).event());
      }
      states.add(state);
    }
    return states;
  }

  private static Instant businessTime(PortfolioEvent event) {
    if (event instanceof PortfolioCreated) {
      return Instant.MIN;
    }
    if (event instanceof TradeRecorded trade) {
      return trade.executedAt() == null ? trade.at() : trade.executedAt();
    }
    if (event instanceof CashFlowRecorded flow) {
      return flow.occurredAt() == null ? flow.at() : flow.occurredAt();
    }
    if (event instanceof SplitApplied split) {
      return split.effectiveAt();
    }
    if (event instanceof DividendApplied dividend) {
      return dividend.effectiveAt();
    }
    return event.at();
  }

  /** A trade converted by splits (post-split terms) restated as executed; any other event as it is. */
  private static PortfolioEvent preSplit(PortfolioEvent event, Map<String, SplitApplied> splits) {
    if (!(event instanceof TradeRecorded trade) || !trade.adjusted()) {
      return event;
    }
    var quantity = trade.quantity();
    var price = trade.price();
    for (String actionId : trade.adjustedBy()) {
      SplitApplied split = splits.get(actionId);
      if (split != null) {
        // The inverse split d:n: q · d / n, p · n / d.
        Split inverse = new Split(actionId, split.instrumentId(), split.denominator(), split.numerator(),
            split.effectiveAt());
        quantity = inverse.adjustQuantity(quantity);
        price = inverse.adjustPrice(price);
      }
    }
    return new TradeRecorded(trade.tradeId(), trade.instrumentId(), trade.strategy(), trade.side(), quantity, price,
        trade.currency(), trade.fees(), trade.executedAt(), trade.at(), List.of());
  }

  private record Timed(Instant time, int order, PortfolioEvent event) {
  }
}
