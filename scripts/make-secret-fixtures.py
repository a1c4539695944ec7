#!/usr/bin/env python3
"""Writes fixtures/hardcoded-secret/: files with fake but realistic-looking credentials.

The values are drawn from a fixed seed, so running the script again rewrites the same files
byte for byte; nothing here or in the fixtures is a real credential. The values are generated
rather than typed so that this script itself holds none (repository scanners stay quiet on it).
After a change, run `INSTA_UPDATE=always cargo test --test rule_fixtures` and read the new
snapshots under tests/snapshots/fixtures/.

Usage: python3 scripts/make-secret-fixtures.py
"""

import base64
import json
import os
import random

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "hardcoded-secret")

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
ALNUM = UPPER + LOWER + DIGITS
BASE32 = UPPER + "234567"
BASE64 = ALNUM + "+/"
HEX = "0123456789abcdef"
URL_SAFE = ALNUM + "_-"

rng = random.Random(20261115)


def pick(alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def aws_key_id(prefix="AKIA"):
    return prefix + pick(BASE32, 16)


def aws_secret():
    return pick(BASE64, 40)


def pem(label, der_prefix, size, newline="\n"):
    """A PEM block whose body is base64 of a fixed DER-like header plus random bytes."""
    body = base64.b64encode(der_prefix + bytes(rng.getrandbits(8) for _ in range(size))).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return newline.join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])


def openssh_key():
    header = b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none\x00\x00\x00\x00\x00\x00\x00\x01"
    body = base64.b64encode(header + bytes(rng.getrandbits(8) for _ in range(330))).decode()
    lines = [body[i : i + 70] for i in range(0, len(body), 70)]
    return "\n".join(["-----BEGIN OPENSSH PRIVATE KEY-----", *lines, "-----END OPENSSH PRIVATE KEY-----"])


def write(name, text):
    with open(os.path.join(OUT, name), "w", newline="\n") as handle:
        handle.write(text)


def bad_ci_workflow():
    key_id, secret, token = aws_key_id(), aws_secret(), "ghp_" + pick(ALNUM, 36)
    return f"""name: deploy
on:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    env:
      # Read-only token for the private module registry.
      GH_PACKAGES_TOKEN: {token}
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: {key_id}
          aws-secret-access-key: {secret}
          aws-region: eu-west-1
      - run: ./deploy.sh
"""


def bad_pulumi_program():
    key_id, secret = aws_key_id(), aws_secret()
    pulumi = "pul-" + pick(HEX, 40)
    return f"""import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

// Old token kept for the automation API, to be removed: {pulumi}

const prod = new aws.Provider("prod", {{
    region: "us-east-1",
    accessKey: "{key_id}",
    secretKey: "{secret}",
}});

export const bucket = new aws.s3.Bucket("artifacts", {{}}, {{ provider: prod }}).id;
"""


def bad_settings_py():
    gitlab = "glpat-" + pick(URL_SAFE, 20)
    webhook = f"https://hooks.slack.com/services/T{pick(BASE32, 8)}/B{pick(BASE32, 10)}/{pick(ALNUM, 24)}"
    azure = pick(ALNUM, 3) + rng.choice(DIGITS) + "Q~" + pick(ALNUM + "_~.-", 34)
    return f'''"""Settings for the release bot."""

import os

GITLAB_URL = "https://gitlab.example.com"
GITLAB_TOKEN = os.environ.get("GITLAB_TOKEN", "{gitlab}")

SLACK_WEBHOOK = "{webhook}"

AZURE = {{
    "tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
    "client_id": "0b6b1c1e-3f0e-4c1d-9f43-2b1d2f4a5c6d",
    "client_secret": "{azure}",
}}
'''


def bad_service_account():
    key = pem("PRIVATE KEY", bytes.fromhex("308204bd020100300d06092a864886f70d0101010500048204a7"), 1190)
    document = {
        "type": "service_account",
        "project_id": "acme-prod",
        "private_key_id": pick(HEX, 40),
        "private_key": key + "\n",
        "client_email": "deployer@acme-prod.iam.gserviceaccount.com",
        "client_id": pick(DIGITS, 21),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/deployer%40acme-prod.iam.gserviceaccount.com",
        "universe_domain": "googleapis.com",
    }
    return json.dumps(document, indent=2) + "\n"


def bad_deploy_keys():
    rsa = pem("RSA PRIVATE KEY", bytes.fromhex("308204a40201000282010100"), 1180)
    return f"""# Deploy keys for the staging hosts (to be moved to the vault).
# RSA key for the legacy host:
{rsa}

# ed25519 key for the new hosts:
{openssh_key()}
"""


def bad_terraform():
    hcp = pick(ALNUM, 14) + ".atlasv1." + pick(ALNUM, 67)
    api_key = "AIza" + pick(URL_SAFE, 35)
    return f"""terraform {{
  cloud {{
    organization = "acme"
    workspaces {{ name = "prod" }}
  }}
}}

# Copied from ~/.terraform.d/credentials.tfrc.json for the CI runner.
locals {{
  tfc_token = "{hcp}"
}}

provider "google" {{
  project = "acme-prod"
}}

resource "google_cloudfunctions_function" "geocode" {{
  name    = "geocode"
  runtime = "nodejs20"
  environment_variables = {{
    MAPS_API_KEY = "{api_key}"
  }}
}}
"""


def bad_env():
    return f"""# Local overrides for the deploy scripts
AWS_REGION=eu-west-1
AWS_ACCESS_KEY_ID={aws_key_id("ASIA")}
AWS_SECRET_ACCESS_KEY={aws_secret()}
PULUMI_ACCESS_TOKEN=pul-{pick(HEX, 40)}
GITHUB_TOKEN=github_pat_{pick(ALNUM, 22)}_{pick(ALNUM, 59)}
GITLAB_TRIGGER_TOKEN=glptt-{pick(HEX, 40)}
SLACK_BOT_TOKEN=xoxb-{pick(DIGITS, 12)}-{pick(DIGITS, 13)}-{pick(ALNUM, 24)}
"""


def bad_stack_config():
    return f"""# Pulumi.prod.yaml
config:
  aws:region: us-east-1
  aws:accessKey: {aws_key_id()}
  aws:secretKey: {aws_secret()}
  app:replicas: "3"
"""


def bad_esc_environment():
    return f"""# Pulumi ESC environment with static AWS credentials
values:
  aws:
    login:
      fn::open::aws-login:
        static:
          accessKeyId: {aws_key_id()}
          secretAccessKey:
            fn::secret: {aws_secret()}
  environmentVariables:
    AWS_ACCESS_KEY_ID: ${{aws.login.accessKeyId}}
    AWS_SECRET_ACCESS_KEY: ${{aws.login.secretAccessKey}}
"""


def bad_documented_examples():
    # Public documentation values: reported at info, never as secrets.
    return """# Values copied from the AWS CLI and LocalStack documentation
aws_cli_example:
  aws_access_key_id: AKIAIOSFODNN7EXAMPLE
  aws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
second_example:
  aws_access_key_id: AKIAI44QH8DHBEXAMPLE  # an 8 is not base32: no key id, not reported
  aws_secret_access_key: je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY
localstack:
  AWS_ACCESS_KEY_ID: test
  AWS_SECRET_ACCESS_KEY: test
"""


def ok_references():
    return """name: deploy
on:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
      contents: read
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: eu-west-1
      - uses: pulumi/auth-actions@v1
        with:
          organization: acme
          requested-token-type: urn:pulumi:token-type:access_token:organization
      - run: ./deploy.sh
        env:
          GH_PACKAGES_TOKEN: ${{ secrets.GH_PACKAGES_TOKEN }}
          SLACK_WEBHOOK: ${{ secrets.SLACK_WEBHOOK }}
          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
"""


def ok_hashes_and_ids():
    document = {
        "commit": pick(HEX, 40),
        "tree_sha256": pick(HEX, 64),
        "request_id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        "integrity": "sha512-" + base64.b64encode(bytes(rng.getrandbits(8) for _ in range(64))).decode(),
        "thumbnail": base64.b64encode(bytes(rng.getrandbits(8) for _ in range(90))).decode(),
        "RoleId": "AROA" + pick(BASE32, 16),
        "UserId": "AIDA" + pick(BASE32, 16),
        "etag": '"' + pick(HEX, 32) + '"',
        "secret_key_sha1": pick(HEX, 40),
        "checksum": base64.b64encode(bytes(rng.getrandbits(8) for _ in range(32))).decode(),
    }
    return json.dumps(document, indent=2) + "\n"


def ok_placeholders():
    return """# Copy to .env and fill in; never commit the real values.
AWS_ACCESS_KEY_ID=<YOUR_ACCESS_KEY_ID>
AWS_SECRET_ACCESS_KEY=******
GITHUB_TOKEN=$GITHUB_TOKEN
PULUMI_ACCESS_TOKEN=${PULUMI_ACCESS_TOKEN}
GITLAB_TOKEN=glpat-xxxxxxxxxxxxxxxxxxxx
SLACK_WEBHOOK=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX
AKIA_NOTE="keys start with AKIA or ASIA"
"""


def ok_esc_oidc():
    return """# Pulumi ESC environment: short-lived credentials from OIDC
values:
  aws:
    login:
      fn::open::aws-login:
        oidc:
          roleArn: arn:aws:iam::123456789012:role/esc-payments-prod
          sessionName: esc-payments-prod
          subjectAttributes: [currentEnvironment.name]
  environmentVariables:
    AWS_ACCESS_KEY_ID: ${aws.login.accessKeyId}
    AWS_SECRET_ACCESS_KEY: ${aws.login.secretAccessKey}
    AWS_SESSION_TOKEN: ${aws.login.sessionToken}
"""


def ok_wif_and_certificate():
    config = {
        "type": "external_account",
        "audience": "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/github/providers/acme",
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": "https://sts.googleapis.com/v1/token",
        "service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/deployer@acme-prod.iam.gserviceaccount.com:generateAccessToken",
        "credential_source": {"file": "/var/run/secrets/token", "format": {"type": "text"}},
        "ca_certificate": pem("CERTIFICATE", bytes.fromhex("308203"), 700),
        "public_key": pem("PUBLIC KEY", bytes.fromhex("30820122300d06092a864886f70d01010105000382010f00"), 270),
    }
    return json.dumps(config, indent=2) + "\n"


def bad_gitlab_ci_tokens():
    # Formats seen in real pipelines: job tokens with a partition, routable runner tokens,
    # registration tokens longer than 20 characters, trigger tokens.
    lower = LOWER + DIGITS
    job = f"glcbt-{pick(ALNUM, 5)}_{pick(URL_SAFE, 20)}"
    runner = f"glrt-t1_{pick(URL_SAFE, 27)}.{pick(lower, 2)}{pick(lower, 7)}"
    registration = "GR1348941" + pick(URL_SAFE, 34)
    trigger = "glptt-" + pick(HEX, 40)
    return f"""stages: [build, deploy]

variables:
  # Copied from a job log while debugging the package upload.
  UPLOAD_TOKEN: {job}

register-runner:
  stage: build
  script:
    - gitlab-runner register --non-interactive --url https://gitlab.example.com --registration-token {registration}
    - gitlab-runner verify --token "{runner}"

trigger-downstream:
  stage: deploy
  script:
    - curl --request POST --form token={trigger} --form ref=main https://gitlab.example.com/api/v4/projects/42/trigger/pipeline
"""


def bad_slack_notify():
    # Every Slack token family: classic bot, configuration access and refresh, user tokens with
    # short ids, legacy and workspace tokens, a workflow webhook with four path segments.
    def ids(*lengths):
        return "-".join(rng.choice("123456789") + pick(DIGITS, n - 1) for n in lengths)

    classic_bot = f"xoxb-{ids(12)}-{pick(ALNUM, 24)}"
    user = f"xoxp-{ids(9, 11, 7)}-{pick(HEX, 32)}"
    legacy = f"xoxs-{ids(10, 10, 10)}-{pick(HEX, 10)}"
    workspace = f"xoxa-2-{ids(9, 11, 13)}-{pick(HEX, 18)}"
    config_access = f"xoxe.xoxp-1-{pick(ALNUM, 165)}"
    config_refresh = f"xoxe-1-{pick(ALNUM, 146)}"
    workflow = f"https://hooks.slack.com/workflows/T{pick(BASE32, 10)}/A{pick(BASE32, 10)}/{ids(18)}/{pick(ALNUM, 24)}"
    return f'''"""Posts release notes to Slack."""

import os

CLASSIC_BOT_TOKEN = "{classic_bot}"
USER_TOKEN = os.environ.get("SLACK_USER_TOKEN", "{user}")
LEGACY_TOKEN = "{legacy}"
WORKSPACE_TOKEN = "{workspace}"

# App manifest automation
CONFIG_ACCESS_TOKEN = "{config_access}"
CONFIG_REFRESH_TOKEN = "{config_refresh}"

RELEASE_WORKFLOW = "{workflow}"
'''


def ok_token_lookalikes():
    return """# Placeholders and look-alikes of GitLab and Slack tokens: none is a credential.
GITLAB_JOB_TOKEN=glcbt-XXXXX_XXXXXXXXXXXXXXXXXXXX
RUNNER_TOKEN=glrt-tx_xxxxxxxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxx
REGISTRATION_TOKEN=GR1348941XXXXXXXXXXXXXXXXXXXX
SLACK_BOT_TOKEN=xoxb-your-bot-token
SLACK_USER_TOKEN=xoxp-1234-1234-1234-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
SLACK_CONFIG_TOKEN=xoxe.xoxp-1-YourConfigurationAccessTokenHere
SLACK_REFRESH_TOKEN=xoxe-1-xxx
SLACK_WORKFLOW=https://hooks.slack.com/workflows/T0000000000/A0000000000/000000000000000000/XXXXXXXXXXXXXXXXXXXXXXXX
# Links: https://github.com/xoxa-nyc/xoxa-nyc.github.io and EXO-XOXO-teaser-exo-k-34521098-720-516.jpg
"""


def main():
    os.makedirs(OUT, exist_ok=True)
    # Order matters: the values come from one random stream.
    write("bad-ci-workflow.yml", bad_ci_workflow())
    write("bad-pulumi-program.ts", bad_pulumi_program())
    write("bad-settings.py", bad_settings_py())
    write("bad-service-account.json", bad_service_account())
    write("bad-deploy-keys.txt", bad_deploy_keys())
    write("bad-terraform.tf", bad_terraform())
    write("bad-local.env", bad_env())
    write("bad-Pulumi.prod.yaml", bad_stack_config())
    write("bad-esc-environment.yaml", bad_esc_environment())
    write("bad-documented-examples.yaml", bad_documented_examples())
    write("ok-references.yml", ok_references())
    write("ok-hashes-and-ids.json", ok_hashes_and_ids())
    write("ok-placeholders.env", ok_placeholders())
    write("ok-esc-oidc.yaml", ok_esc_oidc())
    write("ok-wif-and-certificate.json", ok_wif_and_certificate())
    # Added later, after the others: their values come first in the random stream and stay.
    write("bad-gitlab-ci-tokens.yml", bad_gitlab_ci_tokens())
    write("bad-slack-notify.py", bad_slack_notify())
    write("ok-token-lookalikes.env", ok_token_lookalikes())
    print(f"wrote {len(os.listdir(OUT))} files in {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
