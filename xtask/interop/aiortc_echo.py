"""aiortc against the Strata echo contract (POST /offer -> 201 SDP answer, every data channel
message echoed on its channel, negotiated channel 42 echoed).

client URL : aiortc offers (non-trickle) to URL/offer and runs the suite on the answer
server PORT: aiortc answers offers POSTed to http://127.0.0.1:PORT/offer and echoes
Prints one line per check and `AIORTC-DONE pass=N fail=M`; exit 0 when all pass.
"""
import asyncio
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

CONFIG = RTCConfiguration(iceServers=[])


async def wait_open(dc):
    if dc.readyState == "open":
        return
    opened = asyncio.get_running_loop().create_future()
    dc.on("open", lambda: opened.done() or opened.set_result(None))
    await asyncio.wait_for(opened, 10)


async def echoes(dc, send, n, timeout=15):
    got = []
    done = asyncio.get_running_loop().create_future()

    def on_message(m):
        got.append(m)
        if len(got) == n and not done.done():
            done.set_result(None)

    dc.on("message", on_message)
    send()
    await asyncio.wait_for(done, timeout)
    dc.remove_all_listeners("message")
    return got


async def client(url):
    pc = RTCPeerConnection(CONFIG)
    pc.on("iceconnectionstatechange", lambda: print("AIORTC-INFO ice", pc.iceConnectionState, flush=True))
    pc.on("connectionstatechange", lambda: print("AIORTC-INFO connection", pc.connectionState, flush=True))
    warm = pc.createDataChannel("warmup")
    await pc.setLocalDescription(await pc.createOffer())  # aiortc gathers before returning
    req = urllib.request.Request(
        url + "/offer", data=pc.localDescription.sdp.encode(),
        headers={"Content-Type": "application/sdp"}, method="POST")
    resp = await asyncio.get_running_loop().run_in_executor(None, urllib.request.urlopen, req)
    if resp.status != 201:
        raise RuntimeError(f"POST /offer: {resp.status}")
    answer = resp.read().decode()
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    await wait_open(warm)

    async def text():
        dc = pc.createDataChannel("text")
        await wait_open(dc)
        got = await echoes(dc, lambda: (dc.send("hello"), dc.send("")), 2)
        assert got == ["hello", ""], got

    async def binary():
        dc = pc.createDataChannel("binary")
        await wait_open(dc)
        got = await echoes(dc, lambda: (dc.send(b"\x01\x02\x03"), dc.send(b"")), 2)
        assert got == [b"\x01\x02\x03", b""], got

    async def big():
        dc = pc.createDataChannel("big")
        await wait_open(dc)
        data = bytes((i * 7) & 255 for i in range(64 * 1024))
        got = await echoes(dc, lambda: dc.send(data), 1, timeout=30)
        assert got[0] == data, len(got[0])

    async def burst():
        dc = pc.createDataChannel("burst")
        await wait_open(dc)
        got = await echoes(dc, lambda: [dc.send(f"m{i}") for i in range(1000)], 1000, timeout=30)
        assert got == [f"m{i}" for i in range(1000)]

    async def unordered():
        dc = pc.createDataChannel("unordered", ordered=False)
        await wait_open(dc)
        got = await echoes(dc, lambda: [dc.send(f"u{i}") for i in range(100)], 100)
        assert sorted(got) == sorted(f"u{i}" for i in range(100))

    async def negotiated():
        dc = pc.createDataChannel("negotiated", negotiated=True, id=42)
        await wait_open(dc)
        got = await echoes(dc, lambda: dc.send("neg"), 1)
        assert got == ["neg"], got

    passed = failed = 0
    for name, test in [("text", text), ("binary", binary), ("big", big), ("burst", burst),
                       ("unordered", unordered), ("negotiated", negotiated)]:
        try:
            await asyncio.wait_for(test(), 40)
            passed += 1
            print(f"AIORTC-RESULT {name} PASS", flush=True)
        except Exception as e:  # noqa: BLE001 - report every failure
            failed += 1
            print(f"AIORTC-RESULT {name} FAIL {type(e).__name__} {e}", flush=True)
    await pc.close()
    print(f"AIORTC-DONE pass={passed} fail={failed}", flush=True)
    return 0 if failed == 0 else 1


def server(port, seconds):
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    pcs = []

    async def answer(offer_sdp):
        pc = RTCPeerConnection(CONFIG)
        pcs.append(pc)

        def echo_on(dc):
            dc.on("message", lambda m: dc.send(m))

        pc.on("datachannel", echo_on)
        echo_on(pc.createDataChannel("negotiated", negotiated=True, id=42))
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        return pc.localDescription.sdp

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            try:
                sdp = asyncio.run_coroutine_threadsafe(answer(body), loop).result(20)
                out, status = sdp.encode(), 201
            except Exception as e:  # noqa: BLE001
                out, status = f"{e}\n".encode(), 400
            self.send_response(status)
            self.send_header("Content-Type", "application/sdp")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"aiortc echo listening on {port}", flush=True)
    threading.Timer(seconds, httpd.shutdown).start()
    httpd.serve_forever()
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "client":
        sys.exit(asyncio.run(client(sys.argv[2])))
    sys.exit(server(int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 30))
