package io.renderlab.core.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides which addresses a server-side fetch may reach: never loopback, private, link-local,
 * unspecified, multicast, CGNAT, reserved, or IPv6 forms that embed one of those. Not public API.
 */
public final class AddressPolicy {
  private final List<Cidr> allowedCidrs;
  private final List<String> allowedHosts;

  /** A policy exempting these hosts (exact names, case-insensitive) and CIDRs or addresses. */
  public AddressPolicy(List<String> allowed) {
    List<Cidr> cidrs = new ArrayList<>();
    List<String> hosts = new ArrayList<>();
    for (String entry : allowed) {
      String e = entry.strip().toLowerCase(Locale.ROOT);
      if (e.isEmpty()) {
        continue;
      }
      Optional<Cidr> cidr = Cidr.parse(e);
      if (cidr.isPresent()) {
        cidrs.add(cidr.get());
      } else {
        hosts.add(stripBrackets(e));
      }
    }
    this.allowedCidrs = List.copyOf(cidrs);
    this.allowedHosts = List.copyOf(hosts);
  }

  /** Whether the host name itself is on the allow-list. */
  public boolean isHostAllowed(String host) {
    return allowedHosts.contains(stripBrackets(host.toLowerCase(Locale.ROOT)));
  }

  /** Why {@code address} is refused, or empty when it may be reached. */
  public Optional<String> refusal(String host, InetAddress address) {
    if (isHostAllowed(host)) {
      return Optional.empty();
    }
    for (Cidr c : allowedCidrs) {
      if (c.contains(address)) {
        return Optional.empty();
      }
    }
    return classify(address);
  }

  /** The reason an address is not public, or empty for a public unicast address. */
  public static Optional<String> classify(InetAddress address) {
    if (address instanceof Inet4Address) {
      return classify4(address.getAddress());
    }
    byte[] a = address.getAddress();
    if (address.isAnyLocalAddress()) {
      return Optional.of("an unspecified address");
    }
    if (address.isLoopbackAddress()) {
      return Optional.of("a loopback address");
    }
    if (address.isLinkLocalAddress()) {
      return Optional.of("a link-local address");
    }
    if (address.isSiteLocalAddress()) {
      return Optional.of("a site-local address");
    }
    if (address.isMulticastAddress()) {
      return Optional.of("a multicast address");
    }
    if ((a[0] & 0xfe) == 0xfc) {
      return Optional.of("a unique-local (private) IPv6 address");
    }
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible): judge the embedded IPv4 address.
    boolean firstTenZero = true;
    for (int i = 0; i < 10; i++) {
      firstTenZero &= a[i] == 0;
    }
    if (firstTenZero
        && ((a[10] == (byte) 0xff && a[11] == (byte) 0xff) || (a[10] == 0 && a[11] == 0))) {
      return classify4(new byte[] {a[12], a[13], a[14], a[15]})
          .map(r -> r + " (inside an IPv6 address)");
    }
    // 64:ff9b::/96 (NAT64) embeds IPv4 in the last 32 bits.
    if (a[0] == 0 && a[1] == 0x64 && a[2] == (byte) 0xff && a[3] == (byte) 0x9b) {
      return classify4(new byte[] {a[12], a[13], a[14], a[15]})
          .map(r -> r + " (inside a NAT64 address)");
    }
    // 2002::/16 (6to4) embeds IPv4 in bits 16-48.
    if (a[0] == 0x20 && a[1] == 0x02) {
      return classify4(new byte[] {a[2], a[3], a[4], a[5]})
          .map(r -> r + " (inside a 6to4 address)");
    }
    // 2001:db8::/32 documentation, 100::/64 discard.
    if ((a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == (byte) 0xb8)
        || (a[0] == 0x01
            && a[1] == 0x00
            && a[2] == 0
            && a[3] == 0
            && a[4] == 0
            && a[5] == 0
            && a[6] == 0
            && a[7] == 0)) {
      return Optional.of("a reserved IPv6 address");
    }
    return Optional.empty();
  }

  private static Optional<String> classify4(byte[] b) {
    int a0 = b[0] & 0xff;
    int a1 = b[1] & 0xff;
    if (a0 == 0) {
      return Optional.of("an unspecified address (0.0.0.0/8)");
    }
    if (a0 == 127) {
      return Optional.of("a loopback address");
    }
    if (a0 == 10 || (a0 == 172 && a1 >= 16 && a1 <= 31) || (a0 == 192 && a1 == 168)) {
      return Optional.of("a private address");
    }
    if (a0 == 169 && a1 == 254) {
      return Optional.of("a link-local address (cloud metadata lives there)");
    }
    if (a0 == 100 && a1 >= 64 && a1 <= 127) {
      return Optional.of("a carrier-grade NAT address (100.64.0.0/10)");
    }
    if (a0 >= 224 && a0 <= 239) {
      return Optional.of("a multicast address");
    }
    if (a0 >= 240) {
      return Optional.of("a reserved or broadcast address");
    }
    if ((a0 == 192 && a1 == 0 && (b[2] & 0xff) == 0)
        || (a0 == 198 && (a1 == 18 || a1 == 19))
        || (a0 == 192 && a1 == 0 && (b[2] & 0xff) == 2)
        || (a0 == 198 && a1 == 51 && (b[2] & 0xff) == 100)
        || (a0 == 203 && a1 == 0 && (b[2] & 0xff) == 113)) {
      return Optional.of("a reserved address");
    }
    return Optional.empty();
  }

  /**
   * Parses the IPv4 spellings that resolvers accept besides dotted decimal ({@code 2130706433},
   * {@code 127.1}, {@code 0x7f.1}, {@code 0177.0.0.1}), so they reach the same verdict as {@code
   * 127.0.0.1}. Empty when {@code host} is not such a literal.
   */
  public static Optional<InetAddress> parseIpv4Literal(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length < 1 || parts.length > 4) {
      return Optional.empty();
    }
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i].toLowerCase(Locale.ROOT);
      if (p.isEmpty()) {
        return Optional.empty();
      }
      try {
        if (p.startsWith("0x")) {
          values[i] = p.length() == 2 ? 0 : Long.parseLong(p.substring(2), 16);
        } else if (p.length() > 1 && p.startsWith("0")) {
          values[i] = Long.parseLong(p.substring(1), 8);
        } else {
          if (!p.chars().allMatch(Character::isDigit)) {
            return Optional.empty();
          }
          values[i] = Long.parseLong(p);
        }
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    long result = 0;
    for (int i = 0; i < values.length - 1; i++) {
      if (values[i] > 255) {
        return Optional.empty();
      }
      result |= values[i] << (8 * (3 - i));
    }
    long last = values[values.length - 1];
    int lastBits = 8 * (4 - (values.length - 1));
    if (last >= (1L << lastBits)) {
      return Optional.empty();
    }
    result |= last;
    byte[] bytes = {
      (byte) (result >>> 24), (byte) (result >>> 16), (byte) (result >>> 8), (byte) result
    };
    try {
      return Optional.of(InetAddress.getByAddress(host, bytes));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  static String stripBrackets(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /** An address range. */
  static final class Cidr {
    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
      this.network = network;
      this.prefix = prefix;
    }

    static Optional<Cidr> parse(String text) {
      String t = stripBrackets(text);
      int slash = t.indexOf('/');
      String addr = slash < 0 ? t : t.substring(0, slash);
      if (!(addr.contains(":") || addr.chars().allMatch(c -> Character.isDigit(c) || c == '.'))) {
        return Optional.empty();
      }
      try {
        byte[] bytes = InetAddress.getByName(addr).getAddress();
        int prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(t.substring(slash + 1));
        if (prefix < 0 || prefix > bytes.length * 8) {
          return Optional.empty();
        }
        return Optional.of(new Cidr(bytes, prefix));
      } catch (UnknownHostException | NumberFormatException e) {
        return Optional.empty();
      }
    }

    boolean contains(InetAddress address) {
      byte[] a = address.getAddress();
      if (a.length != network.length) {
        if (address instanceof Inet6Address && network.length == 4 && isMapped(a)) {
          a = new byte[] {a[12], a[13], a[14], a[15]};
        } else {
          return false;
        }
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (a[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (a[full] & mask) == (network[full] & mask);
    }

    private static boolean isMapped(byte[] a) {
      for (int i = 0; i < 10; i++) {
        if (a[i] != 0) {
          return false;
        }
      }
      return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }
  }
}
