package io.portfoliostate.domain;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.portfoliostate.domain.valuation.MarketData;
import java.io.File;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * STYLE.md rule 1: the domain has no Vert.x and no I/O. Portfolio accounting stays plain Java
 * that tests run in microseconds, and that the owner verticle, the journal replay and the
 * analytics can all share without dragging a runtime along.
 */
class DomainArchitectureTest {

  private static final String DOMAIN = "io.portfoliostate.domain..";

  /** Packages the domain must not touch: frameworks, logging, serialization, I/O. */
  private static final String[] FORBIDDEN = {
      "io.vertx..", "io.netty..", "java.io..", "java.nio..", "java.net..", "java.sql..",
      "com.fasterxml..", "org.slf4j..", "ch.qos.."};

  /**
   * No exemption, not even java.io.Serializable: no domain class names it (DomainViolation is
   * Serializable only through Throwable, which is not a dependency of its own), and a type that
   * must be Serializable is on its way to a byte stream, which is the persistence layer's job.
   */
  static final ArchRule DOMAIN_IS_PURE = noClasses().that().resideInAPackage(DOMAIN)
      .should().dependOnClassesThat().resideInAnyPackage(FORBIDDEN)
      .because("the domain is plain Java: no Vert.x and no I/O (STYLE.md, rule 1)");

  /**
   * The positive form: the domain is the bottom layer and builds on the JDK's value types (and
   * pcollections' persistent maps, pure data structures) only, so it never reaches up into
   * protocol, shard, gateway or persistence code either.
   */
  static final ArchRule DOMAIN_IS_THE_BOTTOM_LAYER = classes().that().resideInAPackage(DOMAIN)
      .should().onlyDependOnClassesThat().resideInAnyPackage(DOMAIN, "java.lang..", "java.math..",
          "java.time..", "java.util..", "org.pcollections..")
      .because("the domain is the bottom layer (STYLE.md, layout)");

  private static JavaClasses domain;

  @BeforeAll
  static void importTheMainClasses() {
    domain = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.portfoliostate.domain");
  }

  @Test
  void theDomainDependsOnNoFrameworkAndNoIo() {
    DOMAIN_IS_PURE.check(domain);
  }

  @Test
  void theDomainBuildsOnTheJdksValueTypesOnly() {
    DOMAIN_IS_THE_BOTTOM_LAYER.check(domain);
  }

  @Test
  void theImportSawTheDomainAndOnlyItsMainClasses() {
    // An empty import would make the rule pass vacuously.
    assertThat(domain.size()).isGreaterThan(30);
    assertThat(domain.contain(PortfolioRules.class)).isTrue();
    assertThat(domain.contain(Position.class)).isTrue();
    assertThat(domain.contain(MarketData.class))
        .as("subpackages such as domain.valuation are held to the same rules").isTrue();
    assertThat(domain.contain(DomainArchitectureTest.class)).as("tests are not imported").isFalse();
    assertThat(domain.contain(Fixtures.class)).isFalse();
  }

  @Test
  void theRuleCatchesADomainClassThatDoesIo() {
    JavaClasses leaky = new ClassFileImporter().importClasses(LeakyJournal.class, PathHolder.class);

    EvaluationResult result = DOMAIN_IS_PURE.evaluate(leaky);

    assertThat(result.hasViolation()).isTrue();
    assertThat(DOMAIN_IS_THE_BOTTOM_LAYER.evaluate(leaky).hasViolation()).isTrue();
    assertThat(result.getFailureReport().getDetails())
        .anySatisfy(line -> assertThat(line).contains(LeakyJournal.class.getName(), "java.io.File"))
        .anySatisfy(line -> assertThat(line).contains(PathHolder.class.getName(), "java.nio.file.Path"));
  }

  @Test
  void theRulePassesAPlainDomainClass() {
    JavaClasses plain = new ClassFileImporter().importClasses(PlainValue.class);

    assertThat(DOMAIN_IS_PURE.evaluate(plain).hasViolation()).isFalse();
    assertThat(DOMAIN_IS_THE_BOTTOM_LAYER.evaluate(plain).hasViolation()).isFalse();
  }

  /** What the rule must refuse: a "domain" class reading a file. */
  static final class LeakyJournal {
    boolean exists(String name) {
      return new File(name).exists();
    }
  }

  /** ...or holding a path. */
  record PathHolder(Path path) {
  }

  /** ...but not plain Java: java.math, java.time, java.util. */
  record PlainValue(java.math.BigDecimal amount, java.time.Instant at, java.util.List<String> tags) {
  }
}
