"""IAM and STS's query protocol (pkg/query.mjs) checked with botocore's own model, serializer and
parser: the XML written for each operation parses into the output it was made from, the error
envelope into botocore's error, and the forms botocore writes decode into the input it was given.

Run from the checkout (needs node; not pkg/node):
    .tools/py/bin/python -m unittest discover -s tests/py -v
"""

import datetime
import json
import os
import shutil
import subprocess
import sys
import unittest

import boto3
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.handlers import json_decode_policies
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from dateutil.tz import tzutc

HERE = os.path.dirname(os.path.abspath(__file__))
CODEC = os.path.join(HERE, "query_codec.mjs")
NODE = shutil.which("node") or "node"

SESSION = botocore.session.get_session()
MODELS = {name: SESSION.get_service_model(name) for name in ("iam", "sts")}

# Members of the reference's newer botocore (1.44.8) that this one may not have yet.
NEWER = {
    ("iam", "CreateRole", "MaxSigninSessionDuration"),
    ("iam", "SimulatePrincipalPolicy", "PolicyExclusionList"),
    ("iam", "SimulateCustomPolicy", "OrderedOrganizationPolicyInputList"),
    ("sts", "AssumeRole", "MinimumSessionTokenSize"),
}
POLICY_DOCUMENT = "policyDocumentType"


def codec(mode, data=None):
    """Runs tests/py/query_codec.mjs in `mode` (stdin: `data` as JSON) and returns its JSON."""
    out = subprocess.run(
        [NODE, CODEC, mode],
        input=json.dumps(data) if data is not None else "",
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def expected(value, shape):
    """A sample output as botocore hands it to its caller: timestamps as datetimes, policy
    documents (after json_decode_policies) as dicts. Fails on a member the model does not have."""
    kind = shape.type_name
    if kind == "structure":
        return {name: expected(v, shape.members[name]) for name, v in value.items()}
    if kind == "list":
        return [expected(v, shape.member) for v in value]
    if kind == "map":
        return dict(value)
    if kind == "timestamp":
        return datetime.datetime.fromtimestamp(value, tz=tzutc())
    if shape.name == POLICY_DOCUMENT:
        return json.loads(value)
    return value


def spec_kind(spec):
    if isinstance(spec, list):
        return "list"
    if isinstance(spec, dict):
        return "structure"
    return spec


def compare_spec(test, spec, shape, where, service, op, output):
    """Checks the operation table's shape `spec` against botocore's `shape`."""
    kind = spec_kind(spec)
    if output and kind == "document":
        test.assertEqual((shape.type_name, shape.name), ("string", POLICY_DOCUMENT), where)
        return
    if output and kind == "map":
        test.assertEqual(shape.type_name, "map", where)
        return
    if shape.name == POLICY_DOCUMENT and output:
        test.fail(f"{where}: a policy document must be written percent-encoded (document)")
    test.assertEqual(kind, shape.type_name, where)
    if kind == "list":
        compare_spec(test, spec[0], shape.member, f"{where}.member", service, op, output)
    elif kind == "structure":
        for name, member in shape.members.items():
            test.assertIn(name, spec, f"{where}: the table lacks {name}")
            compare_spec(test, spec[name], member, f"{where}.{name}", service, op, output)
        for name in spec:
            if name not in shape.members:
                test.assertIn((service, op, name), NEWER, f"{where}: {name} is not in botocore's model")


class QueryModelTest(unittest.TestCase):
    """The operation table of pkg/query.mjs against botocore's iam and sts models."""

    def test_the_table_matches_the_models(self):
        table = codec("model")
        self.assertEqual(len(table["sts"]["operations"]), 2)
        self.assertEqual(len(table["iam"]["operations"]), 31)
        for service, entry in table.items():
            model = MODELS[service]
            self.assertEqual(entry["version"], model.api_version)
            for op, spec in entry["operations"].items():
                operation = model.operation_model(op)
                if operation.input_shape is None:
                    self.assertEqual(spec["input"], {}, op)
                else:
                    compare_spec(self, spec["input"], operation.input_shape, f"{op} input", service, op, False)
                self.assertEqual("output" in spec, operation.output_shape is not None, f"{op} output")
                if operation.output_shape is not None:
                    compare_spec(self, spec["output"], operation.output_shape, f"{op} output", service, op, True)
                    self.assertEqual(
                        operation.output_shape.serialization.get("resultWrapper"), f"{op}Result"
                    )


class QueryXmlTest(unittest.TestCase):
    """The XML written for each operation's sample output, parsed by botocore's QueryParser."""

    @classmethod
    def setUpClass(cls):
        cls.samples = codec("results")

    def test_every_operation_has_a_sample(self):
        actions = {(r["service"], r["action"]) for r in self.samples["results"]}
        table = codec("model")
        every = {(s, op) for s, entry in table.items() for op in entry["operations"]}
        self.assertEqual(actions, every)

    def test_each_output_parses_into_what_it_was_made_from(self):
        parser = create_parser("query")
        for sample in self.samples["results"]:
            service, action = sample["service"], sample["action"]
            with self.subTest(action=action):
                operation = MODELS[service].operation_model(action)
                parsed = parser.parse(
                    {"body": sample["xml"].encode("utf-8"), "headers": {}, "status_code": 200},
                    operation.output_shape,
                )
                if service == "iam":
                    json_decode_policies(parsed, operation)
                meta = parsed.pop("ResponseMetadata")
                self.assertEqual(meta["RequestId"], f"rid-{action}")
                if operation.output_shape is None:
                    self.assertIsNone(sample["result"])
                    self.assertEqual(parsed, {})
                else:
                    self.assertEqual(parsed, expected(sample["result"], operation.output_shape))

    def test_policy_documents_come_back_as_dicts(self):
        parser = create_parser("query")
        checked = 0
        for sample in self.samples["results"]:
            if sample["action"] not in ("GetUserPolicy", "GetRolePolicy", "GetPolicyVersion", "CreateRole", "GetRole"):
                continue
            operation = MODELS["iam"].operation_model(sample["action"])
            parsed = parser.parse(
                {"body": sample["xml"].encode("utf-8"), "headers": {}, "status_code": 200},
                operation.output_shape,
            )
            json_decode_policies(parsed, operation)
            doc = (
                parsed.get("PolicyDocument")
                or parsed.get("PolicyVersion", {}).get("Document")
                or parsed.get("Role", {}).get("AssumeRolePolicyDocument")
            )
            self.assertIsInstance(doc, dict, sample["action"])
            self.assertEqual(doc["Version"], "2012-10-17")
            checked += 1
        self.assertEqual(checked, 5)

    def test_error_envelopes(self):
        parser = create_parser("query")
        for sample in self.samples["errors"]:
            with self.subTest(code=sample["error"]["code"]):
                operation = MODELS[sample["service"]].operation_model(
                    "GetUser" if sample["service"] == "iam" else "AssumeRole"
                )
                parsed = parser.parse(
                    {"body": sample["xml"].encode("utf-8"), "headers": {}, "status_code": sample["status"]},
                    operation.output_shape,
                )
                error = sample["error"]
                self.assertEqual(
                    parsed["Error"], {"Code": error["code"], "Message": error["message"], "Type": error["type"]}
                )
                self.assertEqual(parsed["ResponseMetadata"]["RequestId"], sample["requestId"])


def model_has(shape, value):
    """Whether every member of `value` is in botocore's `shape` (this botocore may be older)."""
    if shape.type_name == "structure":
        return all(k in shape.members and model_has(shape.members[k], v) for k, v in value.items())
    if shape.type_name == "list":
        return all(model_has(shape.member, v) for v in value)
    return True


class QueryFormTest(unittest.TestCase):
    """Forms botocore's QuerySerializer writes (as boto3 sends them) decode into their input."""

    def test_botocore_forms_round_trip(self):
        samples = json.loads(subprocess.run(
            [NODE, "--input-type=module", "-e",
             "import { REQUESTS } from './tests/node/query-samples.mjs';"
             "process.stdout.write(JSON.stringify(REQUESTS));"],
            cwd=os.path.join(HERE, "..", ".."), capture_output=True, text=True, check=True,
        ).stdout)
        serializer = create_serializer("query", include_validation=False)
        cases = []
        for sample in samples:
            model = MODELS[sample["service"]]
            action = sample["body"].split("&", 1)[0].split("=", 1)[1]
            operation = model.operation_model(action)
            shape = operation.input_shape
            if shape is not None and not model_has(shape, sample["input"]):
                continue  # a member newer than this botocore: checked in tests/node/query.test.mjs
            request = serializer.serialize_to_request(sample["input"], operation)
            body = AWSRequest(
                method="POST", url="http://localhost/", data=request["body"], headers=request["headers"]
            ).prepare().body
            cases.append((sample["service"], action, body, sample["input"]))
        self.assertGreater(len(cases), 25)
        decoded = codec("decode", [{"service": s, "body": b} for s, _, b, _ in cases])
        for (service, action, body, params), got in zip(cases, decoded):
            with self.subTest(action=action, body=body):
                self.assertEqual(got, {"action": action, "input": params})


class FakeCore:
    """A fake core, on purpose: tests/py/query_codec.mjs serve runs answerQuery over HTTP with a
    fake Kms.sendQuery that answers each operation with its sample output and records what it was
    called with. This tests the wire layer (pkg/query.mjs) alone, against botocore's client path:
    every operation's result shape, exact decoded inputs, every error envelope. The real core
    behind `wasm-kms serve` is tested by tests/py/test_iam_scenarios.py."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [NODE, CODEC, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.url = json.loads(self.proc.stdout.readline())["url"]

    def calls(self):
        import urllib.request

        with urllib.request.urlopen(f"{self.url}/calls") as res:
            return json.loads(res.read())

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


class QueryClientTest(unittest.TestCase):
    """boto3's iam and sts clients, and the AWS CLI, through HTTP to the query handler (fake Kms)."""

    @classmethod
    def setUpClass(cls):
        cls.core = FakeCore()
        kwargs = dict(
            region_name="eu-west-1",
            endpoint_url=cls.core.url,
            aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
            aws_secret_access_key="not-checked",
            config=Config(retries={"total_max_attempts": 1}),
        )
        cls.iam = boto3.client("iam", **kwargs)
        cls.sts = boto3.client("sts", aws_session_token="token-1", **kwargs)

    @classmethod
    def tearDownClass(cls):
        cls.core.stop()

    def test_iam_calls(self):
        user = self.iam.create_user(UserName="alice", Path="/dev/", Tags=[{"Key": "team", "Value": "crypto"}])["User"]
        self.assertEqual(user["Arn"], "arn:aws:iam::123456789012:user/dev/alice")
        self.assertEqual(user["CreateDate"], datetime.datetime(2026, 12, 3, 9, 24, 23, tzinfo=tzutc()))
        doc = self.iam.get_user_policy(UserName="alice", PolicyName="kms-use")["PolicyDocument"]
        self.assertEqual(doc["Statement"][0]["Sid"], "a+b%41 c&<d>")
        role = self.iam.get_role(RoleName="kms-admin")["Role"]
        self.assertEqual(role["AssumeRolePolicyDocument"]["Statement"][0]["Action"], "sts:AssumeRole")
        self.assertEqual(self.iam.list_role_policies(RoleName="kms-admin")["PolicyNames"], [])
        listed = self.iam.list_user_policies(UserName="alice")
        self.assertEqual((listed["PolicyNames"], listed["IsTruncated"], listed["Marker"]), (["kms-use", "other"], True, "next-page"))
        deleted = self.iam.delete_user(UserName="alice")
        self.assertEqual(deleted["ResponseMetadata"]["HTTPStatusCode"], 200)
        sim = self.iam.simulate_custom_policy(PolicyInputList=["{}"], ActionNames=["kms:Encrypt", "kms:CreateKey"])
        self.assertEqual([r["EvalDecision"] for r in sim["EvaluationResults"]], ["allowed", "implicitDeny"])
        calls = {c["action"]: c for c in self.core.calls()}
        created = calls["CreateUser"]
        self.assertEqual(created["input"], {"UserName": "alice", "Path": "/dev/", "Tags": [{"Key": "team", "Value": "crypto"}]})
        self.assertEqual(created["service"], "iam")
        self.assertEqual(
            (created["caller"]["region"], created["caller"]["accessKeyId"], created["caller"]["service"]),
            ("eu-west-1", "AKIAIOSFODNN7EXAMPLE", "iam"),
        )

    def test_iam_errors_raise_the_modelled_exception(self):
        with self.assertRaises(self.iam.exceptions.NoSuchEntityException) as raised:
            self.iam.get_user(UserName="nobody")
        response = raised.exception.response
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.assertEqual(response["Error"]["Message"], "The user with name nobody cannot be found.")
        self.assertEqual(response["Error"]["Type"], "Sender")

    def test_sts_calls(self):
        me = self.sts.get_caller_identity()
        self.assertEqual((me["Account"], me["UserId"]), ("123456789012", "AIDACKCEVSQ6C2EXAMPLE"))
        creds = self.sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/kms-admin", RoleSessionName="sess-1")
        self.assertEqual(creds["Credentials"]["Expiration"], datetime.datetime(2026, 12, 3, 10, 24, 23, tzinfo=tzutc()))
        self.assertEqual(creds["AssumedRoleUser"]["Arn"], "arn:aws:sts::123456789012:assumed-role/kms-admin/sess-1")
        call = [c for c in self.core.calls() if c["action"] == "GetCallerIdentity"][-1]
        self.assertEqual((call["service"], call["caller"]["securityToken"]), ("sts", "token-1"))

    def test_unknown_operation_is_a_client_error(self):
        # boto3 knows ListGroups; the endpoint does not answer it yet.
        with self.assertRaises(ClientError) as raised:
            self.iam.list_groups()
        error = raised.exception.response["Error"]
        self.assertEqual(error["Code"], "NotImplemented")
        self.assertEqual(error["Message"], "wasm-kms does not implement IAM ListGroups yet.")
        self.assertEqual(raised.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_aws_cli(self):
        cli = os.path.join(os.path.dirname(sys.executable), "aws")
        if not os.path.exists(cli):
            cli = shutil.which("aws")
        if cli is None:
            self.skipTest("no AWS CLI")
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "not-checked",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        run = lambda *args: subprocess.run(  # noqa: E731
            [cli, "--endpoint-url", self.core.url, "--output", "json", *args], env=env, capture_output=True, text=True
        )
        ok = run("iam", "get-user-policy", "--user-name", "alice", "--policy-name", "kms-use")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertEqual(json.loads(ok.stdout)["PolicyDocument"]["Version"], "2012-10-17")
        bad = run("iam", "get-user", "--user-name", "nobody")
        self.assertEqual(bad.returncode, 255)
        self.assertIn(
            "An error occurred (NoSuchEntity) when calling the GetUser operation: The user with name nobody cannot be found.",
            bad.stderr,
        )


if __name__ == "__main__":
    unittest.main()
