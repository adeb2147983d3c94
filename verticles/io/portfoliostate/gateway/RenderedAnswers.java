package io.portfoliostate.gateway;

import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.market.MarketSnapshot;
import io.vertx.core.buffer.Buffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rendered bodies of recent valued reads, kept per gateway instance (one event loop, no
 * locks). A valued read is a pure function of the portfolio's committed state (its id and
 * version) and the market snapshot it is valued with, so an answer rendered once can be sent
 * again as long as neither changed: a new version or any market update makes a new key. For a
 * large portfolio, rendering is most of a read (a 500-position state is ~170 KB of JSON).
 * Bounded by bytes, least recently used first out.
 *
 * <p>Only reads of the current state are kept: a read of an earlier version or time is valued
 * with the market of its time, which the key does not name (see {@code ReadHandlers}).
 */
final class RenderedAnswers {

  /**
   * What an answer depends on. The snapshot is compared by identity: the market view swaps in a
   * new immutable snapshot on every change.
   */
  record Key(String view, PortfolioId id, long version, MarketSnapshot market) {
    @Override
    public boolean equals(Object other) {
      return other instanceof Key key && key.version == version && key.market == market
          && key.id.equals(id) && key.view.equals(view);
    }

    @Override
    public int hashCode() {
      return (view.hashCode() * 31 + id.hashCode()) * 31 + Long.hashCode(version)
          + System.identityHashCode(market);
    }
  }

  private final LinkedHashMap<Key, Buffer> answers = new LinkedHashMap<>(64, 0.75f, true);
  private final long maxBytes;
  private long bytes;

  RenderedAnswers(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  Buffer get(Key key) {
    return answers.get(key);
  }

  void put(Key key, Buffer body) {
    if (body.length() > maxBytes / 4) {
      return;
    }
    Buffer previous = answers.put(key, body);
    bytes += body.length() - (previous == null ? 0 : previous.length());
    Iterator<Map.Entry<Key, Buffer>> oldest = answers.entrySet().iterator();
    while (bytes > maxBytes && oldest.hasNext()) {
      bytes -= oldest.next().getValue().length();
      oldest.remove();
    }
  }
}
