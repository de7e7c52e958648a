"""pyzmq peer: weather client (SUB) that checks every update it gets.

Each update must read "ZIPCODE TEMPERATURE HUMIDITY" with the subscribed
zipcode, a temperature from -80 to 134 and a humidity from 10 to 59, as
examples/wuserver.ts publishes them; it prints the average as wuclient does.
"""
import sys

import zmq

from _common import endpoints, parser

options = parser("weather client", count=100)
options.add_argument("--zipcode", default="10001")
args = options.parse_args()
context = zmq.Context()
print("Collecting updates from weather server...", flush=True)
socket = context.socket(zmq.SUB)
for endpoint in endpoints(args.connect, ["tcp://localhost:5556"]):
    socket.connect(endpoint)
socket.setsockopt_string(zmq.SUBSCRIBE, args.zipcode + " ")

total = 0
for update in range(args.count):
    text = socket.recv_string()
    zipcode, temperature, humidity = text.split(" ")
    if (zipcode != args.zipcode or not -80 <= int(temperature) <= 134
            or not 10 <= int(humidity) <= 59):
        print(f"Bad update: {text!r}", file=sys.stderr, flush=True)
        sys.exit(1)
    total += int(temperature)
print(f"Checked {args.count} updates", flush=True)
print(f"Average temperature for zipcode '{args.zipcode}' was "
      f"{int(total / args.count)}F", flush=True)
socket.close()
context.term()
