//! Which repository paths are postmortems, for the local tree and a forge's tree alike: the
//! configured `paths` globs and a postmortem extension.
//!
//! Globs are read as `ignore`'s overrides read them (gitignore syntax, relative to the
//! repository root): `postmortems/**`, `docs/incidents/*.md`, a bare `*.md` at any depth, and
//! `!drafts/**` to leave files out.

use std::path::Path;

use ignore::overrides::{Override, OverrideBuilder};

/// File name endings a postmortem may have.
pub const EXTENSIONS: [&str; 3] = ["md", "markdown", "txt"];

/// A glob in `paths` that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid glob {glob:?} in `paths`: {message}")]
pub struct GlobError {
    pub glob: String,
    pub message: String,
}

/// Whether `path` ends in one of [`EXTENSIONS`] (any case).
pub fn has_postmortem_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Whether the file at `path` may be a postmortem by its name: a postmortem extension, and
/// not the folder's description or its template (`README.md`, `index.md`, `TEMPLATE.md`,
/// `postmortem-template.md`), which a folder of postmortems usually holds and whose example
/// items are no one's actions. A file named as a path is read whatever its name.
pub fn is_postmortem_file(path: &Path) -> bool {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let companion = matches!(stem.as_str(), "readme" | "index" | "_index")
        || stem
            .strip_suffix("template")
            .is_some_and(|before| before.is_empty() || before.ends_with(['-', '_', ' ', '.']));
    has_postmortem_extension(path) && !companion
}

/// The configured globs, compiled once.
#[derive(Debug, Clone)]
pub struct Selector {
    overrides: Override,
}

impl Selector {
    /// Compiles `globs`. No globs select nothing.
    pub fn new(globs: &[String]) -> Result<Selector, GlobError> {
        // Root ".": paths are given relative to the repository root and nothing is stripped.
        let mut ob = OverrideBuilder::new(".");
        for g in globs {
            ob.add(g).map_err(|e| GlobError {
                glob: g.clone(),
                message: e.to_string(),
            })?;
        }
        let overrides = ob.build().map_err(|e| GlobError {
            glob: globs.join(", "),
            message: e.to_string(),
        })?;
        Ok(Selector { overrides })
    }

    /// Whether the file at `path` (relative to the repository root, `/`-separated) is a
    /// postmortem: it matches the globs and [`is_postmortem_file`].
    pub fn is_selected(&self, path: &Path) -> bool {
        is_postmortem_file(path) && self.overrides.matched(path, false).is_whitelist()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(globs: &[&str]) -> Selector {
        Selector::new(&globs.iter().map(|g| g.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn picks(s: &Selector, path: &str) -> bool {
        s.is_selected(Path::new(path))
    }

    #[test]
    fn a_folder_s_readme_and_templates_are_not_postmortems() {
        let s = sel(&["postmortems/**"]);
        for skipped in [
            "postmortems/README.md",
            "postmortems/readme.txt",
            "postmortems/index.md",
            "postmortems/TEMPLATE.md",
            "postmortems/_template.md",
            "postmortems/postmortem-template.md",
            "postmortems/2024/incident_template.markdown",
        ] {
            assert!(!picks(&s, skipped), "{skipped}");
        }
        for kept in [
            "postmortems/2024-03-template-engine-outage.md",
            "postmortems/readme-service-down.md",
            "postmortems/templates.md",
        ] {
            assert!(picks(&s, kept), "{kept}");
        }
    }

    #[test]
    fn folder_globs_take_postmortem_files_at_any_depth_below() {
        let s = sel(&["postmortems/**", "docs/postmortems/**"]);
        assert!(picks(&s, "postmortems/2024-01-db.md"));
        assert!(picks(&s, "postmortems/2024/q1/db.markdown"));
        assert!(picks(&s, "postmortems/notes.TXT"));
        assert!(picks(&s, "docs/postmortems/a.md"));
        assert!(!picks(&s, "postmortems/diagram.png"));
        assert!(!picks(&s, "postmortems"));
        assert!(!picks(&s, "README.md"));
        assert!(!picks(&s, "src/postmortems/a.md"), "anchored at the root");
        assert!(!picks(&s, "docs/a.md"));
    }

    #[test]
    fn file_globs_and_bare_names() {
        let s = sel(&["docs/incidents/*.md"]);
        assert!(picks(&s, "docs/incidents/db.md"));
        assert!(
            !picks(&s, "docs/incidents/2024/db.md"),
            "`*` stays in one folder"
        );
        assert!(!picks(&s, "docs/incidents/db.txt"));
        let s = sel(&["*.md"]);
        assert!(picks(&s, "db.md"));
        assert!(
            picks(&s, "a/b/c.md"),
            "a name without a slash matches at any depth"
        );
    }

    #[test]
    fn negated_globs_leave_files_out() {
        let s = sel(&["postmortems/**", "!postmortems/drafts/**"]);
        assert!(picks(&s, "postmortems/a.md"));
        assert!(!picks(&s, "postmortems/drafts/b.md"));
    }

    #[test]
    fn no_globs_select_nothing_and_bad_globs_are_named() {
        assert!(!picks(&sel(&[]), "postmortems/a.md"));
        let e = Selector::new(&["postmortems/[".to_string()]).unwrap_err();
        assert_eq!(e.glob, "postmortems/[");
        assert!(
            e.to_string().contains("invalid glob \"postmortems/[\""),
            "{e}"
        );
    }
}
