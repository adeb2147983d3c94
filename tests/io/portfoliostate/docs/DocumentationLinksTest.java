package io.portfoliostate.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation in the repository must hold together: every relative link in README.md,
 * CHANGELOG.md and docs/*.md names a file that exists, every {@code #anchor} names a heading of its
 * target (by GitHub's slug rules), and no link leaves the repository (the contract files beside it
 * are not part of a clone). Maven runs tests in the project root, which is the repository root.
 */
class DocumentationLinksTest {

  private static final Path ROOT = Path.of("").toAbsolutePath().normalize();

  /** An inline link or image: {@code [text](target)} or {@code [text](target "title")}. */
  private static final Pattern LINK = Pattern.compile("!?\\[(?:[^\\[\\]]|\\[[^\\]]*\\])*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
  private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");
  private static final Pattern EXTERNAL = Pattern.compile("^(https?|mailto):.*", Pattern.CASE_INSENSITIVE);

  @Test
  void everyRelativeLinkAndAnchorResolvesInsideTheRepository() throws IOException {
    List<Path> documents = documents();
    assertThat(documents).as("README.md, CHANGELOG.md and docs/*.md")
        .contains(ROOT.resolve("README.md"), ROOT.resolve("CHANGELOG.md"))
        .anyMatch(p -> p.getParent().equals(ROOT.resolve("docs")));
    List<String> broken = new ArrayList<>();
    int links = 0;
    for (Path document : documents) {
      String text = Files.readString(document);
      links += links(text).size();
      broken.addAll(brokenLinks(document, text));
    }
    assertThat(links).as("links checked").isGreaterThan(20);
    assertThat(broken).as("broken links").isEmpty();
  }

  /** The checker itself: a missing file, a missing anchor and a link out of the repository are caught. */
  @Test
  void theCheckerCatchesWhatItIsFor() {
    Path readme = ROOT.resolve("README.md");
    assertThat(brokenLinks(readme, "# Title\n\n## Read cache (Redis)\n\nSee [it](#read-cache-redis).\n")).isEmpty();
    assertThat(brokenLinks(readme, "# Title\n\nSee [it](#no-such-heading).\n"))
        .singleElement().asString().contains("#no-such-heading");
    assertThat(brokenLinks(readme, "See [it](docs/no-such-file.md).\n"))
        .singleElement().asString().contains("no-such-file.md");
    assertThat(brokenLinks(readme, "See [it](docs/api.md#no-such-heading).\n"))
        .singleElement().asString().contains("docs/api.md#no-such-heading");
    assertThat(brokenLinks(readme, "See [the contract](../shared/API.md).\n"))
        .singleElement().asString().contains("outside the repository");
    assertThat(brokenLinks(readme, "See [it](/etc/passwd).\n"))
        .singleElement().asString().contains("outside the repository");
    // A link inside code is an example, not a link.
    assertThat(brokenLinks(readme, "```\n[x](missing.md)\n```\nand `[y](missing.md)`\n")).isEmpty();
  }

  @Test
  void slugsFollowGitHubsRules() {
    assertThat(slug("Read cache (Redis)")).isEqualTo("read-cache-redis");
    assertThat(slug("As-of valuation")).isEqualTo("as-of-valuation");
    assertThat(slug("`asOf` today: recording time")).isEqualTo("asof-today-recording-time");
    assertThat(slug("Cluster on one machine, and on several")).isEqualTo("cluster-on-one-machine-and-on-several");
    assertThat(slug("Nodes [coming](x.md) and going")).isEqualTo("nodes-coming-and-going");
    assertThat(slug("snake_case kept")).isEqualTo("snake_case-kept");
    assertThat(anchors("# A\n## A\n## A\n")).containsExactly("a", "a-1", "a-2");
  }

  private static List<Path> documents() throws IOException {
    List<Path> documents = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("CHANGELOG.md")));
    Path docs = ROOT.resolve("docs");
    if (Files.isDirectory(docs)) {
      try (Stream<Path> files = Files.list(docs)) {
        files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(documents::add);
      }
    }
    for (Path document : documents) {
      assertThat(document).as("documentation file").exists();
    }
    return documents;
  }

  /** What is wrong with the links of one document, one line per broken link. */
  static List<String> brokenLinks(Path document, String text) {
    List<String> broken = new ArrayList<>();
    String name = ROOT.relativize(document).toString();
    for (String target : links(text)) {
      if (EXTERNAL.matcher(target).matches()) {
        continue;
      }
      if (SCHEME.matcher(target).matches() || target.startsWith("/")) {
        broken.add(name + ": " + target + " points outside the repository");
        continue;
      }
      int hash = target.indexOf('#');
      String file = hash < 0 ? target : target.substring(0, hash);
      String anchor = hash < 0 ? null : target.substring(hash + 1);
      Path resolved = file.isEmpty() ? document : document.getParent().resolve(file).normalize();
      if (!resolved.startsWith(ROOT)) {
        broken.add(name + ": " + target + " points outside the repository");
        continue;
      }
      if (!Files.exists(resolved)) {
        broken.add(name + ": " + target + " names a file that does not exist");
        continue;
      }
      if (anchor != null) {
        String content = resolved.equals(document) ? text : read(resolved);
        if (!resolved.toString().endsWith(".md") || !anchors(content).contains(anchor)) {
          broken.add(name + ": " + target + " names a heading that does not exist");
        }
      }
    }
    return broken;
  }

  /** The link targets of a document, leaving out fenced code blocks and code spans. */
  static List<String> links(String text) {
    List<String> targets = new ArrayList<>();
    for (String line : prose(text)) {
      Matcher link = LINK.matcher(line.replaceAll("`[^`]*`", ""));
      while (link.find()) {
        targets.add(link.group(1));
      }
    }
    return targets;
  }

  /** The anchors GitHub makes of a document's headings, duplicates numbered as it numbers them. */
  static Set<String> anchors(String text) {
    Set<String> anchors = new LinkedHashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : prose(text)) {
      Matcher heading = HEADING.matcher(line);
      if (heading.matches()) {
        String slug = slug(heading.group(2));
        int count = seen.merge(slug, 1, Integer::sum);
        anchors.add(count == 1 ? slug : slug + "-" + (count - 1));
      }
    }
    return anchors;
  }

  /**
   * GitHub's heading slug: the heading's text (links by their text, no code marks), lower-cased,
   * every character that is not a letter, digit, space, hyphen or underscore dropped, spaces to
   * hyphens.
   */
  static String slug(String heading) {
    String textOnly = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1");
    StringBuilder slug = new StringBuilder();
    for (char c : textOnly.toLowerCase(Locale.ROOT).toCharArray()) {
      if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
        slug.append(c);
      } else if (c == ' ') {
        slug.append('-');
      }
    }
    return slug.toString();
  }

  /** The lines outside fenced code blocks. */
  private static List<String> prose(String text) {
    List<String> lines = new ArrayList<>();
    boolean fenced = false;
    for (String line : text.split("\n", -1)) {
      if (line.strip().startsWith("```") || line.strip().startsWith("~~~")) {
        fenced = !fenced;
      } else if (!fenced) {
        lines.add(line);
      }
    }
    return lines;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
