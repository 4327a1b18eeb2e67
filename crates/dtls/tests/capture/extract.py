"""Write the DTLS datagrams of a pcap (tshark -F pcap, Linux cooked or Ethernet on lo) as
binary files: the client's datagrams carrying ClientHello fragments, and the server's first
flight.

usage: extract.py CAPTURE.pcap OUTDIR CLIENT_PREFIX SERVER_PREFIX
"""

import struct
import sys


def datagrams(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    at = 24
    while at + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[at : at + 16])
        pkt = data[at + 16 : at + 16 + incl]
        at += 16 + incl
        if linktype == 1:  # Ethernet
            pkt = pkt[14:]
        elif linktype == 113:  # Linux cooked v1
            pkt = pkt[16:]
        elif linktype == 276:  # Linux cooked v2
            pkt = pkt[20:]
        if not pkt or pkt[0] >> 4 != 4 or pkt[9] != 17:
            continue
        ihl = (pkt[0] & 15) * 4
        sport, dport = struct.unpack(">HH", pkt[ihl : ihl + 4])
        payload = pkt[ihl + 8 :]
        yield (sport, dport, payload)


def main():
    path, out, prefix, server_prefix = sys.argv[1:5]
    dtls = [(s, d, p) for (s, d, p) in datagrams(path) if p and 20 <= p[0] <= 63]
    # The first handshake datagram with a ClientHello fragment fixes the client's port.
    client = None
    hello = []
    server_flight = []
    for s, d, p in dtls:
        if p[0] == 22 and len(p) > 25 and p[13] == 1 and (client is None or s == client):
            client = s
            if p not in hello:
                hello.append(p)
        elif client is not None and d == client and p[0] == 22 and not server_flight:
            server_flight.append(p)
        elif server_flight and d == client and p[0] == 22 and len(server_flight) < 4:
            if p not in server_flight:
                server_flight.append(p)
        elif server_flight and s == client:
            break
    for i, p in enumerate(hello):
        name = "%s/%s-client-hello-%d.bin" % (out, prefix, i + 1)
        open(name, "wb").write(p)
        print("wrote", name, len(p))
    for i, p in enumerate(server_flight):
        name = "%s/%s-server-flight-%d.bin" % (out, server_prefix, i + 1)
        open(name, "wb").write(p)
        print("wrote", name, len(p))


if __name__ == "__main__":
    main()
