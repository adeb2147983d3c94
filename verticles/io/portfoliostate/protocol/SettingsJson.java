package io.portfoliostate.protocol;

import io.portfoliostate.domain.PortfolioSettings;
import io.portfoliostate.domain.Setting;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A portfolio's own settings as JSON, in the shape of the API: {@code {benchmarkInstrumentId,
 * riskFreeRate, alertThresholds: {maxDrawdown, volatility, var95}}}, only the values set, all as
 * strings. The same text is written to the journal, the snapshots and the catalog.
 */
public final class SettingsJson {

  private static final String THRESHOLDS = "alertThresholds";

  private SettingsJson() {
  }

  public static JsonObject toJson(PortfolioSettings settings) {
    JsonObject json = new JsonObject();
    settings.values().forEach((setting, value) -> {
      String threshold = setting.thresholdName();
      if (threshold == null) {
        json.put(setting.path(), value);
      } else {
        JsonObject thresholds = json.getJsonObject(THRESHOLDS);
        if (thresholds == null) {
          thresholds = new JsonObject();
          json.put(THRESHOLDS, thresholds);
        }
        thresholds.put(threshold, value);
      }
    });
    return json;
  }

  /** Reads what {@link #toJson} wrote; null or empty: no own setting. */
  public static PortfolioSettings fromJson(JsonObject json) {
    if (json == null || json.isEmpty()) {
      return PortfolioSettings.NONE;
    }
    Map<Setting, String> values = new EnumMap<>(Setting.class);
    for (Setting setting : Setting.values()) {
      String threshold = setting.thresholdName();
      JsonObject holder = threshold == null ? json : json.getJsonObject(THRESHOLDS);
      String value = holder == null ? null : holder.getString(threshold == null ? setting.path() : threshold);
      if (value != null) {
        values.put(setting, value);
      }
    }
    return PortfolioSettings.of(values);
  }

  /** Settings named by their paths, in setting order. */
  public static JsonArray paths(Set<Setting> settings) {
    JsonArray paths = new JsonArray();
    EnumSet<Setting> ordered = settings.isEmpty() ? EnumSet.noneOf(Setting.class) : EnumSet.copyOf(settings);
    ordered.forEach(setting -> paths.add(setting.path()));
    return paths;
  }

  /** Reads what {@link #paths(Set)} wrote; null: none. */
  public static Set<Setting> settings(JsonArray paths) {
    if (paths == null || paths.isEmpty()) {
      return Set.of();
    }
    EnumSet<Setting> settings = EnumSet.noneOf(Setting.class);
    for (Object path : paths) {
      Setting setting = Setting.ofPath((String) path);
      if (setting == null) {
        throw new IllegalStateException("unknown setting " + path);
      }
      settings.add(setting);
    }
    return settings;
  }
}
