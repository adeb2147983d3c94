package io.portfoliostate.domain;

/**
 * An expected failure of a command, as a value (not an exception): why, in words for a client,
 * and the request field it is about when there is one.
 */
public record Rejection(Reason reason, String detail, String field) {

  /** Why a command was refused. Each maps to one HTTP status at the gateway. */
  public enum Reason {
    /** The command contradicts the rules or the state (400). */
    INVALID,
    /** The portfolio does not exist (404). */
    NOT_FOUND,
    /** A portfolio with that id already exists (409). */
    ALREADY_EXISTS,
    /** An id was replayed with other content (409). */
    ID_REUSED,
    /** The caller's expected version is not the current one (412). */
    VERSION_MISMATCH,
    /** The new parent would make the portfolio its own ancestor (409). */
    PARENT_CYCLE,
    /** A cancel or an amendment names a trade the portfolio never recorded (404). */
    TRADE_NOT_FOUND,
    /** A cancel or an amendment of a trade that is cancelled (409). */
    TRADE_CANCELLED,
    /**
     * Never decided by the rules: deciding the command failed on a bug (an exception), so the
     * owner refused that command alone and changed nothing (500). Retrying it is pointless until
     * the bug is fixed, which is why a stream consumer dead-letters it.
     */
    INTERNAL
  }

  public static Rejection invalid(String field, String detail) {
    return new Rejection(Reason.INVALID, detail, field);
  }

  public static Rejection of(Reason reason, String detail) {
    return new Rejection(reason, detail, null);
  }
}
