package io.portfoliostate.gateway;

import io.portfoliostate.config.Settings.ConsolidationSettings;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.valuation.Consolidation;
import io.portfoliostate.persistence.PortfolioCatalog;
import io.portfoliostate.persistence.PortfolioCatalog.TreeNode;
import io.portfoliostate.protocol.FailureCodes;
import io.portfoliostate.protocol.OwnerRequest;
import io.portfoliostate.shard.OwnerClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads a portfolio and all its descendants, each from its owner (a strong read, as
 * {@code GET /portfolios/{id}} does), in parallel across the cluster: the tree comes from the
 * catalog in one query, then every owner read is sent at once, up to
 * {@link ConsolidationSettings#maxInFlight} in flight (a larger tree in waves, each finished read
 * making room for the next).
 *
 * <p>The answer is whole or a failure: a portfolio whose owner did not answer fails the read
 * ({@link Unanswered}, naming every such portfolio), so a partial sum is never presented as the
 * tree's. When a portfolio moved in or out of the subtree between the catalog query and the owner
 * reads (its state names another parent than the catalog did), the read starts again once; a
 * tree that keeps changing is a 503 to retry.
 */
final class SubtreeReads {

  private final OwnerClient owners;
  private final PortfolioCatalog catalog;
  private final ConsolidationSettings settings;

  SubtreeReads(OwnerClient owners, PortfolioCatalog catalog, ConsolidationSettings settings) {
    this.owners = owners;
    this.catalog = catalog;
    this.settings = settings;
  }

  /** The root has no catalog row and its owner knows it not: a 404 as for any portfolio route. */
  static final class NoSuchRoot extends RuntimeException {
    NoSuchRoot(PortfolioId root) {
      super("portfolio " + root + " does not exist", null, false, false);
    }
  }

  /** The subtree has more portfolios than {@link ConsolidationSettings#maxPortfolios}. */
  static final class TooLarge extends RuntimeException {
    final int max;

    TooLarge(PortfolioId root, int max) {
      super("the subtree of portfolio " + root + " has more than " + max + " portfolios (consolidation.maxPortfolios);"
          + " consolidate a smaller subtree", null, false, false);
      this.max = max;
    }
  }

  /** Some portfolios' owners did not answer (timeout, unreachable, moving, overloaded). */
  static final class Unanswered extends RuntimeException {
    final List<PortfolioId> portfolios;

    Unanswered(List<PortfolioId> portfolios, String why) {
      super(why, null, false, false);
      this.portfolios = List.copyOf(portfolios);
    }
  }

  /** The catalog could not be read (the database is down or slow). */
  static final class TreeUnreadable extends RuntimeException {
    TreeUnreadable(Throwable cause) {
      super("the portfolio tree could not be read; retry shortly", cause, false, false);
    }
  }

  /** The tree changed under two reads in a row. */
  static final class TreeMoving extends RuntimeException {
    TreeMoving(PortfolioId root) {
      super("the subtree of portfolio " + root + " changed while it was read (a portfolio moved); retry", null,
          false, false);
    }
  }

  /** The members of the subtree under {@code root}, the root first, then by depth and id. */
  Future<List<Consolidation.Member>> read(PortfolioId root) {
    return read(root, 1);
  }

  private Future<List<Consolidation.Member>> read(PortfolioId root, int retries) {
    int max = settings.maxPortfolios();
    Future<List<TreeNode>> subtree = catalog.subtree(root, max + 1)
        .recover(failure -> Future.failedFuture(new TreeUnreadable(failure)));
    return subtree.compose(tree -> {
      if (tree.isEmpty()) {
        return Future.failedFuture(new NoSuchRoot(root));
      }
      if (tree.size() > max) {
        return Future.failedFuture(new TooLarge(root, max));
      }
      return readAll(tree).compose(states -> {
        List<Consolidation.Member> members = new ArrayList<>(tree.size());
        for (int i = 0; i < tree.size(); i++) {
          TreeNode node = tree.get(i);
          PortfolioState state = states.get(i);
          if (node.depth() > 0 && !Objects.equals(state.parentId(), node.parentId())) {
            return retries > 0 ? read(root, retries - 1) : Future.failedFuture(new TreeMoving(root));
          }
          members.add(new Consolidation.Member(state, node.parentId(), node.depth()));
        }
        return Future.succeededFuture(members);
      }, failure -> {
        // A descendant that is gone (it was in the catalog's tree a moment ago) is a tree change too.
        if (failure instanceof NotFound && !((NotFound) failure).id.equals(root) && retries > 0) {
          return read(root, retries - 1);
        }
        return Future.failedFuture(failure instanceof NotFound ? notFound((NotFound) failure, root) : failure);
      });
    });
  }

  private static Throwable notFound(NotFound failure, PortfolioId root) {
    return failure.id.equals(root) ? new NoSuchRoot(root) : new TreeMoving(root);
  }

  /** A portfolio's owner says it does not exist. */
  private static final class NotFound extends RuntimeException {
    final PortfolioId id;

    NotFound(PortfolioId id) {
      super("portfolio " + id + " does not exist", null, false, false);
      this.id = id;
    }
  }

  /**
   * Every state of {@code tree}, in its order. All reads complete before the answer: the failure
   * names every portfolio that did not answer, not only the first.
   */
  private Future<List<PortfolioState>> readAll(List<TreeNode> tree) {
    int size = tree.size();
    List<Promise<PortfolioState>> results = new ArrayList<>(size);
    List<Future<PortfolioState>> futures = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      Promise<PortfolioState> promise = Promise.promise();
      results.add(promise);
      futures.add(promise.future());
    }
    Lanes lanes = new Lanes(tree, results);
    for (int lane = 0; lane < Math.min(size, settings.maxInFlight()); lane++) {
      lanes.next();
    }
    return Future.join(futures).transform(done -> {
      List<PortfolioState> states = new ArrayList<>(size);
      List<PortfolioId> unanswered = new ArrayList<>();
      Throwable first = null;
      for (int i = 0; i < size; i++) {
        Future<PortfolioState> read = futures.get(i);
        if (read.succeeded()) {
          states.add(read.result());
          continue;
        }
        Throwable cause = read.cause();
        if (cause instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
            && reply.failureCode() == FailureCodes.NOT_FOUND) {
          return Future.failedFuture(new NotFound(tree.get(i).id()));
        }
        unanswered.add(tree.get(i).id());
        first = first == null ? cause : first;
      }
      if (!unanswered.isEmpty()) {
        return Future.failedFuture(new Unanswered(unanswered, why(first)));
      }
      return Future.succeededFuture(states);
    });
  }

  /** Why an owner read failed, in the words of a read (nothing was written, a retry is safe). */
  private String why(Throwable failure) {
    if (failure instanceof ReplyException reply) {
      switch (reply.failureType()) {
        case TIMEOUT:
          return "no answer within " + owners.ownerTimeoutMs() + " ms";
        case NO_HANDLERS:
          return "no owner available (moving between nodes)";
        case ERROR:
          return "the owner's node could not be reached";
        default:
          if (reply.failureCode() == FailureCodes.NOT_OWNER) {
            return "no owner available (moving between nodes)";
          }
          if (reply.failureCode() == FailureCodes.OVERLOADED) {
            return "the owner is overloaded";
          }
          break;
      }
    }
    return Problems.of(failure).detail();
  }

  /**
   * Keeps up to {@code maxInFlight} reads going: each lane sends one read and, when it completes,
   * the next. A read that fails at once (its owner's node is known gone) is followed in a loop,
   * not a recursion, so a large tree cannot exhaust the stack.
   */
  private final class Lanes {
    private final List<TreeNode> tree;
    private final List<Promise<PortfolioState>> results;
    private int next;

    Lanes(List<TreeNode> tree, List<Promise<PortfolioState>> results) {
      this.tree = tree;
      this.results = results;
    }

    void next() {
      while (next < tree.size()) {
        int index = next++;
        Future<PortfolioState> read;
        try {
          read = owners.request(OwnerRequest.Read.current(tree.get(index).id()));
        } catch (RuntimeException bug) {
          // One read's bug fails that read (a 500 naming it), not the lanes behind it.
          read = Future.failedFuture(bug);
        }
        if (read.isComplete()) {
          results.get(index).handle(read);
          continue;
        }
        read.onComplete(done -> {
          results.get(index).handle(done);
          next();
        });
        return;
      }
    }
  }
}
