"""A real SMTP server for the notification tests (aiosmtpd): prints `LISTENING <port>`,
then one JSON line per message it receives ({"from", "to", "data"}), flushed before the
server answers 250, so a sender that got its answer finds the line already written.
Stops when its standard input closes (the test ended)."""

import json
import socket
import sys

from aiosmtpd.controller import Controller


class Record:
    async def handle_DATA(self, server, session, envelope):
        line = {
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "data": envelope.content.decode("utf-8", "replace"),
        }
        print(json.dumps(line), flush=True)
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    port = free_port()
    controller = Controller(Record(), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"LISTENING {port}", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
