#!/usr/bin/python3
"""A GStreamer RTSP server (libgstrtspserver through python3-gi) for the transport's client tests.

Usage: gst_rtsp_server.py PORT PATH REF_FILE [USER PASSWORD [basic|digest]] [--protocols=udp|tcp|all]
       [--udp-source=PORT] [--address=IP]

Serves one shared H.264 stream at rtsp://IP:PORT/PATH (IP 127.0.0.1 unless --address); the encoder's access units also go to REF_FILE
(h264parse, byte-stream, one access unit per buffer) so a test can compare what its client received.
With --udp-source the stream is not encoded here: RTP/H.264 arriving on that UDP port is re-payloaded (the
benchmark's job). Prints "ready" on standard output once it listens.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
opts = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
port, path, ref = args[0], args[1], args[2]
user = args[3] if len(args) > 3 else ""
password = args[4] if len(args) > 4 else ""
method = args[5] if len(args) > 5 else "digest"

Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address(opts.get("address", "127.0.0.1"))
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 "
    "! x264enc key-int-max=15 bitrate=800 tune=zerolatency ! video/x-h264,profile=baseline ! tee name=t "
    "t. ! queue ! rtph264pay name=pay0 pt=96 config-interval=0 "
    "t. ! queue ! h264parse ! video/x-h264,stream-format=byte-stream,alignment=au ! filesink buffer-mode=unbuffered location=" + ref + " )")
if "udp-source" in opts:
    factory.set_launch(
        "( udpsrc port=" + opts["udp-source"] + " buffer-size=8388608 "
        "caps=application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96 "
        "! rtph264depay ! rtph264pay name=pay0 pt=96 config-interval=-1 )")
factory.set_shared(True)
protocols = opts.get("protocols", "all")
if protocols == "udp":
    factory.set_protocols(GstRtsp.RTSPLowerTrans.UDP)
elif protocols == "tcp":
    factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
if user:
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "viewer")
    if method == "basic":
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
    else:
        auth.add_digest(user, password, token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_role_from_structure(Gst.Structure.new_from_string(
        "viewer, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"))
    factory.set_permissions(permissions)
server.get_mount_points().add_factory("/" + path, factory)
if server.attach(None) == 0:
    print("cannot listen", flush=True)
    sys.exit(1)
print("ready", flush=True)
GLib.MainLoop().run()
