//! `action.yml` and every workflow under `.github/workflows/` validate against SchemaStore's
//! published schemas for GitHub Actions metadata and workflows, and the GitLab CI template against
//! GitLab's own CI schema and the jobs and rules the README documents. The schemas are test data
//! in `tests/fixtures/schemas/` (source and checksums in its README).

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses a YAML file into JSON the way the schema tools see it (YAML 1.2: `on` is a string key).
fn load_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every violation of `schema` in the YAML file at `path`, each as "file: /json/pointer: message".
fn violations(schema: &Value, path: &Path) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("the schema compiles");
    let doc = load_yaml(path);
    let shown = path.strip_prefix(root()).unwrap_or(path).display();
    validator
        .iter_errors(&doc)
        .map(|e| format!("{shown}: {}: {e}", e.instance_path()))
        .collect()
}

fn schema(name: &str) -> Value {
    load_json(&root().join("tests/fixtures/schemas").join(name))
}

fn workflow_files() -> Vec<PathBuf> {
    let dir = root().join(".github/workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")))
        .collect();
    files.sort();
    files
}

#[test]
fn action_metadata_matches_the_github_action_schema() {
    let errors = violations(&schema("github-action.json"), &root().join("action.yml"));
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn every_workflow_matches_the_github_workflow_schema() {
    let schema = schema("github-workflow.json");
    let files = workflow_files();
    assert!(
        files.len() >= 3,
        "expected ci, release and dogfood workflows, found {files:?}"
    );
    let errors: Vec<String> = files.iter().flat_map(|f| violations(&schema, f)).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// The validators must be able to fail: a broken copy of each file is rejected with its pointer.
#[test]
fn the_schemas_reject_broken_files_with_a_pointer() {
    let tmp = tempfile::tempdir().unwrap();

    let action = tmp.path().join("action.yml");
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    std::fs::write(&action, text.replace("using: composite", "using: node9")).unwrap();
    let errors = violations(&schema("github-action.json"), &action);
    assert!(
        errors.iter().any(|e| e.contains("/runs")),
        "no error at /runs: {errors:?}"
    );

    let workflow = tmp.path().join("ci.yml");
    let text = std::fs::read_to_string(root().join(".github/workflows/ci.yml")).unwrap();
    std::fs::write(
        &workflow,
        text.replace(
            "runs-on: ubuntu-latest",
            "runs-on: ubuntu-latest\n    timeout: 5",
        ),
    )
    .unwrap();
    let errors = violations(&schema("github-workflow.json"), &workflow);
    assert!(
        errors.iter().any(|e| e.contains("/jobs/check")),
        "no error at /jobs/check: {errors:?}"
    );
}

#[test]
fn gitlab_template_matches_the_gitlab_ci_schema() {
    let errors = violations(
        &schema("gitlab-ci.json"),
        &root().join("templates/gitlab-ci.yml"),
    );
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// The template has what the README and its own header promise: one hidden base job that installs
/// the pinned release and runs `ci`, a review job for merge requests, a sync job for pushes to the
/// default branch (not the tool's own `[skip ci]` write-back commits), a follow-up job for
/// schedules, and the Code Quality and dotenv reports.
#[test]
fn gitlab_template_has_the_documented_jobs_and_rules() {
    let path = root().join("templates/gitlab-ci.yml");
    let doc = load_yaml(&path);
    let base = &doc[".postmortem-tracker"];
    assert!(base.is_object(), "no .postmortem-tracker base job");
    assert_eq!(doc["variables"]["PMT_VERSION"], env!("CARGO_PKG_VERSION"));
    let before = base["before_script"].to_string();
    assert!(
        before.contains("/scripts/install.sh") && before.contains("PMT_VERSION"),
        "{before}"
    );
    assert!(
        base["script"].to_string().contains("postmortem-tracker ci"),
        "{}",
        base["script"]
    );
    let reports = &base["artifacts"]["reports"];
    assert_eq!(reports["codequality"], "gl-code-quality-report.json");
    assert_eq!(reports["dotenv"], "postmortem-tracker.env");

    let rule = |job: &str| -> String {
        let j = &doc[job];
        assert_eq!(j["extends"], ".postmortem-tracker", "{job} extends");
        let rules = j["rules"]
            .as_array()
            .unwrap_or_else(|| panic!("{job}: no rules"));
        assert_eq!(rules.len(), 1, "{job}: {rules:?}");
        rules[0]["if"].as_str().unwrap().to_string()
    };
    assert_eq!(
        rule("postmortem-tracker:review"),
        r#"$CI_PIPELINE_SOURCE == "merge_request_event""#
    );
    let sync = rule("postmortem-tracker:sync");
    for part in [
        r#"$CI_PIPELINE_SOURCE == "push""#,
        "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH",
        r"$CI_COMMIT_MESSAGE !~ /\[skip ci\]/",
    ] {
        assert!(sync.contains(part), "sync rule lacks {part}: {sync}");
    }
    assert_eq!(
        rule("postmortem-tracker:followup"),
        r#"$CI_PIPELINE_SOURCE == "schedule""#
    );

    // The README's include line names this file at the released tag.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let include = format!("/v{}/templates/gitlab-ci.yml", env!("CARGO_PKG_VERSION"));
    assert!(
        readme.contains(&include),
        "README does not include {include}"
    );
}
