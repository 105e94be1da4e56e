"""The local endpoint (`wasm-kms serve`) against real AWS clients: boto3 and the AWS CLI.

Run from the checkout, after `.ci/setup.sh test` made the venv and pkg/node is built:
    .tools/py/bin/python -m unittest discover -s tests/py -v
"""

import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, "pkg", "bin", "wasm-kms.mjs")

# Dummy credentials: signatures are not checked; a 12-digit access key ID is the account.
ACCOUNT = "000000000000"
ENV = {
    "AWS_ACCESS_KEY_ID": ACCOUNT,
    "AWS_SECRET_ACCESS_KEY": "not-checked",
    "AWS_DEFAULT_REGION": "us-east-1",
    # Nothing from the machine's own AWS set-up.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def aws_cli():
    """The `aws` of this Python (the venv's), else the one on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "aws")
    return beside if os.path.exists(beside) else shutil.which("aws")


class Endpoint:
    """`wasm-kms serve --port 0` as a child process; `args` are more options (each
    `--vpc-endpoint` gives one URL in `vpc_urls`, by endpoint ID)."""

    def __init__(self, *args):
        self.proc = subprocess.Popen(
            [shutil.which("node") or "node", BIN, "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()
        match = re.search(r"endpoint on (http://\S+)", line)
        if not match:
            self.proc.kill()
            raise RuntimeError(f"wasm-kms did not start: {line!r} {self.proc.stderr.read()!r}")
        self.url = match.group(1)
        self.vpc_urls = {}
        for _ in range(args.count("--vpc-endpoint")):
            line = self.proc.stdout.readline()
            vpc = re.search(r"VPC endpoint (vpce-[0-9a-z]+)\b.* on (http://\S+)", line)
            if not vpc:
                self.proc.kill()
                raise RuntimeError(f"wasm-kms did not open its VPC endpoint: {line!r}")
            self.vpc_urls[vpc.group(1)] = vpc.group(2)

    def stop(self):
        self.proc.terminate()  # SIGTERM: a clean stop, exit status 0
        code = self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code


class EndpointTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.environ.update(ENV)
        cls.endpoint = Endpoint()
        cls.kms = cls.client("us-east-1")

    @classmethod
    def tearDownClass(cls):
        code = cls.endpoint.stop()
        assert code == 0, f"wasm-kms exited with {code} on SIGTERM"

    @classmethod
    def client(cls, region, retries=1):
        return boto3.client(
            "kms",
            region_name=region,
            endpoint_url=cls.endpoint.url,
            config=Config(retries={"total_max_attempts": retries, "mode": "standard"}),
        )

    def new_key(self, **kwargs):
        return self.kms.create_key(**kwargs)["KeyMetadata"]

    def error_of(self, call, **kwargs):
        with self.assertRaises(ClientError) as raised:
            call(**kwargs)
        return raised.exception

    # boto3

    def test_keys_and_timestamps(self):
        meta = self.new_key(Description="boto3")
        self.assertEqual(meta["AWSAccountId"], ACCOUNT)
        self.assertTrue(meta["Arn"].startswith(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/"))
        self.assertIsInstance(meta["CreationDate"], datetime.datetime)
        age = datetime.datetime.now(datetime.timezone.utc) - meta["CreationDate"]
        self.assertLess(abs(age.total_seconds()), 60)
        described = self.kms.describe_key(KeyId=meta["KeyId"])["KeyMetadata"]
        self.assertEqual(described["Description"], "boto3")
        listed = [k["KeyId"] for k in self.kms.list_keys()["Keys"]]
        self.assertIn(meta["KeyId"], listed)

    def test_encryption_and_data_keys(self):
        key = self.new_key()["KeyId"]
        context = {"app": "py"}
        enc = self.kms.encrypt(KeyId=key, Plaintext=b"hello boto3", EncryptionContext=context)
        dec = self.kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=context)
        self.assertEqual(dec["Plaintext"], b"hello boto3")
        err = self.error_of(self.kms.decrypt, CiphertextBlob=enc["CiphertextBlob"])
        self.assertEqual(err.response["Error"]["Code"], "InvalidCiphertextException")
        self.assertIsInstance(err, self.kms.exceptions.InvalidCiphertextException)
        data_key = self.kms.generate_data_key(KeyId=key, KeySpec="AES_256")
        self.assertEqual(len(data_key["Plaintext"]), 32)
        again = self.kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"])
        self.assertEqual(again["Plaintext"], data_key["Plaintext"])
        other = self.new_key()["KeyId"]
        re_enc = self.kms.re_encrypt(
            CiphertextBlob=enc["CiphertextBlob"],
            SourceEncryptionContext=context,
            DestinationKeyId=other,
        )
        self.assertTrue(re_enc["KeyId"].endswith(other))
        self.assertEqual(
            self.kms.decrypt(CiphertextBlob=re_enc["CiphertextBlob"])["Plaintext"], b"hello boto3"
        )

    def test_aliases_tags_and_state(self):
        key = self.new_key()
        self.kms.create_alias(AliasName="alias/py-app", TargetKeyId=key["KeyId"])
        self.assertEqual(self.kms.describe_key(KeyId="alias/py-app")["KeyMetadata"]["Arn"], key["Arn"])
        self.kms.tag_resource(KeyId=key["KeyId"], Tags=[{"TagKey": "env", "TagValue": "test"}])
        tags = self.kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]
        self.assertEqual(tags, [{"TagKey": "env", "TagValue": "test"}])
        self.kms.disable_key(KeyId=key["KeyId"])
        err = self.error_of(self.kms.encrypt, KeyId="alias/py-app", Plaintext=b"x")
        self.assertIsInstance(err, self.kms.exceptions.DisabledException)
        self.assertEqual(err.response["Error"]["Message"], f"{key['Arn']} is disabled.")
        self.assertEqual(err.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.kms.enable_key(KeyId=key["KeyId"])
        scheduled = self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        self.assertEqual(scheduled["KeyState"], "PendingDeletion")
        days = (scheduled["DeletionDate"] - datetime.datetime.now(datetime.timezone.utc)).days
        self.assertIn(days, (6, 7))
        self.kms.cancel_key_deletion(KeyId=key["KeyId"])

    def test_sign_verify_and_mac(self):
        signing = self.new_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyId"]
        sig = self.kms.sign(KeyId=signing, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
        ok = self.kms.verify(
            KeyId=signing, Message=b"m", Signature=sig["Signature"], SigningAlgorithm="ECDSA_SHA_256"
        )
        self.assertTrue(ok["SignatureValid"])
        public = self.kms.get_public_key(KeyId=signing)
        self.assertEqual(public["KeySpec"], "ECC_NIST_P256")
        self.assertGreater(len(public["PublicKey"]), 80)
        mac_key = self.new_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyId"]
        mac = self.kms.generate_mac(KeyId=mac_key, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
        valid = self.kms.verify_mac(KeyId=mac_key, Message=b"m", Mac=mac, MacAlgorithm="HMAC_SHA_256")
        self.assertTrue(valid["MacValid"])
        err = self.error_of(
            self.kms.verify_mac, KeyId=mac_key, Message=b"n", Mac=mac, MacAlgorithm="HMAC_SHA_256"
        )
        self.assertIsInstance(err, self.kms.exceptions.KMSInvalidMacException)

    def test_multi_region_keys_across_regions(self):
        west = self.client("eu-west-1")
        primary = self.new_key(MultiRegion=True)["KeyId"]
        enc = self.kms.encrypt(KeyId=primary, Plaintext=b"everywhere")
        self.kms.replicate_key(KeyId=primary, ReplicaRegion="eu-west-1")
        replica = west.describe_key(KeyId=primary)["KeyMetadata"]
        self.assertEqual(replica["MultiRegionConfiguration"]["MultiRegionKeyType"], "REPLICA")
        self.assertEqual(west.decrypt(CiphertextBlob=enc["CiphertextBlob"])["Plaintext"], b"everywhere")

    def test_errors_by_name(self):
        err = self.error_of(self.kms.describe_key, KeyId="11111111-2222-4333-8444-555555555555")
        self.assertIsInstance(err, self.kms.exceptions.NotFoundException)
        self.assertEqual(
            err.response["Error"]["Message"],
            f"Key 'arn:aws:kms:us-east-1:{ACCOUNT}:key/11111111-2222-4333-8444-555555555555' does not exist",
        )
        # A client fault is not retried, even by a client that would retry a 5xx.
        retrying = self.client("us-east-1", retries=3)
        key = self.new_key()["KeyId"]
        err = self.error_of(retrying.generate_data_key, KeyId=key)
        self.assertEqual(err.response["Error"]["Code"], "ValidationException")
        self.assertEqual(err.response["Error"]["Message"], "Please specify either number of bytes or key spec.")
        self.assertEqual(err.response["ResponseMetadata"]["RetryAttempts"], 0)
        bad = self.error_of(self.kms.encrypt, KeyId=key, Plaintext=b"x", GrantTokens=["nope"])
        self.assertIsInstance(bad, self.kms.exceptions.InvalidGrantTokenException)

    def test_grants_with_tokens_constraints_retire_and_revoke(self):
        key = self.new_key()["KeyId"]
        grantee = f"arn:aws:iam::{ACCOUNT}:role/app"
        grant = self.kms.create_grant(
            KeyId=key,
            GranteePrincipal=grantee,
            RetiringPrincipal=f"arn:aws:iam::{ACCOUNT}:user/ops",
            Operations=["Encrypt", "Decrypt"],
            Constraints={"EncryptionContextEquals": {"app": "a"}},
        )
        self.assertRegex(grant["GrantId"], "^[0-9a-f]{64}$")
        enc = self.kms.encrypt(
            KeyId=key, Plaintext=b"granted", EncryptionContext={"app": "a"}, GrantTokens=[grant["GrantToken"]]
        )
        dec = self.kms.decrypt(
            CiphertextBlob=enc["CiphertextBlob"], EncryptionContext={"app": "a"}, GrantTokens=[grant["GrantToken"]]
        )
        self.assertEqual(dec["Plaintext"], b"granted")
        listed = self.kms.list_grants(KeyId=key)["Grants"]
        self.assertEqual([g["GrantId"] for g in listed], [grant["GrantId"]])
        self.assertEqual(listed[0]["Constraints"], {"EncryptionContextEquals": {"app": "a"}})
        retirable = self.kms.list_retirable_grants(RetiringPrincipal=f"arn:aws:iam::{ACCOUNT}:user/ops")["Grants"]
        self.assertEqual([g["GrantId"] for g in retirable], [grant["GrantId"]])
        self.kms.retire_grant(KeyId=key, GrantId=grant["GrantId"])
        self.assertEqual(self.kms.list_grants(KeyId=key)["Grants"], [])
        other = self.kms.create_grant(KeyId=key, GranteePrincipal=grantee, Operations=["DescribeKey"])
        self.kms.revoke_grant(KeyId=key, GrantId=other["GrantId"])
        self.assertEqual(self.kms.list_grants(KeyId=key)["Grants"], [])
        err = self.error_of(self.kms.revoke_grant, KeyId=key, GrantId=other["GrantId"])
        self.assertIsInstance(err, self.kms.exceptions.NotFoundException)
        err = self.error_of(self.kms.create_grant, KeyId=key, GranteePrincipal=grantee, Operations=["Sign"])
        self.assertEqual(err.response["Error"]["Code"], "ValidationException")

    # The AWS CLI

    def cli(self, *args, check=True):
        proc = subprocess.run(
            [aws_cli(), "--endpoint-url", self.endpoint.url, "--output", "json", "kms", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **ENV},
        )
        if check and proc.returncode != 0:
            self.fail(f"aws kms {' '.join(args)}: exit {proc.returncode}: {proc.stderr}")
        return proc

    def test_cli(self):
        created = json.loads(self.cli("create-key", "--description", "from the CLI").stdout)
        key_id = created["KeyMetadata"]["KeyId"]
        self.assertEqual(created["KeyMetadata"]["Description"], "from the CLI")
        listed = json.loads(self.cli("list-keys").stdout)
        self.assertIn(key_id, [k["KeyId"] for k in listed["Keys"]])
        with tempfile.TemporaryDirectory() as tmp:
            plain = os.path.join(tmp, "plain.txt")
            with open(plain, "wb") as f:
                f.write(b"secret from a file\n")
            enc = json.loads(self.cli("encrypt", "--key-id", key_id, "--plaintext", f"fileb://{plain}").stdout)
            blob = os.path.join(tmp, "blob.bin")
            with open(blob, "wb") as f:
                f.write(base64.b64decode(enc["CiphertextBlob"]))
            dec = json.loads(self.cli("decrypt", "--ciphertext-blob", f"fileb://{blob}").stdout)
            self.assertEqual(base64.b64decode(dec["Plaintext"]), b"secret from a file\n")
            self.assertEqual(dec["KeyId"], created["KeyMetadata"]["Arn"])

    def test_cli_error(self):
        proc = self.cli("describe-key", "--key-id", "alias/none", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn(
            "An error occurred (NotFoundException) when calling the DescribeKey operation: "
            f"Alias arn:aws:kms:us-east-1:{ACCOUNT}:alias/none is not found.",
            proc.stderr,
        )


if __name__ == "__main__":
    unittest.main()
