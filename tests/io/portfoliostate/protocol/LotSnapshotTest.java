package io.portfoliostate.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.Lot;
import io.portfoliostate.domain.Position;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A position written to a snapshot before the lots became a persistent book (format of
 * {@code bf3fb75}, copied here as it was written) loads, writes back unchanged, and closes its
 * lots by age or price, not by their place in the list: one lot was back-dated, so the list
 * order (opening order) is not the age order.
 */
class LotSnapshotTest {

  private static final String BEFORE = """
      {"instrumentId":"AAPL","strategy":"default","currency":"USD","quantity":"25","averageCost":"100.5",
       "costBasis":"2512.5","realizedPnl":"0","fees":"1.5",
       "openedAt":"2026-11-02T10:00:00Z","updatedAt":"2026-11-02T12:00:00Z",
       "lots":[
        {"quantity":"10","price":"101.5","openedAt":"2026-11-02T10:00:00Z","openedSeq":3},
        {"quantity":"5","price":"99","openedAt":"2026-11-02T09:00:00Z","openedSeq":5},
        {"quantity":"10","price":"100.25","openedAt":"2026-11-02T11:00:00Z","openedSeq":8}]}
      """;

  private static final Instant NOW = Instant.parse("2026-12-01T15:00:00Z");

  @Test
  void aSnapshotFromBeforeLoadsAndWritesBackUnchanged() {
    JsonObject json = new JsonObject(BEFORE);

    Position position = StateJson.position(json);

    assertThat(position.lots()).extracting(Lot::openedSeq).containsExactly(3L, 5L, 8L);
    assertThat(StateJson.position(position)).isEqualTo(json);
  }

  @Test
  void fifoClosesTheBackDatedLotFirstAndKeepsTheListOrder() {
    Position position = StateJson.position(new JsonObject(BEFORE));

    Position after = sell12(position, CostMethod.FIFO);

    // 5 @ 99 (+55), then 7 of 10 @ 101.5 (+59.5)
    assertThat(after.realizedPnl()).isEqualByComparingTo("114.5");
    assertThat(after.lots()).extracting(Lot::openedSeq, Lot::quantity)
        .containsExactly(tuple(3L, new BigDecimal("3")), tuple(8L, new BigDecimal("10")));
    assertThat(after.costBasis()).isEqualByComparingTo("1307");
    assertThat(after.averageCost())
        .isEqualTo(new BigDecimal("1307.0").divide(new BigDecimal("13"), MathContext.DECIMAL128));
    assertThat(StateJson.position(after).getJsonArray("lots").encode()).isEqualTo(
        "[{\"quantity\":\"3\",\"price\":\"101.5\",\"openedAt\":\"2026-11-02T10:00:00Z\",\"openedSeq\":3},"
            + "{\"quantity\":\"10\",\"price\":\"100.25\",\"openedAt\":\"2026-11-02T11:00:00Z\",\"openedSeq\":8}]");
  }

  @Test
  void hifoClosesTheHighestPricesFirst() {
    Position position = StateJson.position(new JsonObject(BEFORE));

    Position after = sell12(position, CostMethod.HIFO);

    // 10 @ 101.5 (+85), then 2 of 10 @ 100.25 (+19.5)
    assertThat(after.realizedPnl()).isEqualByComparingTo("104.5");
    assertThat(after.lots()).extracting(Lot::openedSeq, Lot::quantity)
        .containsExactly(tuple(5L, new BigDecimal("5")), tuple(8L, new BigDecimal("8")));
    assertThat(after.costBasis()).isEqualByComparingTo("1297");
  }

  @Test
  void lifoClosesTheNewestFirst() {
    Position position = StateJson.position(new JsonObject(BEFORE));

    Position after = sell12(position, CostMethod.LIFO);

    // 10 @ 100.25 (+97.5), then 2 of 10 @ 101.5 (+17)
    assertThat(after.realizedPnl()).isEqualByComparingTo("114.5");
    assertThat(after.lots()).extracting(Lot::openedSeq, Lot::quantity)
        .containsExactly(tuple(3L, new BigDecimal("8")), tuple(5L, new BigDecimal("5")));
  }

  private static Position sell12(Position position, CostMethod method) {
    return position.apply(new BigDecimal("-12"), new BigDecimal("110"), BigDecimal.ZERO, NOW, 9, NOW, method);
  }
}
