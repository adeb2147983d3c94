package io.portfoliostate.domain;

import java.util.List;
import java.util.LinkedHashMap;

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

  /**
   * The result of {@code command}, given the state right after its events and the events
   * (a cancel or an amendment answers with the position of the trade they name, which only
   * their event tells: the command names the trade, not its position).
   */
  public static CommandResult of(PortfolioCommand command, PortfolioState after, List<PortfolioEvent> events) {
    if (command instanceof CancelTrade || command instanceof AmendTrade) {
      for (PortfolioEvent event : events) {
        TradeRecorded trade = event instanceof TradeCancelled ? ((TradeCancelled) event).cancelled()
            : event instanceof TradeAmended ? ((TradeAmended) event).amended() : null;
        if (trade != null) {
          Map<CurrencyCode, BigDecimal> cash = new LinkedHashMap<>();
          cash.put(trade.currency(), after.balance(trade.currency()));
          if (event instanceof TradeAmended) {
            CurrencyCode previous = ((TradeAmended) event).previous().currency();
            cash.put(previous, after.balance(previous));
          }
          return new CommandResult(after.id(), after.version(), after.positions().get(trade.positionKey()),
              cash, null);
        }
      }
    }
    return of(command, after);
  }

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
