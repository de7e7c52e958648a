"""Shared command line of the pyzmq peers: the same flags as examples/."""
import argparse


def parser(description, **defaults):
    """An argparse parser with --bind/--connect (repeatable) and --count."""
    args = argparse.ArgumentParser(description=description)
    args.add_argument("--bind", action="append")
    args.add_argument("--connect", action="append")
    args.add_argument("--count", type=int, default=defaults.get("count"))
    return args


def endpoints(given, default):
    """The endpoints given on the command line, else the default ones."""
    return given if given else default
