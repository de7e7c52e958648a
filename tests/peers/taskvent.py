"""pyzmq peer: task ventilator (PUSH) with known workloads 1, 2, 3, ..."""
import zmq

from _common import endpoints, parser

options = parser("task ventilator", count=100)
options.add_argument("--sink", action="append")
args = options.parse_args()
context = zmq.Context()
sender = context.socket(zmq.PUSH)
sender.linger = 10000
for endpoint in endpoints(args.bind, ["tcp://*:5557"]):
    sender.bind(endpoint)
sink = context.socket(zmq.PUSH)
sink.linger = 10000
for endpoint in endpoints(args.sink, ["tcp://localhost:5558"]):
    sink.connect(endpoint)

print("Sending tasks to workers...", flush=True)
sink.send(b"0")
total = 0
for task in range(args.count):
    workload = task % 100 + 1
    total += workload
    sender.send_string(str(workload))
print(f"Total expected cost: {total} msec", flush=True)
sender.close()
sink.close()
context.term()
