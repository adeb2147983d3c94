package io.portfoliostate.protocol;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The wire form of the changes an owner sends to another node's live hub ({@link ChangeBatch}):
 * binary, length-prefixed fields, with each event's payload and alerts as the very JSON text the
 * journal got ({@link EventText}). The JSON form it replaced wrapped that text in a JSON document,
 * escaping every quote of the payload on one side and parsing it twice on the other; here the
 * text is copied as bytes and parsed once, to evolve the receiver's copy (a plain trade by
 * Jackson's streaming parser straight into the event, {@link EventJson#decode}).
 *
 * <p>Layout: format (1 byte), clock (8), sent (8), count (4), then per change its length (4) and
 * its bytes: committed (8), portfolio id, from version (8), version (8), position count (4), cash
 * (count, then currency and decimal text per balance), form (1 byte: 1 recorded, 0 plain), event
 * count (4), then per recorded event version (8), type, recorded at (seconds 8, nanos 4), payload,
 * alerts (or a null string); per plain event type and payload. A string is its UTF-8 length (4;
 * -1 for null) and bytes.
 */
public final class ChangeBatchCodec implements MessageCodec<ChangeBatch.Outgoing, ChangeBatch> {

  /** The codec; registered on every node. */
  public static final ChangeBatchCodec INSTANCE = new ChangeBatchCodec();

  private static final byte FORMAT = 1;
  private static final byte RECORDED = 1;
  private static final byte PLAIN = 0;

  private ChangeBatchCodec() {
  }

  /**
   * One change in its wire form, encoded once by the owner for every node that follows it.
   *
   * @param committedNanos when the owner handed it on after COMMIT ({@link System#nanoTime})
   */
  public static Buffer encode(PortfolioChange change, long committedNanos) {
    Buffer out = Buffer.buffer(256 + 512 * change.events().size());
    out.appendLong(committedNanos);
    WireData.string(out, change.portfolioId().value());
    out.appendLong(change.fromVersion()).appendLong(change.version()).appendInt(change.positionCount());
    out.appendInt(change.cash().size());
    change.cash().forEach((currency, balance) -> {
      WireData.string(out, currency.value());
      WireData.string(out, balance.toString());
    });
    if (change.recorded().isEmpty()) {
      out.appendByte(PLAIN).appendInt(change.events().size());
      for (PortfolioEvent event : change.events()) {
        WireData.string(out, EventJson.type(event));
        WireData.string(out, EventJson.encode(event));
      }
    } else {
      out.appendByte(RECORDED).appendInt(change.recorded().size());
      for (EventText text : change.recorded()) {
        out.appendLong(text.version());
        WireData.string(out, text.type());
        out.appendLong(text.recordedAt().getEpochSecond()).appendInt(text.recordedAt().getNano());
        WireData.string(out, text.data());
        WireData.string(out, text.alerts());
      }
    }
    return out;
  }

  @Override
  public void encodeToWire(Buffer buffer, ChangeBatch.Outgoing batch) {
    buffer.appendByte(FORMAT).appendLong(MachineClock.ID).appendLong(batch.sentNanos)
        .appendInt(batch.encoded.size());
    for (Buffer change : batch.encoded) {
      buffer.appendInt(change.length()).appendBuffer(change);
    }
  }

  @Override
  public ChangeBatch decodeFromWire(int pos, Buffer buffer) {
    WireData.Reader in = new WireData.Reader(buffer, pos);
    byte format = in.byteValue();
    if (format != FORMAT) {
      throw new IllegalStateException("change batch format " + format + ", this node reads " + FORMAT);
    }
    long clock = in.longValue();
    long sent = in.longValue();
    int count = in.intValue();
    List<PortfolioChange> changes = new ArrayList<>(count);
    long[] committed = new long[count];
    for (int i = 0; i < count; i++) {
      int length = in.intValue();
      int end = in.position() + length;
      committed[i] = in.longValue();
      changes.add(change(in));
      in.moveTo(end);
    }
    return new ChangeBatch(changes, committed, sent, clock);
  }

  /** Within a node the batch is read back from its wire form: nothing sends one locally but tests. */
  @Override
  public ChangeBatch transform(ChangeBatch.Outgoing batch) {
    Buffer wire = Buffer.buffer();
    encodeToWire(wire, batch);
    return decodeFromWire(0, wire);
  }

  @Override
  public String name() {
    return "pstate.changeBatch.v1";
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  private static PortfolioChange change(WireData.Reader in) {
    PortfolioId id = PortfolioId.of(in.string());
    long fromVersion = in.longValue();
    long version = in.longValue();
    int positionCount = in.intValue();
    int balances = in.intValue();
    Map<CurrencyCode, BigDecimal> cash = new HashMap<>(balances * 2);
    for (int i = 0; i < balances; i++) {
      cash.put(CurrencyCode.of(in.string()), new BigDecimal(in.string()));
    }
    byte form = in.byteValue();
    int count = in.intValue();
    List<PortfolioEvent> events = new ArrayList<>(count);
    List<EventText> recorded = new ArrayList<>(form == RECORDED ? count : 0);
    for (int i = 0; i < count; i++) {
      if (form == RECORDED) {
        long eventVersion = in.longValue();
        String type = in.string();
        Instant at = Instant.ofEpochSecond(in.longValue(), in.intValue());
        String data = in.string();
        String alerts = in.string();
        recorded.add(new EventText(eventVersion, type, at, data, alerts));
        events.add(EventJson.decode(type, data));
      } else {
        String type = in.string();
        events.add(EventJson.decode(type, in.string()));
      }
    }
    return new PortfolioChange(id, fromVersion, version, null, events, recorded, positionCount, cash);
  }
}
