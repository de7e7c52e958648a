"""pyzmq peer: weather server (PUB) with known data.

Zipcode 10001 is always "10001 18 60" and 10002 always "10002 99 10", so a
client's average is exact however many updates it missed while joining. It
publishes until killed, or --count updates.
"""
import time

import zmq

from _common import endpoints, parser

args = parser("weather server").parse_args()
context = zmq.Context()
socket = context.socket(zmq.PUB)
for endpoint in endpoints(args.bind, ["tcp://*:5556"]):
    socket.bind(endpoint)

sent = 0
while args.count is None or sent < args.count:
    socket.send_string("10002 99 10" if sent % 2 else "10001 18 60")
    sent += 1
    if sent % 100 == 0:
        time.sleep(0.001)  # a breath: do not flood the machine
socket.close(linger=0)
context.term()
