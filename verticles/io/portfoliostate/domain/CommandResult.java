package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.util.Map;

/**
 * What a client is told about a recorded command: the version it produced and the figures it
 * touched, read from the state right after it. A replay of the command is answered with the
 * same result, rebuilt from the state at that version.
 *
 * @param position the trade's position after it, or null for other commands
 * @param cash the balances the command touched, after it
 * @param portfolio the whole state after it, for the commands that change the portfolio's own
 *     attributes (create, update, targets); null otherwise
 */
public record CommandResult(
    PortfolioId portfolioId,
    long version,
    Position position,
    Map<CurrencyCode, BigDecimal> cash,
    PortfolioState portfolio) {

  /** The result of {@code command}, given the state right after its events. */
  public static CommandResult of(PortfolioCommand command, PortfolioState after) {
    if (command instanceof RecordTrade) {
      RecordTrade trade = (RecordTrade) command;
      Position position = after.positions().get(trade.positionKey());
      return new CommandResult(after.id(), after.version(), position,
          Map.of(position.currency(), after.balance(position.currency())), null);
    }
    if (command instanceof RecordCashFlow) {
      CurrencyCode currency = ((RecordCashFlow) command).currency();
      return new CommandResult(after.id(), after.version(), null,
          Map.of(currency, after.balance(currency)), null);
    }
    if (command instanceof ConvertFx) {
      ConvertFx fx = (ConvertFx) command;
      return new CommandResult(after.id(), after.version(), null,
          Map.of(fx.fromCurrency(), after.balance(fx.fromCurrency()),
              fx.toCurrency(), after.balance(fx.toCurrency())), null);
    }
    return new CommandResult(after.id(), after.version(), null, Map.of(), after);
  }
}
