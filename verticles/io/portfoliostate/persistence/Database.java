package io.portfoliostate.persistence;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/**
 * Where the database is: connect options for the reactive client, and the JDBC URL that the
 * migrations need. Built from a {@code postgresql://} URI.
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

  /** A pool of {@code size} connections. */
  public Pool pool(Vertx vertx, int size, String name) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(size).setName(name).setShared(false))
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
