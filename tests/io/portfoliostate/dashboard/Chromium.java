package io.portfoliostate.dashboard;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Level;
import javax.imageio.ImageIO;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * A real headless Chromium (Debian's {@code chromium}) driven through Debian's
 * {@code chromedriver} by Selenium, offline: no Selenium Manager download, no Google services
 * (the flags keep Chromium from calling out), a fresh profile per instance. {@code .ci/run}
 * installs both packages on a fresh machine.
 */
final class Chromium implements AutoCloseable {

  static final Path BINARY = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");

  private final ChromeDriver driver;
  private final Path profile;

  Chromium() {
    if (!Files.isExecutable(BINARY) || !Files.isExecutable(DRIVER)) {
      throw new IllegalStateException("the browser tests need Debian's chromium and chromium-driver "
          + "(apt-get install -y --no-install-recommends chromium-driver fonts-liberation; .ci/run does it)");
    }
    try {
      profile = Files.createTempDirectory("pstate-chromium");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BINARY.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--force-device-scale-factor=1",
        "--lang=en-US", "--user-data-dir=" + profile);
    options.setExperimentalOption("prefs", Map.of("intl.accept_languages", "en-US"));
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    size(1440, 900);
  }

  ChromeDriver driver() {
    return driver;
  }

  /** Sets the viewport (not the window) to {@code width × height} CSS pixels. */
  void size(int width, int height) {
    driver.manage().window().setSize(new Dimension(width, height));
    // The window includes no chrome in headless mode, but measure rather than assume.
    Object inner = js("return [window.innerWidth, window.innerHeight];");
    @SuppressWarnings("unchecked")
    List<Number> got = (List<Number>) inner;
    int dw = width - got.get(0).intValue();
    int dh = height - got.get(1).intValue();
    if (dw != 0 || dh != 0) {
      driver.manage().window().setSize(new Dimension(width + dw, height + dh));
    }
  }

  void open(String url) {
    driver.get(url);
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /** The text of the first element matching {@code css}, or null when there is none. */
  String text(String css) {
    List<WebElement> found = all(css);
    return found.isEmpty() ? null : found.get(0).getText();
  }

  /** The attribute of the first element matching {@code css}, or null. */
  String attribute(String css, String name) {
    List<WebElement> found = all(css);
    return found.isEmpty() ? null : found.get(0).getDomAttribute(name);
  }

  /**
   * Waits until {@code condition} holds, checking every 10 ms; answers how long it took in
   * milliseconds, or fails with {@code what} after {@code timeout}.
   */
  long await(String what, Duration timeout, Supplier<Boolean> condition) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (Boolean.TRUE.equals(condition.get())) {
          return (System.nanoTime() - start) / 1_000_000;
        }
      } catch (org.openqa.selenium.StaleElementReferenceException e) {
        last = e; // the page redrew the element between finding and reading it
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what, last);
  }

  /** What the page logged to its console (and the browser's own errors) since the last call. */
  List<LogEntry> consoleLog() {
    return driver.manage().logs().get(LogType.BROWSER).getAll();
  }

  /** A PNG of the viewport, written to {@code file}. */
  BufferedImage screenshot(Path file) {
    byte[] png = driver.getScreenshotAs(OutputType.BYTES);
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, png);
      return ImageIO.read(new ByteArrayInputStream(png));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** How many distinct colours an image has (a blank or failed rendering has one or two). */
  static int distinctColours(BufferedImage image) {
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        colours.add(image.getRGB(x, y) & 0xFFFFFF);
      }
    }
    return colours.size();
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      deleteQuietly(profile.toFile());
    }
  }

  private static void deleteQuietly(File file) {
    File[] children = file.listFiles();
    if (children != null) {
      for (File child : children) {
        deleteQuietly(child);
      }
    }
    file.delete();
  }
}
