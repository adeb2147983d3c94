package io.portfoliostate.persistence;

import io.portfoliostate.config.Settings;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/**
 * Where the database is: connect options for the reactive client, and the JDBC URL that the
 * migrations need. Built from a {@code postgresql://} URI.
 *
 * <p>Connections keep TCP keepalive on (a peer that vanished without a FIN is noticed instead of
 * holding a pool slot for ever) and, once {@link #withTimeouts} is applied, carry the session
 * timeouts in their start-up message, so that every statement on every pool has them without a
 * round trip: a statement stuck on a lock or a hung server fails and frees its slot.
 */
public record Database(PgConnectOptions connectOptions) {

  public static Database fromUri(String uri) {
    PgConnectOptions options = PgConnectOptions.fromUri(uri);
    options.setCachePreparedStatements(true).setPipeliningLimit(256);
    return new Database(options);
  }

  /** The embedded server's database. */
  public static Database embedded(int port) {
    return fromUri(embeddedUri(port));
  }

  /** The URI of the embedded server's database, for nodes that share it (the dev cluster). */
  public static String embeddedUri(int port) {
    return "postgresql://postgres:postgres@127.0.0.1:" + port + "/postgres";
  }

  /**
   * The same database whose sessions have the settings' {@code statement_timeout}, {@code
   * lock_timeout} and {@code idle_in_transaction_session_timeout} (0 leaves one unset).
   */
  public Database withTimeouts(Settings.DatabaseSettings settings) {
    PgConnectOptions options = new PgConnectOptions(connectOptions);
    timeout(options, "statement_timeout", settings.statementTimeoutMs());
    timeout(options, "lock_timeout", settings.lockTimeoutMs());
    timeout(options, "idle_in_transaction_session_timeout", settings.idleInTransactionTimeoutMs());
    return new Database(options);
  }

  private static void timeout(PgConnectOptions options, String parameter, long millis) {
    if (millis > 0) {
      // A run-time parameter in the start-up message is applied as if SET for the session.
      options.addProperty(parameter, Long.toString(millis));
    }
  }

  /** A pool of {@code size} connections. */
  public Pool pool(Vertx vertx, int size, String name) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(size).setName(name).setShared(false))
        .with(new NetClientOptions().setTcpKeepAlive(true))
        .connectingTo(new PgConnectOptions(connectOptions))
        .using(vertx)
        .build();
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + connectOptions.getHost() + ":" + connectOptions.getPort() + "/"
        + connectOptions.getDatabase();
  }

  public String user() {
    return connectOptions.getUser();
  }

  public String password() {
    return connectOptions.getPassword();
  }

  /** A description without the password, for logs. */
  public String describe() {
    return connectOptions.getUser() + "@" + connectOptions.getHost() + ":" + connectOptions.getPort()
        + "/" + connectOptions.getDatabase();
  }
}
