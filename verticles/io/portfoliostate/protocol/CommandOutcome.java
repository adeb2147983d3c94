package io.portfoliostate.protocol;

import io.portfoliostate.domain.BatchDecision;
import io.portfoliostate.domain.CommandResult;
import io.portfoliostate.domain.Rejection;
import java.util.List;

/** The outcome of one command: recorded (or replayed) with its result, or refused. */
public sealed interface CommandOutcome {

  /**
   * The command is recorded.
   *
   * @param replay true when the command's id had been recorded before with the same content and
   *     this is the original result (for a batch: when every item was a replay)
   * @param replayedItems for an {@link io.portfoliostate.domain.ApplyBatch}: the indexes of the
   *     items that were replays and changed nothing; empty for other commands
   * @param skippedItems for a batch that skips refused items: those items and why; else empty
   */
  record Recorded(CommandResult result, boolean replay, List<Integer> replayedItems,
      List<BatchDecision.Refusal> skippedItems) implements CommandOutcome {

    public Recorded {
      replayedItems = List.copyOf(replayedItems);
      skippedItems = List.copyOf(skippedItems);
    }

    public Recorded(CommandResult result, boolean replay) {
      this(result, replay, List.of(), List.of());
    }
  }

  /**
   * The command was refused and changed nothing.
   *
   * @param items for a refused {@link io.portfoliostate.domain.ApplyBatch}: every refused item
   *     and why (the rejection sums them up); empty for other commands
   */
  record Refused(Rejection rejection, List<BatchDecision.Refusal> items) implements CommandOutcome {

    public Refused {
      items = List.copyOf(items);
    }

    public Refused(Rejection rejection) {
      this(rejection, List.of());
    }
  }
}
