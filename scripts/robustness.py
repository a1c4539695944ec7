#!/usr/bin/env python3
"""Pathological inputs for the parser hardening of issue 9 (items 1, 2, 3, 10, 12, 13): builds
each input in a temporary folder, runs `trustlint check` on it and prints wall time, peak memory,
exit code and the rules found. Figures go in docs/robustness.md; nothing here asserts a timing.

    scripts/robustness.py [--binary target/release/trustlint] [--compare OTHER_BINARY] [case ...]

With --compare, each case also runs OTHER_BINARY (e.g. a build of main) in the same session, so
the two columns are comparable even on a busy machine.
"""
import argparse, json, os, resource, subprocess, sys, tempfile, time

GITHUB = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"

def wide_role(name):
    return (f"  {name}:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
            f"        Statement:\n          - Effect: Allow\n            Action: sts:AssumeRoleWithWebIdentity\n"
            f"            Principal:\n              Federated: {GITHUB}\n            Condition:\n"
            f"              StringEquals:\n                token.actions.githubusercontent.com:aud: sts.amazonaws.com\n"
            f"              StringLike:\n                token.actions.githubusercontent.com:sub: repo:acme/*\n")

def long_template():
    # Item 1: 40,000 lines of parameters, then the wide trust.
    params = "".join(f"  P{i}:\n    Type: String\n" for i in range(20_000))
    return {"template.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n" + params
            + "Resources:\n" + wide_role("Role")}

def minified_template():
    # Item 1: a flow mapping with 400 entries on one line, the trust past column 32,767.
    tags = ", ".join(f"T{i}: {'v' * 80}" for i in range(400))
    trust = ("{Statement: [{Effect: Allow, Action: 'sts:AssumeRoleWithWebIdentity', Principal: "
             f"{{Federated: '{GITHUB}'}}, Condition: {{StringEquals: "
             "{'token.actions.githubusercontent.com:aud': sts.amazonaws.com}, StringLike: "
             "{'token.actions.githubusercontent.com:sub': 'repo:acme/*'}}}]}")
    return {"template.yaml": "{AWSTemplateFormatVersion: '2010-09-09', Metadata: {" + tags + "}, "
            "Resources: {Role: {Type: 'AWS::IAM::Role', Properties: {AssumeRolePolicyDocument: " + trust + "}}}}\n"}

def ts_chain(terms):
    # Item 2: a subject built from a long flat chain of concatenations.
    chain = " + ".join(['"repo:acme/"'] + ['""'] * terms + ['"*"'])
    return {"index.ts": 'import * as aws from "@pulumi/aws";\n'
            f"const subject = {chain};\n"
            "new aws.iam.Role(\"r\", { assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: \"Allow\", "
            "Action: \"sts:AssumeRoleWithWebIdentity\", Principal: { Federated: \"" + GITHUB + "\" }, "
            "Condition: { StringEquals: { \"token.actions.githubusercontent.com:aud\": \"sts.amazonaws.com\" }, "
            "StringLike: { \"token.actions.githubusercontent.com:sub\": subject } } }] }) });\n"}

def py_chain(terms):
    chain = " + ".join(['"repo:acme/"'] + ['""'] * terms + ['"*"'])
    return {"__main__.py": "import json\nimport pulumi_aws as aws\n"
            f"subject = {chain}\n"
            "aws.iam.Role(\"r\", assume_role_policy=json.dumps({\"Statement\": [{\"Effect\": \"Allow\", "
            "\"Action\": \"sts:AssumeRoleWithWebIdentity\", \"Principal\": {\"Federated\": \"" + GITHUB + "\"}, "
            "\"Condition\": {\"StringEquals\": {\"token.actions.githubusercontent.com:aud\": \"sts.amazonaws.com\"}, "
            "\"StringLike\": {\"token.actions.githubusercontent.com:sub\": subject}}}]}))\n"}

def cel_program(condition):
    return {"Pulumi.yaml": "name: wif\nruntime: yaml\nresources:\n  gh:\n    type: gcp:iam:WorkloadIdentityPoolProvider\n"
            "    properties:\n      workloadIdentityPoolId: github\n      workloadIdentityPoolProviderId: gh\n"
            "      attributeMapping:\n        google.subject: assertion.sub\n"
            f"      attributeCondition: \"{condition}\"\n"
            "      oidc:\n        issuerUri: https://token.actions.githubusercontent.com\n"}

def cel_terms(n, op):
    return cel_program(f" {op} ".join(f"assertion.c{i} == 'v{i}'" for i in range(n)))

def alias_bomb():
    # Item 12: a 100 KB scalar aliased 90,000 times (about 370 KB of file).
    return {".gitlab-ci.yml": "a: &a " + "x" * 100_000 + "\nb: [" + ", ".join(["*a"] * 90_000) + "]\n"}

def flow_sequence():
    # Item 12: a 4 MiB flow sequence.
    items = ", ".join(["ab"] * (4 * 1024 * 1024 // 4))
    return {".gitlab-ci.yml": "a: [" + items[: 4 * 1024 * 1024 - 64] + "]\n"}

def flow_sequences(copies):
    # Item 12, across threads: several such files at once. Large files are parsed in turn, so the
    # peak stays at about one tree however many threads run.
    text = flow_sequence()[".gitlab-ci.yml"]
    return {f"p{i}/.gitlab-ci.yml": text for i in range(copies)}

def one_line_findings():
    # Item 13: a minified policy, one line, with 17,000 wide statements (two findings each).
    statement = ('{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity","Principal":{"Federated":"'
                 + GITHUB + '"},"Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"*"}}}')
    return {"policy.json": '{"Version":"2012-10-17","Statement":[' + ",".join([statement] * 17_000) + "]}\n"}

def private_key_lines():
    # Item 13: 4 MiB of `PRIVATE KEY-----` lines.
    line = "-----BEGIN RSA PRIVATE KEY-----\n"
    return {"keys.txt": line * (4 * 1024 * 1024 // len(line))}

def utf16_secret():
    # Item 3: a UTF-16 file (with BOM) holding a credential, and one with a NUL byte in it.
    import random
    rng = random.Random(3)
    key = "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
    secret = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+") for _ in range(40))
    text = f"aws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
    return {"creds-utf16.txt": "\ufeff".encode("utf-16-le") + text.encode("utf-16-le"),
            "creds-nul.env": b"header\x00\x01\x02\n" + text.encode()}

CASES = {
    "yaml-40k-lines": long_template,
    "yaml-minified-wide-line": minified_template,
    "ts-chain-200": lambda: ts_chain(200),
    "ts-chain-5000": lambda: ts_chain(5_000),
    "ts-chain-20000": lambda: ts_chain(20_000),
    "py-chain-200": lambda: py_chain(200),
    "py-chain-5000": lambda: py_chain(5_000),
    "py-chain-20000": lambda: py_chain(20_000),
    "cel-18400-or": lambda: cel_terms(18_400, "||"),
    "cel-18400-and": lambda: cel_terms(18_400, "&&"),
    "cel-174k-members": lambda: cel_program("assertion" + ".b" * 174_000 + " == 'x'"),
    "yaml-alias-bytes": alias_bomb,
    "yaml-4mib-flow-sequence": flow_sequence,
    "yaml-4mib-flow-sequence-x4": lambda: flow_sequences(4),
    "human-50k-findings-one-line": one_line_findings,
    "private-key-4mib": private_key_lines,
    "utf16-and-nul": utf16_secret,
}

def run(binary, folder, timeout):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    try:
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "check", folder, "--format", "json",
                               "--exit-zero"],
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timeout after {timeout}s", "", ""
    elapsed = time.monotonic() - start
    peak_kib = proc.stderr.decode(errors="replace").strip().splitlines()[-1]
    try:
        report = json.loads(proc.stdout)
        rules = {}
        for finding in report.get("findings", []):
            rules[finding["rule"]] = rules.get(finding["rule"], 0) + 1
        summary = ", ".join(f"{r} x{n}" for r, n in sorted(rules.items())) or "no findings"
    except (ValueError, KeyError):
        summary = "exit %d: %s" % (proc.returncode, proc.stderr.decode(errors="replace")[:200])
    return f"{elapsed:6.2f}s {int(peak_kib) / 1024:7.1f} MiB", summary, ""

def human_time(binary, folder, timeout):
    start = time.monotonic()
    try:
        subprocess.run([binary, "check", folder, "--exit-zero"], capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timeout after {timeout}s"
    return f"{time.monotonic() - start:6.2f}s"

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="target/release/trustlint")
    parser.add_argument("--compare")
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("cases", nargs="*")
    args = parser.parse_args()
    for name in args.cases or CASES:
        with tempfile.TemporaryDirectory(prefix="trustlint-robustness-") as folder:
            for file, content in CASES[name]().items():
                os.makedirs(os.path.dirname(os.path.join(folder, file)), exist_ok=True)
                with open(os.path.join(folder, file), "wb") as out:
                    out.write(content.encode() if isinstance(content, str) else content)
            size = sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(folder) for f in files)
            for label, binary in [("this", args.binary)] + ([("other", args.compare)] if args.compare else []):
                figures, summary, _ = run(binary, folder, args.timeout)
                extra = ""
                if name.startswith("human"):
                    extra = " human " + human_time(binary, folder, args.timeout)
                print(f"{name:28} {size / 1024:8.0f} KiB {label:5} {figures}{extra}  {summary}", flush=True)

if __name__ == "__main__":
    main()
