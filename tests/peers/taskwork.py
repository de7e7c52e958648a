"""pyzmq peer: task worker (PULL then PUSH); prints each workload it gets."""
import time

import zmq

from _common import endpoints, parser

options = parser("task worker")
options.add_argument("--sink", action="append")
args = options.parse_args()
context = zmq.Context()
receiver = context.socket(zmq.PULL)
for endpoint in endpoints(args.connect, ["tcp://localhost:5557"]):
    receiver.connect(endpoint)
sender = context.socket(zmq.PUSH)
sender.linger = 10000
for endpoint in endpoints(args.sink, ["tcp://localhost:5558"]):
    sender.connect(endpoint)

done = 0
while args.count is None or done < args.count:
    workload = receiver.recv_string()
    print(f"task {workload}", flush=True)
    time.sleep(int(workload) / 1000)
    sender.send(b"")
    done += 1
receiver.close()
sender.close()
context.term()
