package io.portfoliostate.domain;

/** Display names: free text, but not empty and not a novel. */
final class Names {

  static final int MAX_LENGTH = 200;

  private Names() {
  }

  static String require(String name) {
    if (name == null || name.isBlank()) {
      throw new DomainViolation("name", "is required");
    }
    if (name.length() > MAX_LENGTH) {
      throw new DomainViolation("name", "must be at most " + MAX_LENGTH + " characters");
    }
    return name;
  }
}
