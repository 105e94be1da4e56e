//! The JavaScript surface in Node: `wasm-pack test --node`.
#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "wasm/common.rs"]
mod common;

#[path = "wasm/persist_node.rs"]
mod persist_node;

#[path = "wasm/compat.rs"]
mod compat;

#[path = "wasm/compat_node.rs"]
mod compat_node;

#[path = "authz/runner.rs"]
mod authz;

/// The authorization corpus, decided by the module as natively (`tests/authz.rs`).
#[wasm_bindgen_test]
fn every_authorization_case_decides_as_aws_does() {
    let (failures, count) = authz::run_all();
    assert!(count > 0, "no case ran");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.join("\n").len(),
        failures.join("\n")
    );
}

use js_sys::{Function, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use wasm_kms::wasm::JsKms;

fn set(o: &Object, k: &str, v: &JsValue) {
    Reflect::set(o, &k.into(), v).unwrap();
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap()
}

/// Node's crypto module (OpenSSL) wraps 32 bytes of material under the KMS wrapping key with
/// RSA-OAEP SHA-256; KMS imports it, and what it encrypts decrypts to the plaintext.
#[wasm_bindgen_test]
async fn material_wrapped_by_node_crypto_imports() {
    let node_wrap = Function::new_with_args(
        "spki, material",
        "const c = process.getBuiltinModule('node:crypto');
         const key = c.createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
         return new Uint8Array(c.publicEncrypt({ key, padding: c.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material));",
    );
    let kms = JsKms::new(None).unwrap();
    let input = Object::new();
    set(&input, "Origin", &"EXTERNAL".into());
    let created = JsFuture::from(kms.create_key(input.into())).await.unwrap();
    let id = get(&get(&created, "KeyMetadata"), "KeyId");
    let req = Object::new();
    set(&req, "KeyId", &id);
    set(&req, "WrappingAlgorithm", &"RSAES_OAEP_SHA_256".into());
    set(&req, "WrappingKeySpec", &"RSA_2048".into());
    let params = JsFuture::from(kms.get_parameters_for_import(req.into()))
        .await
        .unwrap();
    let material = Uint8Array::from(&[9u8; 32][..]);
    let wrapped = node_wrap
        .call2(&JsValue::NULL, &get(&params, "PublicKey"), &material)
        .unwrap();
    let imp = Object::new();
    set(&imp, "KeyId", &id);
    set(&imp, "ImportToken", &get(&params, "ImportToken"));
    set(&imp, "EncryptedKeyMaterial", &wrapped);
    set(
        &imp,
        "ExpirationModel",
        &"KEY_MATERIAL_DOES_NOT_EXPIRE".into(),
    );
    JsFuture::from(kms.import_key_material(imp.into()))
        .await
        .unwrap();
    let enc = Object::new();
    set(&enc, "KeyId", &id);
    set(&enc, "Plaintext", &"hello import".into());
    let sealed = JsFuture::from(kms.encrypt(enc.into())).await.unwrap();
    let dec = Object::new();
    set(&dec, "CiphertextBlob", &get(&sealed, "CiphertextBlob"));
    let opened = JsFuture::from(kms.decrypt(dec.into())).await.unwrap();
    let plain: Uint8Array = get(&opened, "Plaintext").dyn_into().unwrap();
    assert_eq!(plain.to_vec(), b"hello import");
}

/// Node's crypto module (OpenSSL) against every asymmetric spec: each public key from
/// GetPublicKey loads; each signature verifies (secp256k1 and Ed25519 included, which
/// WebCrypto lacks); OAEP ciphertext from `publicEncrypt` decrypts; ECDH equals OpenSSL's;
/// and for every KeyPairSpec the data key pair's private half yields its public half.
#[wasm_bindgen_test]
async fn interop_with_node_crypto() {
    let script = Function::new_with_args(
        "kms",
        r#"return (async () => {
          const c = process.getBuiltinModule('node:crypto'), fails = [];
          const check = (ok, what) => { if (!ok) fails.push(what); };
          const msg = Buffer.from('interop with OpenSSL');
          const spkiKey = (der) => c.createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
          const specs = [['RSA_2048', 'rsa'], ['ECC_NIST_P256', 'ec'], ['ECC_NIST_P384', 'ec'],
                         ['ECC_NIST_P521', 'ec'], ['ECC_SECG_P256K1', 'ec'], ['ECC_NIST_EDWARDS25519', 'ed25519']];
          for (const [spec, type] of specs) {
            const { KeyMetadata: md } = await kms.createKey({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' });
            const pub = spkiKey((await kms.getPublicKey({ KeyId: md.KeyId })).PublicKey);
            check(pub.asymmetricKeyType === type, `${spec}: OpenSSL loads the public key as ${type}`);
            for (const alg of md.SigningAlgorithms) {
              const types = alg === 'ED25519_SHA_512' ? ['RAW'] : alg === 'ED25519_PH_SHA_512' ? ['DIGEST'] : ['RAW', 'DIGEST'];
              for (const MessageType of types) {
                const hash = 'sha' + (alg.startsWith('ED25519') ? '512' : alg.slice(-3));
                const Message = MessageType === 'RAW' ? msg : c.createHash(hash).update(msg).digest();
                const { Signature } = await kms.sign({ KeyId: md.KeyId, Message, MessageType, SigningAlgorithm: alg });
                let ok;
                if (alg === 'ED25519_SHA_512') ok = c.verify(null, msg, pub, Signature);
                else if (alg === 'ED25519_PH_SHA_512') ok = true; // OpenSSL's Ed25519ph is not exposed by Node
                else if (alg.startsWith('RSASSA_PSS')) ok = c.verify(hash, msg, { key: pub, padding: c.constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(-3)) / 8 }, Signature);
                else ok = c.verify(hash, msg, { key: pub, dsaEncoding: 'der' }, Signature);
                check(ok, `${spec} ${alg} ${MessageType}: OpenSSL verifies`);
              }
            }
            // A signature OpenSSL made with a data key pair of this spec verifies in KMS? (KMS
            // verifies only its own keys; instead check the pair's halves match.)
          }
          // OAEP from OpenSSL decrypts, at AWS's largest plaintext for each hash.
          const { KeyMetadata: enc } = await kms.createKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
          const encPub = spkiKey((await kms.getPublicKey({ KeyId: enc.KeyId })).PublicKey);
          for (const [alg, oaepHash, max] of [['RSAES_OAEP_SHA_1', 'sha1', 214], ['RSAES_OAEP_SHA_256', 'sha256', 190]]) {
            const pt = c.randomBytes(max);
            const ct = c.publicEncrypt({ key: encPub, padding: c.constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, pt);
            const out = await kms.decrypt({ KeyId: enc.KeyId, CiphertextBlob: ct, EncryptionAlgorithm: alg });
            check(Buffer.from(out.Plaintext).equals(pt), `${alg}: OpenSSL ciphertext decrypts`);
            const mine = await kms.encrypt({ KeyId: enc.KeyId, Plaintext: pt, EncryptionAlgorithm: alg });
            check(mine.CiphertextBlob.length === 256, `${alg}: ciphertext is the modulus length`);
          }
          // ECDH equals OpenSSL's.
          for (const [spec, namedCurve] of [['ECC_NIST_P256', 'prime256v1'], ['ECC_NIST_P384', 'secp384r1'], ['ECC_NIST_P521', 'secp521r1']]) {
            const { KeyMetadata: md } = await kms.createKey({ KeySpec: spec, KeyUsage: 'KEY_AGREEMENT' });
            const mine = c.generateKeyPairSync('ec', { namedCurve });
            const out = await kms.deriveSharedSecret({ KeyId: md.KeyId, KeyAgreementAlgorithm: 'ECDH',
              PublicKey: mine.publicKey.export({ format: 'der', type: 'spki' }) });
            const kmsPub = spkiKey((await kms.getPublicKey({ KeyId: md.KeyId })).PublicKey);
            const theirs = c.diffieHellman({ privateKey: mine.privateKey, publicKey: kmsPub });
            check(Buffer.from(out.SharedSecret).equals(theirs), `${spec}: ECDH equals OpenSSL's`);
            check(out.KeyOrigin === 'AWS_KMS', `${spec}: KeyOrigin`);
          }
          // Every KeyPairSpec: the PKCS#8 loads in OpenSSL and its public half is PublicKey.
          const sym = (await kms.createKey()).KeyMetadata.KeyId;
          for (const [KeyPairSpec] of specs.concat([['RSA_3072'], ['RSA_4096']])) {
            const pair = await kms.generateDataKeyPair({ KeyId: sym, KeyPairSpec });
            const priv = c.createPrivateKey({ key: Buffer.from(pair.PrivateKeyPlaintext), format: 'der', type: 'pkcs8' });
            const derived = c.createPublicKey(priv).export({ format: 'der', type: 'spki' });
            check(derived.equals(Buffer.from(pair.PublicKey)), `${KeyPairSpec}: data key pair halves match`);
            const sealed = await kms.generateDataKeyPairWithoutPlaintext({ KeyId: sym, KeyPairSpec });
            const opened = await kms.decrypt({ CiphertextBlob: sealed.PrivateKeyCiphertextBlob });
            const derived2 = c.createPublicKey(c.createPrivateKey({ key: Buffer.from(opened.Plaintext), format: 'der', type: 'pkcs8' }))
              .export({ format: 'der', type: 'spki' });
            check(derived2.equals(Buffer.from(sealed.PublicKey)), `${KeyPairSpec}: WithoutPlaintext pair decrypts to its private half`);
          }
          return fails;
        })();"#,
    );
    for web_crypto in [true, false] {
        let options = Object::new();
        set(&options, "webCrypto", &JsValue::from(web_crypto));
        let kms = JsKms::new(Some(options.into())).unwrap();
        let fails = failures_of(&script, kms).await;
        assert!(fails.is_empty(), "webCrypto {web_crypto}: {fails:#?}");
    }
}

/// IAM from JavaScript: `kms.iam`, `kms.sts`, `kms.as` and `sendQuery`, with the errors and
/// dates the AWS SDK for JavaScript v3 gives, and their effect on KMS calls.
#[wasm_bindgen_test]
async fn iam_and_views_as_principals_from_javascript() {
    let script = Function::new_with_args(
        "kms",
        r#"return (async () => {
          const fails = [];
          const check = (ok, what) => { if (!ok) fails.push(what); };
          const refusal = async (p) => { try { await p; return null; } catch (e) { return e; } };
          const { User } = await kms.iam('CreateUser', { UserName: 'dev', Tags: [{ Key: 'team', Value: 'red' }] });
          check(User.CreateDate instanceof Date, 'CreateDate is a Date');
          check(/^AIDA[A-Z0-9]{17}$/.test(User.UserId), `UserId ${User.UserId}`);
          const missing = await refusal(kms.iam('GetRole', { RoleName: 'nope' }));
          check(missing?.name === 'NoSuchEntityException', `NoSuchEntity: ${missing?.name}`);
          check(missing?.message === 'The role with name nope cannot be found.', missing?.message);
          check(missing?.$metadata?.httpStatusCode === 404, 'status 404');
          const { KeyMetadata: key } = await kms.createKey();
          // The key may be used only through vpce-0a1b2c3d.
          const policy = { Version: '2012-10-17', Statement: [
            { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
            { Effect: 'Deny', Principal: '*', Action: 'kms:Encrypt', Resource: '*',
              Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-0a1b2c3d' } } } ] };
          await kms.putKeyPolicy({ KeyId: key.KeyId, PolicyName: 'default', Policy: JSON.stringify(policy) });
          const dev = kms.as({ principal: User.Arn });
          const denied = await refusal(dev.encrypt({ KeyId: key.KeyId, Plaintext: new Uint8Array([1]) }));
          check(denied?.name === 'AccessDeniedException', `dev without policy: ${denied?.name}`);
          await kms.iam('PutUserPolicy', { UserName: 'dev', PolicyName: 'kms', PolicyDocument: JSON.stringify({
            Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*',
              Condition: { StringEquals: { 'aws:PrincipalTag/team': 'red' } } }] }) });
          const direct = await refusal(dev.encrypt({ KeyId: key.KeyId, Plaintext: new Uint8Array([1]) }));
          check(direct?.message?.includes('with an explicit deny in a resource-based policy'), `not through the endpoint: ${direct?.message}`);
          const through = kms.as({ principal: User.Arn, sourceVpce: 'vpce-0a1b2c3d', sourceIp: '10.0.0.7' });
          const out = await through.forRegion('us-east-1').encrypt({ KeyId: key.KeyId, Plaintext: new Uint8Array([1]) });
          check(out.CiphertextBlob instanceof Uint8Array, 'encrypts through the VPC endpoint');
          // explain: the same call, evaluated only, for the direct path and the endpoint's.
          const events = kms.auditEvents().length;
          const why = await dev.explain('Encrypt', { KeyId: key.KeyId, Plaintext: new Uint8Array([1]) });
          check(why.allowed === false && why.error?.name === 'AccessDeniedException', `explain denied: ${JSON.stringify(why.error)}`);
          const kp = why.decisions[0].policies.find((p) => p.layer === 'keyPolicy');
          const cond = kp?.statements[1]?.conditions[0];
          check(cond?.key === 'aws:SourceVpce' && cond.actual === null && cond.holds === true, `condition trace ${JSON.stringify(cond)}`);
          const ok = await through.explain('Encrypt', { KeyId: key.KeyId, Plaintext: new Uint8Array([1]) });
          check(ok.allowed === true && ok.decisions[0].decision.rule === 'keyPolicyAndIdentity', `explain allowed: ${ok.decisions[0]?.decision?.rule}`);
          check(kms.auditEvents().length === events, 'explain audits nothing');
          const event = kms.auditEvents().at(-1);
          check(event.sourceIPAddress === '10.0.0.7', `audited source IP ${event.sourceIPAddress}`);
          check(event.userIdentity.principalId === User.UserId, 'audited principal ID');
          // An unknown principal is refused; a malformed one at once.
          const ghost = await refusal(kms.as({ principal: 'arn:aws:iam::111122223333:user/ghost' }).listKeys());
          check(ghost?.name === 'UnrecognizedClientException', `ghost: ${ghost?.name}`);
          let threw = null;
          try { kms.as({ principal: 'ghost' }); } catch (e) { threw = e; }
          check(threw?.name === 'ValidationException', `malformed principal: ${threw?.name}`);
          // STS: who am I; the endpoint's shape from sendQuery.
          const me = await dev.sts('GetCallerIdentity', {});
          check(me.Arn === User.Arn && me.UserId === User.UserId, 'GetCallerIdentity');
          const q = await kms.sendQuery('iam', 'GetUser', { UserName: 'dev' }, { region: 'us-east-1', accessKeyId: '111122223333' });
          check(q.status === 200 && typeof q.result.User.CreateDate === 'number', 'sendQuery success shape');
          const bad = await kms.sendQuery('iam', 'GetUser', { UserName: 'nobody' }, {});
          check(bad.status === 404 && bad.error.code === 'NoSuchEntity' && bad.error.type === 'Sender', 'sendQuery error shape');
          const unknown = await kms.sendQuery('sts', 'GetCallerIdentity', {}, { accessKeyId: 'AKIAUNKNOWNUNKNOWN00' });
          check(unknown.status === 403 && unknown.error.code === 'InvalidClientTokenId', 'unknown key refused');
          return fails;
        })();"#,
    );
    let fails = failures_of(&script, JsKms::new(None).unwrap()).await;
    assert!(fails.is_empty(), "{fails:#?}");
}

/// Runs a script of checks given `kms`: the failures it resolves to.
async fn failures_of(script: &Function, kms: JsKms) -> Vec<String> {
    let promise: js_sys::Promise = script
        .call1(&JsValue::NULL, &JsValue::from(kms))
        .unwrap()
        .dyn_into()
        .unwrap();
    match JsFuture::from(promise).await {
        Ok(v) => js_sys::Array::from(&v)
            .iter()
            .filter_map(|v| v.as_string())
            .collect(),
        Err(e) => panic!("script threw: {:?}", get(&e, "message")),
    }
}
