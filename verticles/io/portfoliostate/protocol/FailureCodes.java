package io.portfoliostate.protocol;

/**
 * Failure codes of {@link io.vertx.core.eventbus.ReplyException}s between gateways and owners,
 * for failures of a whole request (a command's own rejection travels as a value).
 */
public final class FailureCodes {

  /** The receiver does not own the portfolio (any more): re-resolve the owner and retry. */
  public static final int NOT_OWNER = 409_1;
  /**
   * A command id of the append was recorded long ago (before the owner's in-memory window): the
   * owner looks the ids up in the journal and decides the commands again. Nothing was written.
   */
  public static final int DUPLICATE_COMMAND = 409_2;
  /**
   * The append changes a parent link that would close a cycle in the portfolio tree (another
   * change committed first). Nothing was written; the owner refuses the parent change and decides
   * the rest again.
   */
  public static final int PARENT_CYCLE = 409_3;
  /** The journal could not be written; nothing about the outcome is known. Retry with the same ids. */
  public static final int UNAVAILABLE = 503_1;
  /** The owner has too many queued commands. */
  public static final int OVERLOADED = 503_2;
  /** The request itself is unknown to the owner (a bug, never a client's error). */
  public static final int BAD_REQUEST = 500_1;
  /** The owner failed on a bug while handling the request; nothing was recorded (a 500, never a client's error). */
  public static final int INTERNAL = 500_2;
  /** The portfolio does not exist. */
  public static final int NOT_FOUND = 404_0;
  /** A historical read asked for a version or time the portfolio never had. */
  public static final int NO_SUCH_VERSION = 404_1;

  private FailureCodes() {
  }
}
