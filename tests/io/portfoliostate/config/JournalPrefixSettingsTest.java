package io.portfoliostate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * When the journal prefixes' job extends a prefix (docs/performance.md, "The journal's prefix"):
 * a journal of at least {@code minEvents}, {@code stepEvents} past its prefix, and — since an
 * extension rewrites the whole prefix — also {@code stepFraction} of the prefix's events.
 */
class JournalPrefixSettingsTest {

  private static final Settings.JournalPrefixSettings DEFAULTS = Settings.JournalPrefixSettings.DEFAULTS;

  @Test
  void aShortJournalGetsNoPrefixAndANewOneGetsItWhole() {
    assertThat(DEFAULTS.due(999, 0)).isFalse();
    assertThat(DEFAULTS.due(1_000, 0)).isTrue();
  }

  @Test
  void theStepGrowsWithThePrefix() {
    // 4,000 events stored: 500 (stepEvents) is the larger step.
    assertThat(DEFAULTS.due(4_499, 4_000)).isFalse();
    assertThat(DEFAULTS.due(4_500, 4_000)).isTrue();
    // 100,000 events stored: an eighth of them, 12,500, before the prefix is rewritten.
    assertThat(DEFAULTS.due(112_499, 100_000)).isFalse();
    assertThat(DEFAULTS.due(112_500, 100_000)).isTrue();
  }

  @Test
  void aFractionOfZeroIsAFixedStep() {
    Settings.JournalPrefixSettings fixed = Settings.JournalPrefixSettings.from(
        new JsonObject().put("stepFraction", 0).put("stepEvents", 500));
    assertThat(fixed.due(100_499, 100_000)).isFalse();
    assertThat(fixed.due(100_500, 100_000)).isTrue();
  }

  @Test
  void aFractionOutsideZeroToOneIsRefused() {
    assertThatThrownBy(() -> Settings.JournalPrefixSettings.from(new JsonObject().put("stepFraction", 1.5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stepFraction");
    assertThatThrownBy(() -> Settings.JournalPrefixSettings.from(new JsonObject().put("stepFraction", -0.1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stepFraction");
  }
}
