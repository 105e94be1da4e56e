//! The authorization corpus, natively (the same runner runs in wasm: `tests/wasm_node.rs`).
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "authz/runner.rs"]
mod runner;

#[test]
fn every_authorization_case_decides_as_aws_does() {
    let (failures, count) = runner::run_all();
    assert!(count > 0, "no case ran");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
