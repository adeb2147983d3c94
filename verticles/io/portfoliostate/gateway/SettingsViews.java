package io.portfoliostate.gateway;

import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Setting;
import io.portfoliostate.persistence.PortfolioCatalog;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A portfolio's settings as the API shows them: {@code settings}, its own values only, and
 * {@code effectiveSettings}, each value with where it comes from ({@code inheritedFrom}: null
 * when its own, the id of the nearest ancestor that sets it, or {@code "default"}).
 *
 * <p>The cost method and the drift threshold are always the portfolio's own (it has them from
 * its creation); {@code alertThresholds.drift} is the drift threshold under another name, so
 * that the thresholds a later alert reads are in one object with one source of truth.
 */
final class SettingsViews {

  static final String DEFAULT = "default";

  private SettingsViews() {
  }

  /** The own values: cost method, drift threshold, and the inheritable settings set here. */
  static JsonObject own(PortfolioState state) {
    String drift = Decimals.plain(state.driftThreshold());
    JsonObject json = new JsonObject()
        .put("costMethod", state.costMethod().name())
        .put("driftThreshold", drift);
    JsonObject thresholds = new JsonObject().put("drift", drift);
    for (Setting setting : Setting.values()) {
      String value = state.settings().get(setting);
      if (value != null) {
        (setting.thresholdName() == null ? json : thresholds)
            .put(setting.thresholdName() == null ? setting.path() : setting.thresholdName(), value);
      }
    }
    return json.put("alertThresholds", thresholds);
  }

  /**
   * The effective values of {@code state}, given the own settings of its ancestors, nearest
   * first (its parent, the parent's parent, ...) as the catalog has them.
   */
  static JsonObject effective(PortfolioState state, List<PortfolioCatalog.OwnSettings> ancestors) {
    JsonObject drift = value(Decimals.plain(state.driftThreshold()), null);
    JsonObject json = new JsonObject()
        .put("costMethod", value(state.costMethod().name(), null))
        .put("driftThreshold", drift);
    JsonObject thresholds = new JsonObject().put("drift", drift.copy());
    for (Setting setting : Setting.values()) {
      JsonObject resolved = resolve(setting, state, ancestors);
      if (setting.thresholdName() == null) {
        json.put(setting.path(), resolved);
      } else {
        thresholds.put(setting.thresholdName(), resolved);
      }
    }
    return json.put("alertThresholds", thresholds);
  }

  private static JsonObject resolve(Setting setting, PortfolioState state,
      List<PortfolioCatalog.OwnSettings> ancestors) {
    String own = state.settings().get(setting);
    if (own != null) {
      return value(own, null);
    }
    for (PortfolioCatalog.OwnSettings ancestor : ancestors) {
      String inherited = ancestor.settings().get(setting);
      if (inherited != null) {
        return value(inherited, ancestor.id().value());
      }
    }
    return value(setting.defaultValue(), DEFAULT);
  }

  private static JsonObject value(String value, String inheritedFrom) {
    return new JsonObject().put("value", value).put("inheritedFrom", inheritedFrom);
  }
}
