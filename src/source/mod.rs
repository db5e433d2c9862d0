//! Where postmortems come from: the local working tree ([`local`]) or a branch of a GitHub or
//! GitLab repository read through the API ([`remote`]). Both list paths, keep those the
//! configured globs select ([`select`]), then read each.

pub mod local;
pub mod remote;
pub mod select;

/// A postmortem file's bytes, or why it was skipped.
#[derive(Debug)]
pub enum Loaded {
    /// The file's contents.
    Text { path: String, bytes: Vec<u8> },
    /// Not read as a postmortem: a binary file, or one over the size limit.
    Skipped { path: String, reason: String },
}

/// Files larger than this are skipped with a message rather than parsed.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Whether bytes look like a binary file: a NUL byte in the first 8 KiB, as git decides.
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(8192).any(|b| *b == 0)
}
