"""IAM, STS and KMS together at the local endpoint, as a user of boto3 and the AWS CLI would use
them: the account root makes users and roles and gives them policies, the users' access keys
and AssumeRole sessions call KMS, key policies read the VPC endpoint a request came through.

Everything runs in the real core (`wasm-kms serve` as a child process, in memory); signatures
are not checked, so the secrets are whatever IAM and STS handed out.

Run from the checkout, after `.ci/setup.sh test` made the venv and pkg/node is built:
    .tools/py/bin/python -m unittest discover -s tests/py -v
"""

import base64
import datetime
import json
import os
import socket
import subprocess
import tempfile
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from test_endpoint import Endpoint, aws_cli

# The account root: a 12-digit access key ID is the account (README, "Region and account").
ACCOUNT = "111122223333"
ROOT_KEY = {"aws_access_key_id": ACCOUNT, "aws_secret_access_key": "not-checked"}
VPCE = "vpce-0a1b2c3d"
VPC = "vpc-1234"
# Nothing from the machine's own AWS set-up reaches the clients or the CLI.
ISOLATED = {
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}

ENCRYPT_DECRYPT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"}],
    }
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def trust(*principals):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"}
            ],
        }
    )


class IamScenarioTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.environ.update(ISOLATED)
        cls.endpoint = Endpoint("--vpc-endpoint", f"{VPCE}={free_port()},vpc={VPC}")
        cls.vpce_url = cls.endpoint.vpc_urls[VPCE]
        cls.iam = cls.client("iam", **ROOT_KEY)
        cls.sts = cls.client("sts", **ROOT_KEY)
        cls.kms = cls.client("kms", **ROOT_KEY)

    @classmethod
    def tearDownClass(cls):
        code = cls.endpoint.stop()
        assert code == 0, f"wasm-kms exited with {code} on SIGTERM"

    @classmethod
    def client(cls, service, url=None, **credentials):
        return boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url=url or cls.endpoint.url,
            config=Config(retries={"total_max_attempts": 1}),
            **credentials,
        )

    @staticmethod
    def creds_of(key):
        """boto3 credentials from CreateAccessKey's AccessKey or AssumeRole's Credentials."""
        out = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
        if "SessionToken" in key:
            out["aws_session_token"] = key["SessionToken"]
        return out

    def new_user(self, name):
        """A user made by the root, with one access key; its credentials for boto3."""
        user = self.iam.create_user(UserName=name)["User"]
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        self.assertEqual(key["UserName"], name)
        self.assertEqual(key["Status"], "Active")
        return user, self.creds_of(key)

    def error_of(self, call, **kwargs):
        with self.assertRaises(ClientError) as raised:
            call(**kwargs)
        return raised.exception

    def assertError(self, err, code, message, status):
        error = err.response["Error"]
        self.assertEqual(
            (error["Code"], error["Message"], err.response["ResponseMetadata"]["HTTPStatusCode"]),
            (code, message, status),
        )

    # 1. A user and its policies

    def test_a_user_needs_a_policy_to_use_kms(self):
        user, alice = self.new_user("alice")
        arn = f"arn:aws:iam::{ACCOUNT}:user/alice"
        self.assertEqual(user["Arn"], arn)
        self.assertRegex(user["UserId"], r"^AIDA[A-Z2-7]{17}$")
        self.assertRegex(alice["aws_access_key_id"], r"^AKIA[A-Z2-7]{16}$")
        me = self.client("sts", **alice).get_caller_identity()
        self.assertEqual((me["Arn"], me["UserId"], me["Account"]), (arn, user["UserId"], ACCOUNT))

        kms = self.client("kms", **alice)
        # KMS's AccessDeniedException is one of the common errors, not in the KMS model: boto3
        # raises a plain ClientError with the code.
        err = self.error_of(kms.create_key)
        self.assertError(
            err,
            "AccessDeniedException",
            f"User: {arn} is not authorized to perform: kms:CreateKey on resource: * "
            "because no identity-based policy allows the kms:CreateKey action",
            400,
        )

        # AWS's managed power-user policy manages keys but does not use them.
        self.iam.attach_user_policy(
            UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser"
        )
        attached = self.iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"]
        self.assertEqual([p["PolicyName"] for p in attached], ["AWSKeyManagementServicePowerUser"])
        key = kms.create_key(Description="alice's")["KeyMetadata"]
        self.assertEqual(key["AWSAccountId"], ACCOUNT)
        err = self.error_of(kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x")
        self.assertError(
            err,
            "AccessDeniedException",
            f"User: {arn} is not authorized to perform: kms:Encrypt on resource: {key['Arn']} "
            "because no identity-based policy allows the kms:Encrypt action",
            400,
        )

        self.iam.put_user_policy(UserName="alice", PolicyName="use-keys", PolicyDocument=ENCRYPT_DECRYPT)
        enc = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"alice's secret")
        self.assertEqual(enc["KeyId"], key["Arn"])
        self.assertEqual(kms.decrypt(CiphertextBlob=enc["CiphertextBlob"])["Plaintext"], b"alice's secret")

        # Taking the inline policy away takes the permission away.
        self.iam.delete_user_policy(UserName="alice", PolicyName="use-keys")
        err = self.error_of(kms.decrypt, CiphertextBlob=enc["CiphertextBlob"])
        self.assertEqual(err.response["Error"]["Code"], "AccessDeniedException")

    # 2. A role, assumed

    def test_a_role_assumed_by_a_user_it_trusts(self):
        user, bea = self.new_user("bea")
        role = self.iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust(user["Arn"]))["Role"]
        self.assertEqual(role["Arn"], f"arn:aws:iam::{ACCOUNT}:role/app")
        self.assertRegex(role["RoleId"], r"^AROA[A-Z2-7]{17}$")
        # boto3 hands back the trust policy decoded.
        self.assertEqual(role["AssumeRolePolicyDocument"], json.loads(trust(user["Arn"])))
        self.iam.put_role_policy(RoleName="app", PolicyName="enc-dec", PolicyDocument=ENCRYPT_DECRYPT)
        key = self.kms.create_key()["KeyMetadata"]

        before = datetime.datetime.now(datetime.timezone.utc)
        out = self.client("sts", **bea).assume_role(RoleArn=role["Arn"], RoleSessionName="s1", DurationSeconds=900)
        creds = out["Credentials"]
        self.assertRegex(creds["AccessKeyId"], r"^ASIA[A-Z2-7]{16}$")
        self.assertGreater(len(creds["SessionToken"]), 20)
        lifetime = (creds["Expiration"] - before).total_seconds()
        self.assertTrue(890 <= lifetime <= 960, lifetime)
        session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1"
        self.assertEqual(out["AssumedRoleUser"]["Arn"], session_arn)
        self.assertEqual(out["AssumedRoleUser"]["AssumedRoleId"], f"{role['RoleId']}:s1")

        session = self.creds_of(creds)
        me = self.client("sts", **session).get_caller_identity()
        self.assertEqual((me["Arn"], me["UserId"], me["Account"]), (session_arn, f"{role['RoleId']}:s1", ACCOUNT))

        kms = self.client("kms", **session)
        context = {"purpose": "scenario", "tenant": "t-1"}
        enc = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"as the role", EncryptionContext=context)
        dec = kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=context)
        self.assertEqual((dec["Plaintext"], dec["KeyId"]), (b"as the role", key["Arn"]))
        err = self.error_of(kms.decrypt, CiphertextBlob=enc["CiphertextBlob"], EncryptionContext={"purpose": "other"})
        self.assertIsInstance(err, kms.exceptions.InvalidCiphertextException)
        # The session has the role's permissions, not the user's (bea has none) nor more.
        err = self.error_of(kms.create_key)
        self.assertError(
            err,
            "AccessDeniedException",
            f"User: {session_arn} is not authorized to perform: kms:CreateKey on resource: * "
            "because no identity-based policy allows the kms:CreateKey action",
            400,
        )
        err = self.error_of(self.client("kms", **bea).encrypt, KeyId=key["KeyId"], Plaintext=b"x")
        self.assertEqual(err.response["Error"]["Code"], "AccessDeniedException")

        # The right key ID with the wrong session token names no one.
        wrong = {**session, "aws_session_token": "IQoJwrong-token"}
        err = self.error_of(self.client("sts", **wrong).get_caller_identity)
        self.assertError(err, "InvalidClientTokenId", "The security token included in the request is invalid", 403)
        err = self.error_of(self.client("kms", **wrong).encrypt, KeyId=key["KeyId"], Plaintext=b"x")
        self.assertEqual(err.response["Error"]["Code"], "UnrecognizedClientException")
        self.assertEqual(err.response["Error"]["Message"], "The security token included in the request is invalid.")
        # So does a session key ID without its token.
        no_token = {k: v for k, v in session.items() if k != "aws_session_token"}
        err = self.error_of(self.client("kms", **no_token).encrypt, KeyId=key["KeyId"], Plaintext=b"x")
        self.assertEqual(err.response["Error"]["Code"], "UnrecognizedClientException")

    # 3. A key usable only through a VPC endpoint

    def test_a_key_policy_that_requires_the_vpc_endpoint(self):
        user, vic = self.new_user("vic")
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                # The account's IAM policies may do everything but use the key: only the
                # statements below decide Encrypt and Decrypt.
                {
                    "Sid": "Admin",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "NotAction": ["kms:Encrypt", "kms:Decrypt"],
                    "Resource": "*",
                },
                {
                    "Sid": "EncryptThroughTheEndpoint",
                    "Effect": "Allow",
                    "Principal": {"AWS": user["Arn"]},
                    "Action": "kms:Encrypt",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceVpce": VPCE}},
                },
                {
                    "Sid": "DecryptInTheVpc",
                    "Effect": "Allow",
                    "Principal": {"AWS": user["Arn"]},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceVpc": VPC}},
                },
            ],
        }
        key = self.kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]
        # An identity policy cannot open what the key policy keeps to the VPC endpoint.
        self.iam.put_user_policy(UserName="vic", PolicyName="use-keys", PolicyDocument=ENCRYPT_DECRYPT)
        outside = self.client("kms", **vic)
        inside = self.client("kms", url=self.vpce_url, **vic)

        err = self.error_of(outside.encrypt, KeyId=key["KeyId"], Plaintext=b"x")
        self.assertError(
            err,
            "AccessDeniedException",
            f"User: {user['Arn']} is not authorized to perform: kms:Encrypt on resource: {key['Arn']} "
            "because no resource-based policy allows the kms:Encrypt action",
            400,
        )
        enc = inside.encrypt(KeyId=key["KeyId"], Plaintext=b"inside the VPC")
        self.assertEqual(enc["KeyId"], key["Arn"])
        err = self.error_of(outside.decrypt, CiphertextBlob=enc["CiphertextBlob"])
        self.assertEqual(err.response["Error"]["Code"], "AccessDeniedException")
        self.assertEqual(inside.decrypt(CiphertextBlob=enc["CiphertextBlob"])["Plaintext"], b"inside the VPC")
        # The same keys behind both ports: the root sees the key through the endpoint too.
        root_inside = self.client("kms", url=self.vpce_url, **ROOT_KEY)
        self.assertEqual(root_inside.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Arn"], key["Arn"])

    # 4. IAM's and STS's errors as boto3 models them

    def test_a_grant_lets_a_role_session_use_a_key_its_policies_do_not(self):
        """A role with no KMS permissions uses a key through a grant (with its token, under an
        encryption-context constraint), then retires the grant itself."""
        user, fay = self.new_user("fay")
        role = self.iam.create_role(RoleName="worker", AssumeRolePolicyDocument=trust(user["Arn"]))["Role"]
        key = self.kms.create_key()["KeyMetadata"]
        creds = self.client("sts", **fay).assume_role(RoleArn=role["Arn"], RoleSessionName="w1")["Credentials"]
        worker = self.client("kms", **self.creds_of(creds))
        billing = {"app": "billing"}
        denied = self.error_of(worker.encrypt, KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext=billing)
        self.assertIn("because no identity-based policy allows the kms:Encrypt action", denied.response["Error"]["Message"])
        grant = self.kms.create_grant(
            KeyId=key["KeyId"], GranteePrincipal=role["Arn"], RetiringPrincipal=role["Arn"],
            Operations=["Encrypt", "Decrypt"], Constraints={"EncryptionContextSubset": billing},
        )
        tokens = [grant["GrantToken"]]
        blob = worker.encrypt(KeyId=key["KeyId"], Plaintext=b"pay", EncryptionContext=billing, GrantTokens=tokens)["CiphertextBlob"]
        self.assertEqual(worker.decrypt(CiphertextBlob=blob, EncryptionContext=billing, GrantTokens=tokens)["Plaintext"], b"pay")
        # The constraint: another context is not covered by the grant.
        denied = self.error_of(worker.encrypt, KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext={"app": "hr"}, GrantTokens=tokens)
        self.assertEqual(denied.response["Error"]["Code"], "AccessDeniedException")
        # The retiring principal retires it (by token), and the session is back to nothing.
        worker.retire_grant(GrantToken=grant["GrantToken"])
        denied = self.error_of(worker.decrypt, CiphertextBlob=blob, EncryptionContext=billing)
        self.assertEqual(denied.response["Error"]["Code"], "AccessDeniedException")
        self.assertEqual(self.kms.list_grants(KeyId=key["KeyId"])["Grants"], [])

    def test_another_accounts_key_by_arn_needs_both_policies(self):
        """Account B's user decrypts with account A's key, by ARN, when A's key policy allows B
        and B's identity policy allows the user; Encrypt stays denied (not in the key policy)."""
        other = "444455556666"
        kms_a = self.client("kms", **ROOT_KEY)
        key = kms_a.create_key(Description="shared")["KeyMetadata"]
        blob = kms_a.encrypt(KeyId=key["KeyId"], Plaintext=b"shared secret", EncryptionContext={"app": "x"})["CiphertextBlob"]
        iam_b = self.client("iam", aws_access_key_id=other, aws_secret_access_key="not-checked")
        iam_b.create_user(UserName="bob")
        bob_key = iam_b.create_access_key(UserName="bob")["AccessKey"]
        bob = self.client("kms", **self.creds_of(bob_key))
        denied = self.error_of(bob.describe_key, KeyId=key["Arn"])
        self.assertEqual(denied.response["Error"]["Code"], "AccessDeniedException")
        self.assertIn("because no resource-based policy allows the kms:DescribeKey action", denied.response["Error"]["Message"])
        policy = {"Version": "2012-10-17", "Statement": [
            {"Sid": "Own", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "B", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{other}:root"},
             "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"}]}
        kms_a.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps(policy))
        denied = self.error_of(bob.decrypt, CiphertextBlob=blob, EncryptionContext={"app": "x"})
        self.assertIn("because no identity-based policy allows the kms:Decrypt action", denied.response["Error"]["Message"])
        iam_b.put_user_policy(UserName="bob", PolicyName="kms", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}))
        self.assertEqual(bob.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "x"})["Plaintext"], b"shared secret")
        self.assertEqual(bob.describe_key(KeyId=key["Arn"])["KeyMetadata"]["AWSAccountId"], ACCOUNT)
        denied = self.error_of(bob.encrypt, KeyId=key["Arn"], Plaintext=b"y")
        self.assertEqual(denied.response["Error"]["Code"], "AccessDeniedException")

    def test_iam_and_sts_errors(self):
        iam = self.iam
        err = self.error_of(iam.get_role, RoleName="nope")
        self.assertIsInstance(err, iam.exceptions.NoSuchEntityException)
        self.assertError(err, "NoSuchEntity", "The role with name nope cannot be found.", 404)
        err = self.error_of(iam.get_user, UserName="nobody")
        self.assertError(err, "NoSuchEntity", "The user with name nobody cannot be found.", 404)

        user, dan = self.new_user("dan")
        err = self.error_of(iam.create_user, UserName="dan")
        self.assertIsInstance(err, iam.exceptions.EntityAlreadyExistsException)
        self.assertError(err, "EntityAlreadyExists", "User with name dan already exists.", 409)
        iam.create_role(RoleName="ops", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"))
        err = self.error_of(iam.create_role, RoleName="ops", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:root"))
        self.assertIsInstance(err, iam.exceptions.EntityAlreadyExistsException)
        self.assertError(err, "EntityAlreadyExists", "Role with name ops already exists.", 409)

        err = self.error_of(iam.delete_user, UserName="dan")
        self.assertIsInstance(err, iam.exceptions.DeleteConflictException)
        self.assertError(err, "DeleteConflict", "Cannot delete entity, must delete access keys first.", 409)

        err = self.error_of(iam.put_user_policy, UserName="dan", PolicyName="p", PolicyDocument="{not json")
        self.assertIsInstance(err, iam.exceptions.MalformedPolicyDocumentException)
        self.assertError(err, "MalformedPolicyDocument", "Syntax errors in policy.", 400)
        self.assertEqual(iam.list_user_policies(UserName="dan")["PolicyNames"], [])
        err = self.error_of(iam.create_role, RoleName="bad", AssumeRolePolicyDocument="[")
        self.assertIsInstance(err, iam.exceptions.MalformedPolicyDocumentException)
        self.assertError(err, "MalformedPolicyDocument", "This policy contains invalid Json", 400)

        # STS: the trust policy of `ops` names the account, and dan has no sts:AssumeRole.
        err = self.error_of(
            self.client("sts", **dan).assume_role, RoleArn=f"arn:aws:iam::{ACCOUNT}:role/ops", RoleSessionName="s1"
        )
        self.assertError(
            err,
            "AccessDenied",
            f"User: {user['Arn']} is not authorized to perform: sts:AssumeRole on resource: "
            f"arn:aws:iam::{ACCOUNT}:role/ops",
            403,
        )
        # IAM itself: a user without IAM permissions manages nothing.
        err = self.error_of(self.client("iam", **dan).create_user, UserName="mallory")
        self.assertError(
            err,
            "AccessDenied",
            f"User: {user['Arn']} is not authorized to perform: iam:CreateUser on resource: "
            f"arn:aws:iam::{ACCOUNT}:user/mallory",
            403,
        )
        # Deleting the access key lets the user go; its key is then refused.
        iam.delete_access_key(UserName="dan", AccessKeyId=dan["aws_access_key_id"])
        iam.delete_user(UserName="dan")
        err = self.error_of(self.client("sts", **dan).get_caller_identity)
        self.assertEqual(err.response["Error"]["Code"], "InvalidClientTokenId")

    # 5. The AWS CLI

    def aws(self, *args, creds=None, check=True):
        env = {**os.environ, **ISOLATED, "AWS_DEFAULT_REGION": "us-east-1"}
        env.pop("AWS_SESSION_TOKEN", None)
        creds = creds or {"AccessKeyId": ACCOUNT, "SecretAccessKey": "not-checked"}
        env["AWS_ACCESS_KEY_ID"] = creds["AccessKeyId"]
        env["AWS_SECRET_ACCESS_KEY"] = creds["SecretAccessKey"]
        if "SessionToken" in creds:
            env["AWS_SESSION_TOKEN"] = creds["SessionToken"]
        proc = subprocess.run(
            [aws_cli(), "--endpoint-url", self.endpoint.url, "--output", "json", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        if check and proc.returncode != 0:
            self.fail(f"aws {' '.join(args)}: exit {proc.returncode}: {proc.stderr}")
        return json.loads(proc.stdout) if check and proc.stdout.strip() else proc

    def test_cli(self):
        user = self.aws("iam", "create-user", "--user-name", "carol")["User"]
        self.assertEqual(user["Arn"], f"arn:aws:iam::{ACCOUNT}:user/carol")
        carol = self.aws("iam", "create-access-key", "--user-name", "carol")["AccessKey"]
        with tempfile.TemporaryDirectory() as tmp:
            def file_of(name, data):
                path = os.path.join(tmp, name)
                with open(path, "wb" if isinstance(data, bytes) else "w") as f:
                    f.write(data)
                return path

            policy = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
            self.aws(
                "iam", "put-user-policy", "--user-name", "carol", "--policy-name", "may-assume",
                "--policy-document", f"file://{file_of('policy.json', json.dumps(policy))}",
            )
            got = self.aws("iam", "get-user-policy", "--user-name", "carol", "--policy-name", "may-assume")
            self.assertIsInstance(got["PolicyDocument"], dict)
            self.assertEqual(got["PolicyDocument"], policy)
            self.assertEqual((got["UserName"], got["PolicyName"]), ("carol", "may-assume"))

            role = self.aws(
                "iam", "create-role", "--role-name", "cli-app",
                "--assume-role-policy-document", f"file://{file_of('trust.json', trust(user['Arn']))}",
            )["Role"]
            got = self.aws("iam", "get-role", "--role-name", "cli-app")["Role"]
            self.assertEqual(got["AssumeRolePolicyDocument"], json.loads(trust(user["Arn"])))
            self.aws(
                "iam", "put-role-policy", "--role-name", "cli-app", "--policy-name", "enc-dec",
                "--policy-document", f"file://{file_of('enc.json', ENCRYPT_DECRYPT)}",
            )
            key = self.aws("kms", "create-key", "--description", "for the CLI")["KeyMetadata"]

            out = self.aws(
                "sts", "assume-role", "--role-arn", role["Arn"], "--role-session-name", "cli", creds=carol
            )
            session = out["Credentials"]
            self.assertTrue(session["AccessKeyId"].startswith("ASIA"))
            self.assertEqual(out["AssumedRoleUser"]["Arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/cli-app/cli")
            me = self.aws("sts", "get-caller-identity", creds=session)
            self.assertEqual(me["Arn"], out["AssumedRoleUser"]["Arn"])

            plain = file_of("plain.txt", b"from the CLI, as a role\n")
            enc = self.aws(
                "kms", "encrypt", "--key-id", key["KeyId"], "--plaintext", f"fileb://{plain}",
                "--encryption-context", "app=cli", creds=session,
            )
            self.assertEqual(enc["KeyId"], key["Arn"])
            blob = file_of("blob.bin", base64.b64decode(enc["CiphertextBlob"]))
            dec = self.aws(
                "kms", "decrypt", "--ciphertext-blob", f"fileb://{blob}", "--encryption-context", "app=cli",
                creds=session,
            )
            self.assertEqual(base64.b64decode(dec["Plaintext"]), b"from the CLI, as a role\n")
            # carol herself may assume the role but not use the key.
            denied = self.aws(
                "kms", "encrypt", "--key-id", key["KeyId"], "--plaintext", f"fileb://{plain}",
                creds=carol, check=False,
            )
            self.assertEqual(denied.returncode, 255)
            self.assertIn("An error occurred (AccessDeniedException) when calling the Encrypt operation: ", denied.stderr)

        missing = self.aws("iam", "get-role", "--role-name", "nope", check=False)
        self.assertEqual(missing.returncode, 255, missing.stderr)
        self.assertIn(
            "An error occurred (NoSuchEntity) when calling the GetRole operation: "
            "The role with name nope cannot be found.",
            missing.stderr,
        )


class IamPersistenceTest(unittest.TestCase):
    """Users, access keys, policies, roles and sessions are in the store: after a restart of
    `wasm-kms serve --data-dir`, the same credentials act as before."""

    def test_identities_survive_a_restart(self):
        os.environ.update(ISOLATED)
        with tempfile.TemporaryDirectory() as data:
            endpoint = Endpoint("--data-dir", data)

            def client(service, **credentials):
                return boto3.client(
                    service,
                    region_name="eu-west-1",
                    endpoint_url=endpoint.url,
                    config=Config(retries={"total_max_attempts": 1}),
                    **credentials,
                )

            try:
                iam = client("iam", **ROOT_KEY)
                user = iam.create_user(UserName="ops")["User"]
                key = iam.create_access_key(UserName="ops")["AccessKey"]
                ops = IamScenarioTest.creds_of(key)
                iam.create_role(RoleName="writer", AssumeRolePolicyDocument=trust(user["Arn"]))
                iam.put_role_policy(RoleName="writer", PolicyName="enc-dec", PolicyDocument=ENCRYPT_DECRYPT)
                kms_key = client("kms", **ROOT_KEY).create_key()["KeyMetadata"]
                creds = client("sts", **ops).assume_role(
                    RoleArn=f"arn:aws:iam::{ACCOUNT}:role/writer", RoleSessionName="before"
                )["Credentials"]
                session = IamScenarioTest.creds_of(creds)
            finally:
                self.assertEqual(endpoint.stop(), 0)

            endpoint = Endpoint("--data-dir", data)
            try:
                me = client("sts", **ops).get_caller_identity()
                self.assertEqual((me["Arn"], me["UserId"]), (user["Arn"], user["UserId"]))
                kms = client("kms", **session)
                enc = kms.encrypt(KeyId=kms_key["KeyId"], Plaintext=b"kept")
                self.assertEqual(kms.decrypt(CiphertextBlob=enc["CiphertextBlob"])["Plaintext"], b"kept")
                with self.assertRaises(ClientError) as raised:  # ops itself has no KMS permission
                    client("kms", **ops).encrypt(KeyId=kms_key["KeyId"], Plaintext=b"x")
                self.assertEqual(raised.exception.response["Error"]["Code"], "AccessDeniedException")
                policies = client("iam", **ROOT_KEY).list_role_policies(RoleName="writer")["PolicyNames"]
                self.assertEqual(policies, ["enc-dec"])
            finally:
                self.assertEqual(endpoint.stop(), 0)


if __name__ == "__main__":
    unittest.main()
