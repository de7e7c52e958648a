"""pyzmq peer: Hello World client (REQ), prints each reply."""
import zmq

from _common import endpoints, parser

args = parser("hello world client", count=10).parse_args()
context = zmq.Context()
print("Connecting to hello world server...", flush=True)
socket = context.socket(zmq.REQ)
for endpoint in endpoints(args.connect, ["tcp://localhost:5555"]):
    socket.connect(endpoint)

for request in range(args.count):
    print(f"Sending request {request} ...", flush=True)
    socket.send(b"Hello")
    message = socket.recv()
    print(f"Received reply {request} [ {message.decode()} ]", flush=True)
socket.close()
context.term()
