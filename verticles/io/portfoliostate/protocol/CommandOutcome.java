package io.portfoliostate.protocol;

import io.portfoliostate.domain.CommandResult;
import io.portfoliostate.domain.Rejection;

/** The outcome of one command: recorded (or replayed) with its result, or refused. */
public sealed interface CommandOutcome {

  /**
   * The command is recorded.
   *
   * @param replay true when the command's id had been recorded before with the same content and
   *     this is the original result
   */
  record Recorded(CommandResult result, boolean replay) implements CommandOutcome {
  }

  /** The command was refused and changed nothing. */
  record Refused(Rejection rejection) implements CommandOutcome {
  }
}
