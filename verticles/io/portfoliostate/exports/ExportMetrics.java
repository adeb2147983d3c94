package io.portfoliostate.exports;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The export meters, tagged by {@code kind} (stream, job, schedule), {@code dataset} and
 * {@code format}: {@code pstate.export.rows}, {@code pstate.export.bytes},
 * {@code pstate.export.failures} and {@code pstate.export.duration}.
 */
public final class ExportMetrics {

  private final MeterRegistry registry;

  public ExportMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public void rows(String kind, ExportDataset dataset, ExportFormat format, long rows) {
    Counter.builder("pstate.export.rows").description("Rows written by exports")
        .tags("kind", kind, "dataset", dataset.wireName(), "format", format.wireName()).register(registry)
        .increment(rows);
  }

  public void bytes(String kind, ExportDataset dataset, ExportFormat format, long bytes) {
    Counter.builder("pstate.export.bytes").description("Bytes written by exports").baseUnit("bytes")
        .tags("kind", kind, "dataset", dataset.wireName(), "format", format.wireName()).register(registry)
        .increment(bytes);
  }

  public void failure(String kind, ExportDataset dataset, ExportFormat format) {
    Counter.builder("pstate.export.failures").description("Exports that failed or were cut")
        .tags("kind", kind, "dataset", dataset.wireName(), "format", format.wireName()).register(registry)
        .increment();
  }

  public void duration(String kind, ExportDataset dataset, ExportFormat format, Duration took) {
    Timer.builder("pstate.export.duration").description("Time of whole exports")
        .tags("kind", kind, "dataset", dataset.wireName(), "format", format.wireName()).register(registry)
        .record(took);
  }
}
