import asyncio, os
from aiortc import RTCPeerConnection
from aiortc.rtcdtlstransport import RTCDtlsTransport

OUT = "/tmp/sctpcap/out"
os.makedirs(OUT, exist_ok=True)
seen = {}
orig = RTCDtlsTransport._send_data

async def send_data(self, data):
    # Name the packet after its chunk types.
    kinds = []
    i = 12
    while i + 4 <= len(data):
        t = data[i]; ln = int.from_bytes(data[i+2:i+4], "big")
        kinds.append(str(t))
        if ln < 4: break
        i += (ln + 3) & ~3
    name = "aiortc_" + "-".join(kinds)
    n = seen.get(name, 0); seen[name] = n + 1
    if n < 4:
        with open(f"{OUT}/{name}_{n}.bin", "wb") as f:
            f.write(data)
    return await orig(self, data)

RTCDtlsTransport._send_data = send_data

async def main():
    a, b = RTCPeerConnection(), RTCPeerConnection()
    got = asyncio.Event()
    opened = asyncio.Event()
    @b.on("datachannel")
    def on_dc(ch):
        @ch.on("message")
        def on_msg(m):
            ch.send("pong")
    ch = a.createDataChannel("chat", protocol="proto1")
    ch2 = a.createDataChannel("lossy", ordered=False, maxRetransmits=0)
    @ch.on("open")
    def on_open():
        ch.send("hello")
        ch.send(b"\x01\x02\x03")
        ch2.send("x" * 3000)
    @ch.on("message")
    def on_m(m):
        got.set()
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)
    await asyncio.sleep(2)
    print(ch.readyState, ch2.readyState)
    ch.send("hello")
    ch.send(b"\x01\x02\x03")
    ch2.send("x" * 3000)
    await asyncio.sleep(1)
    await asyncio.sleep(0.5)
    ch.close()
    await asyncio.sleep(0.5)
    await a.close(); await b.close()

asyncio.run(main())
print(sorted(seen.items()))
