package io.portfoliostate.gateway;

import io.micrometer.core.instrument.Counter;
import io.portfoliostate.fixtures.RunningNode;
import java.util.Map;
import java.util.TreeMap;

/**
 * A node's counts of refused bodies by how their drain ended ({@code pstate.http.refused.bodies},
 * tag {@code end}) and of the bytes drained after the answer ({@code pstate.http.refused.body.bytes}),
 * read before and after a case by {@link RefusedBodyDrainTest} and {@link RefusedBodyHttp2Test}.
 */
record RefusedBodyDrains(Map<String, Double> ends, double bytes) {

  static RefusedBodyDrains of(RunningNode node) {
    Map<String, Double> ends = new TreeMap<>();
    for (Counter counter : node.node().registry().find("pstate.http.refused.bodies").counters()) {
      ends.merge(counter.getId().getTag("end"), counter.count(), Double::sum);
    }
    Counter bytes = node.node().registry().find("pstate.http.refused.body.bytes").counter();
    return new RefusedBodyDrains(ends, bytes == null ? 0 : bytes.count());
  }

  /** The refused bodies whose drain ended as {@code end} ({@code byte-limit}, {@code stream-reset}, ...). */
  double ended(String end) {
    return ends.getOrDefault(end, 0.0);
  }

  /** The refused bodies, however their drain ended. */
  double total() {
    return ends.values().stream().mapToDouble(Double::doubleValue).sum();
  }
}
