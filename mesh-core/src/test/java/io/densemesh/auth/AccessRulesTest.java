package io.densemesh.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.auth.AccessRules.Decision;
import org.junit.jupiter.api.Test;

class AccessRulesTest {

  static final Principal ADMIN = new Principal("root", "", Role.ADMIN);
  static final Principal TENANT_A = new Principal("alice", "a", Role.TENANT);
  static final Principal READER_A = new Principal("bot", "a", Role.READER);

  @Test
  void aTenantMayDoEverythingButAdminOnItsOwnModels() {
    for (Action action : new Action[] {Action.INFER, Action.READ, Action.MANAGE}) {
      assertThat(AccessRules.decide(TENANT_A, action, "a")).as(action.name())
          .isEqualTo(Decision.ALLOW);
    }
    assertThat(AccessRules.decide(TENANT_A, Action.ADMIN, "a")).isEqualTo(Decision.DENIED);
  }

  @Test
  void anotherTenantsModelIsHiddenNotDenied() {
    assertThat(AccessRules.decide(TENANT_A, Action.INFER, "b")).isEqualTo(Decision.HIDDEN);
    assertThat(AccessRules.decide(TENANT_A, Action.MANAGE, "b")).isEqualTo(Decision.HIDDEN);
    assertThat(AccessRules.decide(READER_A, Action.READ, "b")).isEqualTo(Decision.HIDDEN);
  }

  @Test
  void untenantedModelsAreAdminOnly() {
    assertThat(AccessRules.decide(TENANT_A, Action.INFER, "")).isEqualTo(Decision.HIDDEN);
    assertThat(AccessRules.decide(ADMIN, Action.INFER, "")).isEqualTo(Decision.ALLOW);
  }

  @Test
  void aReaderInfersAndReadsButChangesNothing() {
    assertThat(AccessRules.decide(READER_A, Action.INFER, "a")).isEqualTo(Decision.ALLOW);
    assertThat(AccessRules.decide(READER_A, Action.READ, "a")).isEqualTo(Decision.ALLOW);
    assertThat(AccessRules.decide(READER_A, Action.MANAGE, "a")).isEqualTo(Decision.DENIED);
    assertThat(AccessRules.decide(READER_A, Action.ADMIN, "a")).isEqualTo(Decision.DENIED);
  }

  @Test
  void theRoleIsCheckedBeforeTheTenantSoADeniedRoleLearnsNothing() {
    // Same answer whether the model is the reader's own tenant's or another's.
    assertThat(AccessRules.decide(READER_A, Action.MANAGE, "b"))
        .isEqualTo(AccessRules.decide(READER_A, Action.MANAGE, "a"));
  }

  @Test
  void anAdminMayDoEverythingEverywhere() {
    for (Action action : Action.values()) {
      assertThat(AccessRules.decide(ADMIN, action, "b")).isEqualTo(Decision.ALLOW);
    }
    assertThat(AccessRules.decide(Principal.OPEN, Action.ADMIN, "x")).isEqualTo(Decision.ALLOW);
  }

  @Test
  void tenantAndReaderRolesNeedATenant() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Principal("x", "", Role.READER))
        .hasMessageContaining("needs a tenant");
  }
}
