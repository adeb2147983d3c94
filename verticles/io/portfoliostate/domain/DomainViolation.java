package io.portfoliostate.domain;

/**
 * A value that breaks a domain rule at birth (an identifier with a space, a zero quantity).
 * Thrown by constructors of domain values; the gateway turns it into a 400 naming the field.
 */
public final class DomainViolation extends IllegalArgumentException {

  private final String field;

  public DomainViolation(String field, String message) {
    super(field + " " + message);
    this.field = field;
  }

  /** The JSON field the violation is about. */
  public String field() {
    return field;
  }

  /** The message without the field name. */
  public String reason() {
    return getMessage().substring(field.length() + 1);
  }
}
