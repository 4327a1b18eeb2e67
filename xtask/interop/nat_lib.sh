# Real NATs from Linux network namespaces, for ICE/TURN interop cases (see docs/interop.md).
# Source this file, then call `nat_up` (and `trap nat_down EXIT`). Topology:
#
#   ns $NS-a 10.99.1.2 --- 10.99.1.1 [ns $NS-nat1] 10.99.100.11 ---+
#                                                                   |  br0 in ns $NS-pub,
#   ns $NS-b 10.99.2.2 --- 10.99.2.1 [ns $NS-nat2] 10.99.100.12 ---+  10.99.100.2: the
#                                                                      STUN/TURN server
# nat1 is endpoint-independent (MASQUERADE keeps the source port where it can); nat2 is
# endpoint-independent too unless NAT_B_SYMMETRIC=1, which adds --random so every
# destination gets a new port (symmetric behaviour). NAT_B_BLOCK_UDP=1 drops all UDP that
# nat2 would forward (only TCP gets out). No namespace has a route beyond 10.99.0.0/16, so
# nothing leaves the machine.
#
# Run commands with: in_a CMD..., in_b CMD..., in_pub CMD...

NS=${NS:-strata$$}

in_a() { ip netns exec "$NS-a" "$@"; }
in_b() { ip netns exec "$NS-b" "$@"; }
in_pub() { ip netns exec "$NS-pub" "$@"; }

nat_down() {
    for n in a b nat1 nat2 pub; do ip netns del "$NS-$n" 2>/dev/null; done
    return 0
}

nat_up() {
    set -e
    for n in a b nat1 nat2 pub; do
        ip netns add "$NS-$n"
        ip -n "$NS-$n" link set lo up
    done
    # The public segment: a bridge in pub with the server address.
    ip -n "$NS-pub" link add br0 type bridge
    ip -n "$NS-pub" addr add 10.99.100.2/24 dev br0
    ip -n "$NS-pub" link set br0 up
    for i in 1 2; do
        local nat="$NS-nat$i" host
        [ $i = 1 ] && host="$NS-a" || host="$NS-b"
        # WAN side: nat<i>:wan <-> pub:p<i> on the bridge.
        ip link add "w$i$$" netns "$nat" type veth peer name "p$i" netns "$NS-pub"
        ip -n "$nat" link set "w$i$$" name wan
        ip -n "$nat" addr add "10.99.100.1$i/24" dev wan
        ip -n "$nat" link set wan up
        ip -n "$NS-pub" link set "p$i" master br0
        ip -n "$NS-pub" link set "p$i" up
        # LAN side: host:eth0 <-> nat<i>:lan.
        ip link add "l$i$$" netns "$nat" type veth peer name "h$i$$" netns "$host"
        ip -n "$nat" link set "l$i$$" name lan
        ip -n "$host" link set "h$i$$" name eth0
        ip -n "$nat" addr add "10.99.$i.1/24" dev lan
        ip -n "$host" addr add "10.99.$i.2/24" dev eth0
        ip -n "$nat" link set lan up
        ip -n "$host" link set eth0 up
        ip -n "$host" route add default via "10.99.$i.1"
        ip netns exec "$nat" sysctl -qw net.ipv4.ip_forward=1
        for ns in "$nat" "$host" "$NS-pub"; do
            ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
        done
    done
    ip netns exec "$NS-nat1" iptables -t nat -A POSTROUTING -s 10.99.1.0/24 -o wan -j MASQUERADE
    if [ "${NAT_B_SYMMETRIC:-0}" = 1 ]; then
        ip netns exec "$NS-nat2" iptables -t nat -A POSTROUTING -s 10.99.2.0/24 -o wan -j MASQUERADE --random
    else
        ip netns exec "$NS-nat2" iptables -t nat -A POSTROUTING -s 10.99.2.0/24 -o wan -j MASQUERADE
    fi
    # Behave like home routers: new inbound flows from the WAN are dropped (in INPUT too, so
    # an early unsolicited check leaves no conntrack entry that would make MASQUERADE move the
    # port of the hole punched from inside), and the public segment routes each LAN to its
    # NAT, where such packets vanish instead of failing with ENETUNREACH (which made coturn
    # 4.6 break the allocation that sent them).
    for i in 1 2; do
        ip netns exec "$NS-nat$i" iptables -A INPUT -i wan -p udp -m conntrack --ctstate NEW -j DROP
        ip netns exec "$NS-nat$i" iptables -A FORWARD -i wan -m conntrack --ctstate NEW -j DROP
        ip -n "$NS-pub" route add "10.99.$i.0/24" via "10.99.100.1$i"
    done
    if [ "${NAT_B_BLOCK_UDP:-0}" = 1 ]; then
        ip netns exec "$NS-nat2" iptables -A FORWARD -p udp -j DROP
    fi
    set +e
}
