"""Serve dtls.html and answer Chromium's offer with an aiortc peer acting as DTLS server.

Run only inside the network namespace set up by capture.sh (no ICE servers: aiortc would
otherwise add a public STUN server).
"""

import asyncio
import http.server
import json
import os
import sys
import threading

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

HERE = os.path.dirname(os.path.abspath(__file__))
LOOP = asyncio.new_event_loop()
PEERS = []


async def answer(offer):
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    PEERS.append(pc)

    @pc.on("datachannel")
    def on_datachannel(channel):
        print("PEER_DATACHANNEL " + channel.label, flush=True)

        @channel.on("message")
        def on_message(message):
            print("PEER_MESSAGE " + str(message), flush=True)

    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type=offer["type"]))
    # Answer setup:passive so that Chromium is the DTLS client.
    pc.sctp.transport._set_role("server")
    await pc.setLocalDescription(await pc.createAnswer())
    return {"type": "answer", "sdp": pc.localDescription.sdp}


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=HERE, **kwargs)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        offer = json.loads(body)
        fut = asyncio.run_coroutine_threadsafe(answer(offer), LOOP)
        data = json.dumps(fut.result(timeout=20)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    port = int(sys.argv[1])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("PEER_READY", flush=True)
    LOOP.run_forever()


if __name__ == "__main__":
    main()
