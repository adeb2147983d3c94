package io.portfoliostate.domain;

/**
 * A command that carries its own id (tradeId, flowId, conversionId): replaying it with the same
 * content returns the original result and changes nothing; the same id with other content is a
 * conflict.
 */
public sealed interface IdempotentCommand extends PortfolioCommand
    permits RecordTrade, RecordCashFlow, ConvertFx, ApplyCorporateAction, CancelTrade, AmendTrade {

  /** The id, prefixed by the kind of command, so a tradeId and a flowId never collide. */
  String idempotencyKey();

  /**
   * The content that must match on a replay, in a canonical text: decimals without trailing
   * zeros, defaults applied, so {@code "10"} and {@code 10.0} count as the same content.
   */
  @Override
  String fingerprint();
}
