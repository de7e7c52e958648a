"""pyzmq peer: Hello World server (REP), prints what it receives."""
import zmq

from _common import endpoints, parser

args = parser("hello world server").parse_args()
context = zmq.Context()
socket = context.socket(zmq.REP)
socket.linger = 1000
for endpoint in endpoints(args.bind, ["tcp://*:5555"]):
    socket.bind(endpoint)

answered = 0
while args.count is None or answered < args.count:
    message = socket.recv()
    print(f"Received request: {message.decode()}", flush=True)
    socket.send(b"World")
    answered += 1
socket.close()
context.term()
