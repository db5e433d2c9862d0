//! `scripts/install.sh` (the action's install step) against a fake release server on loopback:
//! a good archive installs and runs; a checksum mismatch fails and installs nothing.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Serves `files` (name → bytes) over HTTP on 127.0.0.1 for at most `max` requests.
fn serve(files: Vec<(String, Vec<u8>)>, max: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            let Ok(mut s) = stream else { continue };
            let mut line = String::new();
            let mut r = BufReader::new(s.try_clone().unwrap());
            let _ = r.read_line(&mut line);
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/");
            let name = path.rsplit('/').next().unwrap_or("");
            let reply = match files.iter().find(|(n, _)| n == name) {
                Some((_, body)) => {
                    let mut v = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    v.extend(body);
                    v
                }
                None => b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    .to_vec(),
            };
            let _ = s.write_all(&reply);
        }
    });
    format!("http://{addr}/v9.9.9")
}

fn target() -> Option<&'static str> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Some("x86_64-unknown-linux-gnu"),
        ("linux", "aarch64") => Some("aarch64-unknown-linux-gnu"),
        _ => None,
    }
}

/// A release archive holding a stand-in binary, and its `.sha256` line.
fn release(dir: &Path, name: &str) -> (Vec<u8>, String) {
    let stage = dir.join("stage");
    std::fs::create_dir_all(&stage).unwrap();
    let bin = stage.join("postmortem-tracker");
    std::fs::write(&bin, "#!/bin/sh\necho 'postmortem-tracker 9.9.9'\n").unwrap();
    Command::new("chmod").arg("+x").arg(&bin).status().unwrap();
    let archive = dir.join(name);
    let ok = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(&stage)
        .arg("postmortem-tracker")
        .status()
        .unwrap();
    assert!(ok.success());
    let out = Command::new("sha256sum")
        .arg(name)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        std::fs::read(&archive).unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

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
