#!/usr/bin/env python3
"""Send `trustlint server` a burst of queued didChange notifications over real pipes and count
how many versions it checks (publishDiagnostics), and how long until the last one is published.

    python3 scripts/lsp_burst.py target/release/trustlint [--edits 11] [--statements 400]

The client writes every message before reading anything, as an editor does while the server is
busy: a server that coalesces checks the first version (if it was idle) and the last one only.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

STATEMENT = {
    "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}},
}


def frame(message):
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def policy(statements, version):
    items = []
    for n in range(statements):
        statement = json.loads(json.dumps(STATEMENT))
        statement["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"] = f"repo:acme{n}v{version}/*"
        items.append(statement)
    return json.dumps({"Version": "2012-10-17", "Statement": items}, indent=2)


def read_messages(stream, on_message):
    while True:
        length = None
        while True:
            line = stream.readline()
            if not line:
                return
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        on_message(json.loads(stream.read(length)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--edits", type=int, default=11)
    parser.add_argument("--statements", type=int, default=400)
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)

    with tempfile.TemporaryDirectory() as root:
        uri = "file://" + os.path.join(root, "trust.json")
        last = args.edits + 1
        messages = [
            {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": "file://" + root}},
            {"jsonrpc": "2.0", "method": "initialized", "params": {}},
            {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
                "uri": uri, "languageId": "json", "version": 1, "text": policy(args.statements, 1)}}},
        ]
        for version in range(2, last + 1):
            messages.append({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": policy(args.statements, version)}]}})
        payload = b"".join(frame(m) for m in messages)

        server = subprocess.Popen([args.binary, "server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=root)
        published = []
        done = threading.Event()
        start = time.monotonic()

        def on_message(message):
            if message.get("method") == "textDocument/publishDiagnostics":
                published.append((message["params"].get("version"), time.monotonic() - start))
                if message["params"].get("version") == last:
                    done.set()

        reader = threading.Thread(target=read_messages, args=(server.stdout, on_message), daemon=True)
        reader.start()
        server.stdin.write(payload)
        server.stdin.flush()
        done.wait(timeout=600)
        server.stdin.write(frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
        server.stdin.write(frame({"jsonrpc": "2.0", "method": "exit"}))
        server.stdin.close()
        server.wait(timeout=60)

    versions = [version for version, _ in published]
    elapsed = published[-1][1] if published else float("nan")
    print(json.dumps({"binary": args.binary, "versions_sent": last, "versions_checked": versions,
                      "checks": len(versions), "seconds_to_last": round(elapsed, 3)}))
    return 0 if versions and versions[-1] == last else 1


if __name__ == "__main__":
    sys.exit(main())
