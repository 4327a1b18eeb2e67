"""mDNS interop: python-zeroconf (an independent mDNS implementation) against strata-ice.

publish NAME IP   : zeroconf announces NAME.local -> IP (as a service's host) for a while
resolve NAME      : zeroconf resolves NAME (published by our responder); prints the address
"""
import socket
import sys
import time

from zeroconf import AddressResolverIPv4, IPVersion, ServiceInfo, Zeroconf


def main() -> int:
    verb = sys.argv[1]
    zc = Zeroconf(interfaces=["10.99.0.1"], ip_version=IPVersion.V4Only)
    try:
        if verb == "publish":
            host, ip, seconds = sys.argv[2], sys.argv[3], float(sys.argv[4])
            info = ServiceInfo(
                "_strata._udp.local.",
                "interop._strata._udp.local.",
                addresses=[socket.inet_aton(ip)],
                port=9,
                server=host + ".",
            )
            zc.register_service(info)
            print("zeroconf published", host, ip, flush=True)
            time.sleep(seconds)
            zc.unregister_service(info)
            return 0
        if verb == "resolve":
            name = sys.argv[2]
            resolver = AddressResolverIPv4(name + ".")
            if resolver.request(zc, 4000):
                print("zeroconf resolved", name, " ".join(resolver.parsed_addresses()), flush=True)
                return 0
            print("zeroconf could not resolve", name, flush=True)
            return 1
        return 2
    finally:
        zc.close()


if __name__ == "__main__":
    sys.exit(main())
