package io.portfoliostate.persistence;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Versioned schema migrations (Flyway), applied at start-up. Several nodes starting at once are
 * safe: Flyway serializes them with a database lock.
 */
public final class Migrations {

  private static final String LOCATION = "classpath:io/portfoliostate/persistence/migrations";

  private Migrations() {
  }

  /** Applies pending migrations; blocking (JDBC), so call it from a worker. Returns how many ran. */
  public static int migrate(Database database) {
    MigrateResult result = Flyway.configure()
        .dataSource(database.jdbcUrl(), database.user(), database.password())
        .locations(LOCATION)
        .load()
        .migrate();
    return result.migrationsExecuted;
  }
}
