package io.portfoliostate.exports;

import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.FailureCodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A job's file is written on the node that ran the job; this lets any node of the cluster serve
 * it. Each node answers, on {@link Addresses#exportFile} of its id, requests for a chunk of a
 * finished job file of its export folder ({@code {"file": name, "offset": n}}: at most
 * {@link #CHUNK} bytes, with the file's size in the {@code size} header); a node that does not
 * hold a file asks the node that wrote it, chunk after chunk, as its client takes them. Only the
 * clustered event bus reaches the address (the SockJS bridge permits other addresses only), and
 * only a plain file name of a finished file (no folder, no {@code .part}) is read.
 */
public final class ExportFilePeers {

  /** Bytes per event-bus message: large enough to keep the round trips few, small for the bus. */
  public static final int CHUNK = 1 << 20;

  /** A chunk and the whole file's size. */
  public record Chunk(Buffer data, long size) {
  }

  private ExportFilePeers() {
  }

  /** Serves chunks of the finished files of {@code jobs}' folder to the other nodes. */
  public static MessageConsumer<JsonObject> serve(Vertx vertx, ExportJobs jobs, String nodeId) {
    return vertx.eventBus().<JsonObject>consumer(Addresses.exportFile(nodeId), message -> answer(jobs, message));
  }

  private static void answer(ExportJobs jobs, Message<JsonObject> message) {
    String name = message.body().getString("file", "");
    long offset = message.body().getLong("offset", 0L);
    if (name.isEmpty() || !Path.of(name).getFileName().toString().equals(name) || name.startsWith(".")
        || name.endsWith(".part") || offset < 0) {
      message.fail(FailureCodes.BAD_REQUEST, "not the name of an export file");
      return;
    }
    Path file = jobs.fileOf(name);
    jobs.runner().onWorker(() -> {
      if (!Files.isRegularFile(file)) {
        return null;
      }
      try (RandomAccessFile reader = new RandomAccessFile(file.toFile(), "r")) {
        long size = reader.length();
        int length = (int) Math.max(0, Math.min(CHUNK, size - offset));
        byte[] bytes = new byte[length];
        reader.seek(Math.min(offset, size));
        reader.readFully(bytes);
        return new Chunk(Buffer.buffer(bytes), size);
      }
    }).onComplete(read -> {
      if (read.failed()) {
        message.fail(FailureCodes.UNAVAILABLE, "the export file could not be read");
      } else if (read.result() == null) {
        message.fail(FailureCodes.NOT_FOUND, "no export file " + name + " on this node");
      } else {
        message.reply(read.result().data(),
            new DeliveryOptions().addHeader("size", String.valueOf(read.result().size())));
      }
    });
  }

  /** Asks node {@code nodeId} for the chunk of {@code file} from {@code offset}. */
  public static Future<Chunk> fetch(Vertx vertx, String nodeId, String file, long offset) {
    return vertx.eventBus().<Buffer>request(Addresses.exportFile(nodeId),
            new JsonObject().put("file", file).put("offset", offset), new DeliveryOptions().setSendTimeout(30_000))
        .map(reply -> new Chunk(reply.body(), Long.parseLong(reply.headers().get("size"))));
  }
}
