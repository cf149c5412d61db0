//! README.md and `.ci/run` agree: the test command README gives is the one CI runs.

const README: &str = include_str!("../README.md");
const CI: &str = include_str!("../.ci/run");

/// The command of README's quick start line ending in "# the test suite…".
fn readme_test_command() -> &'static str {
    README
        .lines()
        .find(|l| l.starts_with("cargo test") && l.contains("# the test suite"))
        .and_then(|l| l.split('#').next())
        .map(str::trim)
        .expect("README's quick start has a `cargo test … # the test suite` line")
}

#[test]
fn readme_test_command_is_what_ci_runs() {
    let cmd = readme_test_command();
    assert!(cmd.contains("--no-fail-fast"), "{cmd}");
    assert!(
        CI.lines().any(|l| l.trim() == cmd),
        "`.ci/run` does not run README's test command `{cmd}`"
    );
    // CI turns skips into failures before running it.
    let export = CI
        .lines()
        .position(|l| l.trim() == "export EMU_REQUIRE_EXTERNAL=1")
        .expect(".ci/run exports EMU_REQUIRE_EXTERNAL=1");
    let run = CI.lines().position(|l| l.trim() == cmd).unwrap();
    assert!(
        export < run,
        ".ci/run must export EMU_REQUIRE_EXTERNAL before the tests"
    );
}

#[test]
fn ci_checks_rustdoc_warnings() {
    assert!(CI.contains(r#"RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --all-features"#));
}
