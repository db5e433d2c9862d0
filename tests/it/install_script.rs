//! `scripts/install.sh` (the action's install step) against a fake release server on loopback:
//! a good archive installs and runs; a checksum mismatch fails and installs nothing.

use crate::release_server;

use std::path::{Path, PathBuf};
use std::process::Command;

use release_server::{release, serve, target};

fn install(base: &str, dest: &Path) -> std::process::Output {
    Command::new("bash")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh"))
        .env("PMT_VERSION", "v9.9.9")
        .env("PMT_BASE_URL", base)
        .env("PMT_INSTALL_DIR", dest)
        // No source fallback in the test: a missing release must not start a cargo build.
        .env("PMT_SOURCE_DIR", "/nonexistent")
        .env(
            "PATH",
            format!("/nonexistent-cargo:{}", std::env::var("PATH").unwrap()),
        )
        .env_remove("GITHUB_PATH")
        .output()
        .unwrap()
}

#[test]
fn installs_a_verified_release_and_refuses_a_bad_checksum() {
    let Some(target) = target() else {
        eprintln!("skipped: no release target for this platform in the test");
        return;
    };
    for tool in ["curl", "sha256sum", "tar"] {
        if Command::new(tool).arg("--version").output().is_err() {
            eprintln!("skipped: {tool} is not installed");
            return;
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let name = format!("postmortem-tracker-9.9.9-{target}.tar.gz");
    let (archive, sum) = release(tmp.path(), &name);

    let dest = tmp.path().join("bin");
    let base = serve(
        vec![
            (name.clone(), archive.clone()),
            (format!("{name}.sha256"), sum.into_bytes()),
        ],
        2,
    );
    let out = install(&base, &dest);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("postmortem-tracker 9.9.9"), "{stdout}");
    assert!(dest.join("postmortem-tracker").is_file());

    // The same archive with a checksum of other bytes.
    let dest2 = tmp.path().join("bin2");
    let wrong = format!("{}  {name}\n", "0".repeat(64));
    let base = serve(
        vec![
            (name.clone(), archive),
            (format!("{name}.sha256"), wrong.into_bytes()),
        ],
        2,
    );
    let out = install(&base, &dest2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("checksum mismatch"), "{stderr}");
    assert!(!dest2.join("postmortem-tracker").exists());
}
