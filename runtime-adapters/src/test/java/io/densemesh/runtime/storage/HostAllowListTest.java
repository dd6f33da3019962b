package io.densemesh.runtime.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which hosts and addresses an allow-list lets a model source reach (no DNS: literals only). */
class HostAllowListTest {

  static InetAddress ip(String literal) {
    return HostAllowList.literal(literal);
  }

  @Test
  void internalRangesAreRecognisedIncludingMappedIpv6() {
    for (String internal : List.of("127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255",
        "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1",
        "fc00::2", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "224.0.0.1")) {
      assertThat(HostAllowList.isInternal(ip(internal))).as(internal).isTrue();
    }
    for (String external : List.of("8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:4860::8888",
        "::ffff:8.8.8.8")) {
      assertThat(HostAllowList.isInternal(ip(external))).as(external).isFalse();
    }
  }

  @Test
  void aWildcardAllowsPublicAddressesOnly() {
    HostAllowList any = new HostAllowList(List.of("*"));
    assertThat(any.allowsHost("models.example.com")).isTrue();
    assertThat(any.allowsAddress("models.example.com", ip("93.184.216.34"))).isTrue();
    assertThat(any.allowsAddress("evil.example.com", ip("127.0.0.1"))).isFalse();
    assertThat(any.allowsAddress("evil.example.com", ip("169.254.169.254"))).isFalse();
  }

  @Test
  void domainWildcardsMatchSubdomainsButDoNotUnlockInternalAddresses() {
    HostAllowList list = new HostAllowList(List.of("*.example.com"));
    assertThat(list.allowsHost("a.example.com")).isTrue();
    assertThat(list.allowsHost("example.com.evil.net")).isFalse();
    assertThat(list.allowsHost("badexample.com")).isFalse();
    assertThat(list.allowsAddress("a.example.com", ip("10.0.0.5"))).isFalse();
  }

  @Test
  void anExactNameAnAddressOrABlockUnlocksInternalAddresses() {
    HostAllowList list = new HostAllowList(List.of("minio.internal", "127.0.0.1",
        "10.20.0.0/16"));
    assertThat(list.allowsAddress("minio.internal", ip("10.9.9.9"))).isTrue();
    assertThat(list.allowsHost("127.0.0.1")).isTrue();
    assertThat(list.allowsAddress("127.0.0.1", ip("127.0.0.1"))).isTrue();
    assertThat(list.allowsHost("10.20.3.4")).isTrue();
    assertThat(list.allowsHost("10.21.3.4")).isFalse();
    assertThat(list.allowsHost("localhost")).as("not listed by name").isFalse();
    assertThat(list.allowsAddress("other.internal", ip("10.9.9.9"))).isFalse();
  }

  @Test
  void theEmptyListAllowsNothingAndBadEntriesAreNamed() {
    assertThat(HostAllowList.NONE.isEmpty()).isTrue();
    assertThat(HostAllowList.NONE.allowsHost("example.com")).isFalse();
    assertThatThrownBy(() -> new HostAllowList(List.of("exa mple")))
        .hasMessageContaining("'exa mple' is not a host");
    assertThatThrownBy(() -> new HostAllowList(List.of("10.0.0.0/40")))
        .hasMessageContaining("prefix length out of range");
  }
}
