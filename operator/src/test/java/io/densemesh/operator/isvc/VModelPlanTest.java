package io.densemesh.operator.isvc;

import static org.assertj.core.api.Assertions.assertThat;

import io.densemesh.api.mmesh.ModelInfo;
import io.densemesh.api.mmesh.VModelStatusInfo;
import io.densemesh.api.mmesh.VModelStatusInfo.VModelStatus;
import org.junit.jupiter.api.Test;

class VModelPlanTest {

  static final ConcreteModel MODEL = new ConcreteModel("svc__isvc-0123456789",
      ModelInfo.newBuilder().setType("onnx").setPath("/m.onnx").build());

  @Test
  void registersWhenTheMeshHasNoVModel() {
    var req = VModelPlan.next("svc", "prod", MODEL,
        VModelStatusInfo.newBuilder().setStatus(VModelStatus.NOT_FOUND).build()).orElseThrow();
    assertThat(req.getVModelId()).isEqualTo("svc");
    assertThat(req.getOwner()).isEqualTo("isvc:prod");
    assertThat(req.getTargetModelId()).isEqualTo(MODEL.id());
    assertThat(req.getModelInfo()).isEqualTo(MODEL.info());
    assertThat(req.getAutoDeleteTargetModel()).isTrue();
    assertThat(req.getLoadNow()).isTrue();
    assertThat(req.getForce()).as("the old model serves until the new one is loaded").isFalse();
  }

  @Test
  void retargetsWhenTheSpecChanged() {
    var mesh = VModelStatusInfo.newBuilder().setStatus(VModelStatus.DEFINED)
        .setActiveModelId("svc__isvc-aaaaaaaaaa").setTargetModelId("svc__isvc-aaaaaaaaaa")
        .build();
    assertThat(VModelPlan.next("svc", "prod", MODEL, mesh)).isPresent();
  }

  @Test
  void leavesTheMeshAloneWhenItAlreadyTargetsTheModel() {
    for (VModelStatus s : new VModelStatus[] {VModelStatus.DEFINED, VModelStatus.TRANSITIONING,
        VModelStatus.TRANSITION_FAILED}) {
      var mesh = VModelStatusInfo.newBuilder().setStatus(s).setActiveModelId("old")
          .setTargetModelId(MODEL.id()).build();
      assertThat(VModelPlan.next("svc", "prod", MODEL, mesh)).as(s.name()).isEmpty();
    }
  }
}
