//! The composite action's steps run as the runner runs them: each `run:` script from `action.yml`,
//! with its `${{ inputs.* }}` / `${{ github.* }}` expressions filled in, through
//! `bash --noprofile --norc -eo pipefail`, with `GITHUB_PATH`, `RUNNER_OS`, `RUNNER_ARCH` and a
//! job-level `PMT_BASE_URL` pointing at a fake release server on loopback. The install step must
//! leave the binary where the next step finds it (a `GITHUB_PATH` entry), and a checksum mismatch
//! must fail the step and install nothing.

use crate::release_server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use release_server::{release_with, serve, target};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn action() -> Value {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    serde_yaml_ng::from_str(&text).expect("action.yml parses")
}

/// Replaces every `${{ expr }}` with its value, as the runner does before a step starts.
/// Only `inputs.*` and `github.*` are known here; anything else fails the test by name.
fn expand(s: &str, inputs: &BTreeMap<String, String>, github: &BTreeMap<&str, String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .unwrap_or_else(|| panic!("unclosed expression in {s:?}"))
            + start;
        let expr = rest[start + 3..end].trim();
        let value = if let Some(name) = expr.strip_prefix("inputs.") {
            inputs.get(name).cloned()
        } else if let Some(name) = expr.strip_prefix("github.") {
            github.get(name).cloned()
        } else {
            None
        };
        out.push_str(
            &value.unwrap_or_else(|| panic!("the test cannot evaluate `{expr}` in {s:?}")),
        );
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The action's inputs: its declared defaults (expanded), overridden by the workflow's `with:`.
fn inputs(
    action: &Value,
    with: &[(&str, &str)],
    github: &BTreeMap<&str, String>,
) -> BTreeMap<String, String> {
    let mut inputs = BTreeMap::new();
    for (name, spec) in action["inputs"].as_object().unwrap() {
        let default = spec["default"].as_str().unwrap_or("");
        let value = expand(default, &BTreeMap::new(), github);
        inputs.insert(name.clone(), value);
    }
    for (k, v) in with {
        assert!(inputs.contains_key(*k), "action.yml has no input {k}");
        inputs.insert(k.to_string(), v.to_string());
    }
    inputs
}

/// Everything a job step sees that the test controls.
struct Runner {
    work: PathBuf,
    action_path: PathBuf,
    github_path: PathBuf,
    home: PathBuf,
    base_url: String,
}

impl Runner {
    fn github(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("action_path", self.action_path.display().to_string()),
            (
                "action_repository",
                "postmortem-tracker/postmortem-tracker".into(),
            ),
            ("token", "test-token-not-real".into()),
        ])
    }

    /// `PATH` for a step: `GITHUB_PATH` entries first (newest first), as the runner prepends them,
    /// then a `cargo` that fails loudly (no source build may start), then the system's.
    fn path(&self) -> String {
        let added = std::fs::read_to_string(&self.github_path).unwrap_or_default();
        let mut parts: Vec<String> = added.lines().rev().map(str::to_string).collect();
        parts.push(self.work.join("no-cargo").display().to_string());
        parts.push(std::env::var("PATH").unwrap());
        parts.join(":")
    }

    /// Runs one composite step (found by `pick`) with `with:` inputs, and returns its output.
    fn run_step(&self, pick: impl Fn(&Value) -> bool, with: &[(&str, &str)]) -> Output {
        let action = action();
        let github = self.github();
        let inputs = inputs(&action, with, &github);
        let steps = action["runs"]["steps"].as_array().unwrap();
        let step = steps
            .iter()
            .find(|s| pick(s))
            .expect("the step is in action.yml");
        assert_eq!(step["shell"], "bash", "the test runs bash steps only");
        let script = self.work.join("step.sh");
        std::fs::write(
            &script,
            expand(step["run"].as_str().unwrap(), &inputs, &github),
        )
        .unwrap();
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script)
            .current_dir(&self.work)
            .env_clear()
            .env("PATH", self.path())
            .env("HOME", &self.home)
            .env("GITHUB_PATH", &self.github_path)
            .env("RUNNER_OS", "Linux")
            .env(
                "RUNNER_ARCH",
                if cfg!(target_arch = "aarch64") {
                    "ARM64"
                } else {
                    "X64"
                },
            )
            // A workflow-level `env:` override; the action passes the job's environment through.
            .env("PMT_BASE_URL", &self.base_url)
            .env("PMT_TEST_ARGS", self.work.join("args"));
        if let Some(env) = step["env"].as_object() {
            for (k, v) in env {
                cmd.env(k, expand(v.as_str().unwrap(), &inputs, &github));
            }
        }
        cmd.output().unwrap()
    }
}

fn is_install(step: &Value) -> bool {
    step["run"]
        .as_str()
        .is_some_and(|r| r.contains("scripts/install.sh"))
}

/// A runner workspace whose action checkout holds only what the action ships to its users'
/// runners here (`action.yml`, `scripts/install.sh`): no Cargo.toml, so no source build.
fn runner(tmp: &Path, base_url: String) -> Runner {
    let work = tmp.join("work");
    let action_path = tmp.join("_actions/postmortem-tracker/v0.1.0");
    std::fs::create_dir_all(action_path.join("scripts")).unwrap();
    std::fs::create_dir_all(work.join("no-cargo")).unwrap();
    std::fs::create_dir_all(tmp.join("home")).unwrap();
    std::fs::copy(root().join("action.yml"), action_path.join("action.yml")).unwrap();
    std::fs::copy(
        root().join("scripts/install.sh"),
        action_path.join("scripts/install.sh"),
    )
    .unwrap();
    let cargo = work.join("no-cargo/cargo");
    std::fs::write(
        &cargo,
        "#!/bin/sh\necho 'test: cargo must not run' >&2\nexit 97\n",
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&cargo)
        .status()
        .unwrap();
    let github_path = tmp.join("runner/github_path");
    std::fs::create_dir_all(github_path.parent().unwrap()).unwrap();
    std::fs::write(&github_path, "").unwrap();
    Runner {
        work,
        action_path,
        github_path,
        home: tmp.join("home"),
        base_url,
    }
}

/// The stand-in release binary: answers `--version`, else records its arguments one per line.
const STAND_IN: &str = "#!/bin/sh\n\
if [ \"$1\" = --version ]; then echo 'postmortem-tracker 9.9.9'; exit 0; fi\n\
printf '%s\\n' \"$@\" > \"$PMT_TEST_ARGS\"\n";

/// A runner whose release server offers the stand-in release 9.9.9 for this platform, with the
/// checksum file `checksum(true sum, archive name)` says; `None` (and why, printed) where the
/// test cannot run here.
fn runner_with_release(
    checksum: impl FnOnce(String, &str) -> String,
) -> Option<(tempfile::TempDir, Runner)> {
    let Some(target) = target() else {
        eprintln!("skipped: no release target for this platform in the test");
        return None;
    };
    if !tools_present() {
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    let name = format!("postmortem-tracker-9.9.9-{target}.tar.gz");
    let (archive, sum) = release_with(tmp.path(), &name, STAND_IN);
    let sum = checksum(sum, &name);
    let base = serve(
        vec![
            (name.clone(), archive),
            (format!("{name}.sha256"), sum.into_bytes()),
        ],
        2,
    );
    let runner = runner(tmp.path(), base);
    Some((tmp, runner))
}

fn tools_present() -> bool {
    for tool in ["curl", "sha256sum", "tar"] {
        if Command::new(tool).arg("--version").output().is_err() {
            eprintln!("skipped: {tool} is not installed");
            return false;
        }
    }
    true
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn install_step_puts_the_release_on_github_path_for_the_run_step() {
    let Some((_tmp, runner)) = runner_with_release(|sum, _| sum) else {
        return;
    };

    let out = runner.run_step(is_install, &[("version", "9.9.9")]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("postmortem-tracker 9.9.9"),
        "{}",
        text(&out)
    );
    let bin_dir = runner.home.join(".local/bin");
    assert!(bin_dir.join("postmortem-tracker").is_file());
    let added = std::fs::read_to_string(&runner.github_path).unwrap();
    assert_eq!(
        added.lines().collect::<Vec<_>>(),
        [bin_dir.display().to_string()]
    );

    // The next step finds the installed binary through GITHUB_PATH and gets the inputs as flags.
    let out = runner.run_step(
        |s| s["id"] == "run",
        &[
            ("paths", "examples/postmortems docs/postmortems"),
            ("dry-run", "true"),
            ("fail-on-overdue", "true"),
            ("mode", "review"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let args = std::fs::read_to_string(runner.work.join("args")).expect("the binary ran");
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "ci",
            "--write-back",
            "local",
            "--mode",
            "review",
            "--fail-on-overdue",
            "--dry-run",
            "examples/postmortems",
            "docs/postmortems"
        ]
    );
}

#[test]
fn install_step_fails_on_a_checksum_mismatch_and_adds_nothing() {
    let Some((_tmp, runner)) =
        runner_with_release(|_, name| format!("{}  {name}\n", "0".repeat(64)))
    else {
        return;
    };

    let out = runner.run_step(is_install, &[("version", "v9.9.9")]);
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("checksum mismatch"), "{}", text(&out));
    assert!(!stderr.contains("cargo must not run"), "{}", text(&out));
    assert!(!runner.home.join(".local/bin/postmortem-tracker").exists());
    assert_eq!(std::fs::read_to_string(&runner.github_path).unwrap(), "");
}
