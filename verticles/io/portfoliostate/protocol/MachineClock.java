package io.portfoliostate.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * Which {@link System#nanoTime} clock this process reads, so that a node can tell whether a time
 * another node stamped may be compared with its own.
 *
 * <p>On Linux, the JDK reads {@code System.nanoTime} from {@code CLOCK_MONOTONIC}, one clock for
 * every process of the machine since it booted (tested by {@code MachineClockTest} with a second
 * JVM). Two nodes on one machine (a benchmark, a test cluster, several nodes per host) can then
 * time a change's trip between them without synchronised clocks. The clock is named by the
 * kernel's boot id, the same for every process until the next boot; where there is none to read
 * (another system), the id is random, so no other process ever matches it.
 */
public final class MachineClock {

  private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

  /** This process's clock: equal in two processes when their {@code nanoTime} values compare. */
  public static final long ID = readId();

  private MachineClock() {
  }

  private static long readId() {
    try {
      UUID boot = UUID.fromString(Files.readString(BOOT_ID).trim());
      return boot.getMostSignificantBits() ^ boot.getLeastSignificantBits();
    } catch (IOException | RuntimeException notLinux) {
      return new SecureRandom().nextLong();
    }
  }
}
