//! A fake release server on loopback and a stand-in release archive, shared by the tests of
//! `scripts/install.sh` and of the action's install step.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

/// Serves `files` (name → bytes) over HTTP on 127.0.0.1 for at most `max` requests.
pub fn serve(files: Vec<(String, Vec<u8>)>, max: usize) -> String {
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

/// The release target of this platform, when the tests know one.
pub fn target() -> Option<&'static str> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Some("x86_64-unknown-linux-gnu"),
        ("linux", "aarch64") => Some("aarch64-unknown-linux-gnu"),
        _ => None,
    }
}

/// A release archive holding a stand-in binary, and its `.sha256` line.
pub fn release(dir: &Path, name: &str) -> (Vec<u8>, String) {
    release_with(dir, name, "#!/bin/sh\necho 'postmortem-tracker 9.9.9'\n")
}

/// A release archive whose `postmortem-tracker` is the shell script `binary`, and its `.sha256`.
pub fn release_with(dir: &Path, name: &str, binary: &str) -> (Vec<u8>, String) {
    let stage = dir.join("stage");
    std::fs::create_dir_all(&stage).unwrap();
    let bin = stage.join("postmortem-tracker");
    std::fs::write(&bin, binary).unwrap();
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
