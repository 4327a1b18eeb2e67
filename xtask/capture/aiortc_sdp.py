"""Print real aiortc offers/answers as `SDP_BEGIN <name> <JSON string> SDP_END` lines.

Run only inside the network namespace set up by capture.sh: no ICE servers are configured
(aiortc would otherwise add a public STUN server), so only host candidates are gathered.
"""

import asyncio
import json

import aiortc
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack


def log(name, sdp):
    print("SDP_BEGIN " + name + " " + json.dumps(sdp) + " SDP_END", flush=True)


def new_pc():
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


async def pair(prefix, with_media):
    pc1 = new_pc()
    if with_media:
        pc1.addTrack(AudioStreamTrack())
        pc1.addTrack(VideoStreamTrack())
    pc1.createDataChannel("chat")
    # aiortc gathers all candidates inside setLocalDescription.
    await pc1.setLocalDescription(await pc1.createOffer())
    log(prefix + "-offer", pc1.localDescription.sdp)

    pc2 = new_pc()
    await pc2.setRemoteDescription(pc1.localDescription)
    if with_media:
        pc2.addTrack(AudioStreamTrack())
        pc2.addTrack(VideoStreamTrack())
    await pc2.setLocalDescription(await pc2.createAnswer())
    log(prefix + "-answer", pc2.localDescription.sdp)
    await pc1.close()
    await pc2.close()


async def main():
    print("SDP_UA aiortc/" + aiortc.__version__, flush=True)
    await pair("av-dc", True)
    await pair("dc", False)
    print("SDP_DONE", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
