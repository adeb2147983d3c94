package io.portfoliostate.integration.duckdb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the operating system's priority (raises the nice value) of the analytics store's own
 * threads, so that on a node short of cores the store's bursts (a batch's appends and commit,
 * a refresh of the daily series, DuckDB's background threads) give way to the write path's
 * event loops, the journal's commits and the garbage collector instead of competing with them
 * (BENCHMARKS.md: the commit p99 at 2,000 trades a second with the store on and off).
 *
 * <p>Why not {@link Thread#setPriority}: the JVM ignores Java thread priorities on Linux unless
 * started with {@code -XX:ThreadPriorityPolicy=1}, which needs root. The nice value, on the other
 * hand, is per thread on Linux and any process may raise its own threads' nice value, so the
 * thread's id is read from {@code /proc/thread-self} and {@code renice} is run on it once. A
 * thread created by a reniced thread inherits its nice value: DuckDB's background threads,
 * created when the database opens, are reniced by opening it from a reniced thread
 * ({@link #call}). Where this cannot work (not Linux, no {@code renice}), the store runs at the
 * normal priority and says so once in the log.
 */
final class LowPriority {

  private static final Logger LOG = LoggerFactory.getLogger(LowPriority.class);
  private static final ThreadLocal<Integer> APPLIED = new ThreadLocal<>();
  private static volatile boolean warned;

  private LowPriority() {
  }

  /**
   * Gives the calling thread the nice value {@code nice} (0 leaves it alone), once per thread.
   * Blocks for the few milliseconds {@code renice} takes the first time.
   */
  static void lower(int nice) {
    if (nice <= 0 || Integer.valueOf(nice).equals(APPLIED.get())) {
      return;
    }
    APPLIED.set(nice);
    try {
      // "<pid>/task/<tid>"
      String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
      Process renice = new ProcessBuilder("renice", "-n", Integer.toString(nice), "-p", tid)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!renice.waitFor(5, TimeUnit.SECONDS)) {
        renice.destroyForcibly();
        warn("renice did not answer in 5 s");
      } else if (renice.exitValue() != 0) {
        warn("renice exited with " + renice.exitValue());
      }
    } catch (IOException | UnsupportedOperationException e) {
      warn(e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Runs {@code work} on a new thread of its own at nice value {@code nice} and waits for it:
   * threads that {@code work} starts (DuckDB's, when it opens a database) inherit that value.
   */
  static <T> T call(int nice, String name, java.util.concurrent.Callable<T> work) throws Exception {
    if (nice <= 0) {
      return work.call();
    }
    java.util.concurrent.FutureTask<T> task = new java.util.concurrent.FutureTask<>(() -> {
      lower(nice);
      return work.call();
    });
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
    try {
      return task.get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  /** The nice value of the calling thread, from {@code /proc/thread-self/stat}; 0 where unknown. */
  static int current() {
    try {
      String stat = Files.readString(Path.of("/proc/thread-self/stat"));
      // The 19th field; the 2nd (the name) may hold spaces, so count after its closing parenthesis.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Integer.parseInt(fields[16]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static void warn(String why) {
    if (!warned) {
      warned = true;
      LOG.warn("The analytics store's threads run at the normal priority (analytics.nice not applied): {}", why);
    }
  }
}
