package io.portfoliostate.integration.duckdb;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the service reads in a caller's SQL before DuckDB sees it: named parameters
 * ({@code :name}, outside strings, quoted names and comments, and not the {@code ::} cast)
 * turned into positional ones, whether the text holds more than one statement, and its first
 * keyword. The sandbox is what makes user SQL safe; this only refuses early, with a clearer
 * message, what is plainly not a read.
 */
public final class SqlText {

  /** Statements a read may start with. */
  private static final Set<String> READS = Set.of("SELECT", "WITH", "FROM", "VALUES", "TABLE", "DESCRIBE", "SHOW",
      "SUMMARIZE", "PIVOT", "UNPIVOT");

  private final String positional;
  private final List<String> parameters;
  private final boolean single;
  private final String firstKeyword;
  private final String words;

  private SqlText(String positional, List<String> parameters, boolean single, String firstKeyword, String words) {
    this.positional = positional;
    this.parameters = parameters;
    this.single = single;
    this.firstKeyword = firstKeyword;
    this.words = words;
  }

  /** Reads {@code sql}. */
  public static SqlText of(String sql) {
    StringBuilder out = new StringBuilder(sql.length());
    StringBuilder words = new StringBuilder();
    List<String> parameters = new ArrayList<>();
    boolean single = true;
    boolean statementEnded = false;
    String first = null;
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '\'' || c == '"') {
        int end = closing(sql, i, c);
        out.append(sql, i, end);
        if (statementEnded) {
          single = false;
        }
        i = end;
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        int end = sql.indexOf('\n', i);
        i = end < 0 ? n : end;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int end = sql.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
        out.append(' ');
      } else if (c == ':' && i + 1 < n && sql.charAt(i + 1) == ':') {
        out.append("::");
        i += 2;
      } else if (c == ':' && i + 1 < n && Character.isLetter(sql.charAt(i + 1))) {
        int end = i + 1;
        while (end < n && (Character.isLetterOrDigit(sql.charAt(end)) || sql.charAt(end) == '_')) {
          end++;
        }
        parameters.add(sql.substring(i + 1, end));
        out.append('?');
        i = end;
      } else if (c == ';') {
        statementEnded = true;
        i++;
      } else if (Character.isLetter(c) || c == '_') {
        int end = i;
        while (end < n && (Character.isLetterOrDigit(sql.charAt(end)) || sql.charAt(end) == '_')) {
          end++;
        }
        String word = sql.substring(i, end);
        if (statementEnded) {
          single = false;
        }
        if (first == null) {
          first = word.toUpperCase(Locale.ROOT);
        }
        words.append(' ').append(word.toLowerCase(Locale.ROOT));
        out.append(word);
        i = end;
      } else {
        if (statementEnded && !Character.isWhitespace(c)) {
          single = false;
        }
        out.append(c);
        i++;
      }
    }
    return new SqlText(out.toString(), List.copyOf(parameters), single, first, words.append(' ').toString());
  }

  private static int closing(String sql, int start, char quote) {
    int i = start + 1;
    while (i < sql.length()) {
      if (sql.charAt(i) == quote) {
        if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
          i += 2; // a doubled quote inside
          continue;
        }
        return i + 1;
      }
      i++;
    }
    return sql.length();
  }

  /** The text with each {@code :name} replaced by {@code ?}. */
  public String positional() {
    return positional;
  }

  /** The named parameters in the order of their {@code ?}s (a name used twice appears twice). */
  public List<String> parameters() {
    return parameters;
  }

  /** Whether the text is one statement (a trailing semicolon allowed). */
  public boolean single() {
    return single;
  }

  /** Whether it starts like a read ({@code SELECT}, {@code WITH}, {@code FROM}, ...). */
  public boolean startsLikeARead() {
    return firstKeyword != null && READS.contains(firstKeyword);
  }

  /** The first keyword, upper case, or null for an empty text. */
  public String firstKeyword() {
    return firstKeyword;
  }

  /** Whether {@code name} appears as a word outside strings and comments (a view the query may read). */
  public boolean mentions(String name) {
    return words.contains(" " + name.toLowerCase(Locale.ROOT) + " ");
  }
}
