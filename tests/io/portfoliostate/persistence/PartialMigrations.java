package io.portfoliostate.persistence;

import org.flywaydb.core.Flyway;

/**
 * A database migrated only part of the way, as one written by an older release: for tests of
 * what a later migration does to existing data.
 */
final class PartialMigrations {

  private static final String LOCATION = "classpath:io/portfoliostate/persistence/migrations";

  private PartialMigrations() {
  }

  /** Applies the migrations up to and including version {@code target}. */
  static void migrateUpTo(Database database, String target) {
    flyway(database).target(target).load().migrate();
  }

  /** How many migrations are still to apply. */
  static int pending(Database database) {
    return flyway(database).load().info().pending().length;
  }

  private static org.flywaydb.core.api.configuration.FluentConfiguration flyway(Database database) {
    return Flyway.configure().dataSource(database.jdbcUrl(), database.user(), database.password()).locations(LOCATION);
  }
}
