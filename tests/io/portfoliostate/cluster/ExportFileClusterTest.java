package io.portfoliostate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.exports.ExportFilePeers;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A job's file is written into the export folder of the node that ran the job; every node of the
 * cluster serves it (here two nodes with folders of their own): the other node streams it from
 * the writer over the event bus, chunk by chunk, byte for byte the writer's file. Once the writer
 * no longer holds it, the answer is a 410 problem.
 */
class ExportFileClusterTest {

  @Test
  void aJobsFileIsServedByEveryNode() throws Exception {
    try (TestCluster cluster = TestCluster.start(2, 3, TestDatabase.freshDatabaseUri(), new JsonObject())) {
      Api writer = new Api(cluster.node(0).httpPort());
      Api other = new Api(cluster.node(1).httpPort());
      writer.putInstrument("EF-A", new JsonObject().put("currency", "USD"));
      writer.createPortfolio("ef-1");
      // Enough events for a file of several chunks: 12,000 trades imported in one batch.
      StringBuilder csv = new StringBuilder("tradeId,instrumentId,side,quantity,price\n");
      for (int i = 0; i < 12_000; i++) {
        csv.append("ef-").append(i).append(",EF-A,BUY,1,").append(100 + i % 7).append('\n');
      }
      Api.Response imported = writer.send("POST", "/api/v1/portfolios/ef-1/imports?kind=trades", "text/csv",
          csv.toString());
      assertThat(imported.status()).as(imported.body()).isEqualTo(200);

      Api.Response started = writer.post("/api/v1/export-jobs", new JsonObject().put("dataset", "events")
          .put("format", "ndjson").put("portfolios", new io.vertx.core.json.JsonArray().add("ef-1")));
      assertThat(started.status()).as(started.body()).isEqualTo(202);
      String location = started.header("Location");
      JsonObject job;
      long deadline = System.currentTimeMillis() + 60_000;
      do {
        Thread.sleep(100);
        job = other.get(location).json();
        assertThat(System.currentTimeMillis()).as("the job finishes in 60 s").isLessThan(deadline);
      } while (job.getString("state").equals("RUNNING"));
      assertThat(job.getString("state")).as(job.encode()).isEqualTo("DONE");
      assertThat(job.getLong("rowsWritten")).isEqualTo(12_001L);
      assertThat(job.getLong("bytes")).isGreaterThan(3L * ExportFilePeers.CHUNK);

      Path file = cluster.node(0).exportJobs().dir().resolve(job.getString("jobId") + ".ndjson");
      assertThat(Files.isRegularFile(file)).isTrue();
      assertThat(Files.exists(cluster.node(1).exportJobs().dir().resolve(file.getFileName())))
          .as("the other node has its own folder").isFalse();
      String written = Files.readString(file);
      Api.Response fromWriter = writer.get(location + "/file");
      Api.Response fromOther = other.get(location + "/file");
      assertThat(fromWriter.status()).isEqualTo(200);
      assertThat(fromOther.status()).as(fromOther.body().length() > 500 ? fromOther.body().substring(0, 500)
          : fromOther.body()).isEqualTo(200);
      assertThat(fromOther.contentType()).isEqualTo(fromWriter.contentType()).isEqualTo("application/x-ndjson");
      assertThat(fromOther.header("Content-Length")).isEqualTo(String.valueOf(Files.size(file)));
      assertThat(fromOther.body()).isEqualTo(written).isEqualTo(fromWriter.body());

      Files.delete(file);
      Api.Response gone = other.get(location + "/file");
      assertThat(gone.status()).isEqualTo(410);
      assertThat(gone.contentType()).isEqualTo("application/problem+json");
      assertThat(gone.json().getString("type")).isEqualTo("/problems/export-file-gone");
      assertThat(gone.body()).doesNotContain("Exception");
    }
  }
}
