"""pyzmq peer: task sink (PULL) that checks the batch's messages.

A batch is the ventilator's "0" (start) and one empty result per task, as
examples/taskvent.ts and examples/taskwork.ts send them. The "0" travels on
its own connection, so a result may overtake it: any order is accepted.
"""
import sys
import time

import zmq

from _common import endpoints, parser

args = parser("task sink", count=100).parse_args()
context = zmq.Context()
receiver = context.socket(zmq.PULL)
for endpoint in endpoints(args.bind, ["tcp://*:5558"]):
    receiver.bind(endpoint)

started = None
results = 0
while started is None or results < args.count:
    message = receiver.recv()
    if message == b"0" and started is None:
        started = time.time()
        continue
    if message != b"":
        print(f"Bad message: {message!r}", file=sys.stderr, flush=True)
        sys.exit(1)
    sys.stdout.write(":" if results % 10 == 0 else ".")
    sys.stdout.flush()
    results += 1
print(f"\nTotal elapsed time: {int((time.time() - started) * 1000)} msec",
      flush=True)
receiver.close()
context.term()
