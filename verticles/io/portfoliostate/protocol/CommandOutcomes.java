package io.portfoliostate.protocol;

import java.util.List;

/** The reply to {@link OwnerRequest.Execute}: one outcome per command, in order. */
public record CommandOutcomes(List<CommandOutcome> outcomes) {
  public CommandOutcomes {
    outcomes = List.copyOf(outcomes);
  }
}
