//! Every text the tool writes for people, rendered from handlebars templates.
//!
//! The templates live in `templates/*.hbs`, are embedded in the binary, and can be overridden
//! file by file from a folder (`templates_dir` in the configuration, `--templates DIR` on the
//! command line): `DIR/issue_body.hbs` replaces the embedded `issue_body` and nothing else.
//!
//! The engine is strict (a variable that does not exist is an error naming the template and
//! line, not an empty string) and escapes every `{{value}}` for Markdown with
//! [`safe::escape_inline`], so text copied from a postmortem cannot mention people, break a
//! table or close an HTML comment. `{{{value}}}` inserts without escaping and is meant for
//! values built by code (markers, URLs). Helpers are documented on [`register_helpers`].

pub mod context;
pub mod safe;
mod syntax;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderErrorReason,
    ScopedJson,
};
use serde::Serialize;
use serde_json::Value;

/// The templates, by name, with their embedded text.
pub const TEMPLATES: [(&str, &str); 9] = [
    (
        "issue_title",
        include_str!("../../templates/issue_title.hbs"),
    ),
    ("issue_body", include_str!("../../templates/issue_body.hbs")),
    (
        "status_block",
        include_str!("../../templates/status_block.hbs"),
    ),
    ("pr_comment", include_str!("../../templates/pr_comment.hbs")),
    (
        "reminder_comment",
        include_str!("../../templates/reminder_comment.hbs"),
    ),
    (
        "job_summary",
        include_str!("../../templates/job_summary.hbs"),
    ),
    ("can_report", include_str!("../../templates/can_report.hbs")),
    ("digest", include_str!("../../templates/digest.hbs")),
    ("report", include_str!("../../templates/report.hbs")),
];

/// Where a template's text came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Embedded,
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Embedded => f.write_str("built-in"),
            Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A template that cannot be read, compiled or rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A syntax error, or an error while rendering (a misspelt variable in strict mode).
    #[error("template `{name}` ({origin}){}: {message}", at(*line, *column))]
    Template {
        name: String,
        origin: Origin,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    /// The override folder or one of its files cannot be read. (The I/O error is part of the
    /// message, not a source: a chain would print it twice.)
    #[error("reading templates from {}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A `.hbs` file in the override folder that is no template of this tool (likely a typo,
    /// which would otherwise be ignored without a word).
    #[error("{}: `{name}` is not a template of postmortem-tracker (known: {known})", path.display())]
    Unknown {
        path: PathBuf,
        name: String,
        known: String,
    },
    /// A name that is not in [`TEMPLATES`].
    #[error("no template named `{0}`")]
    NoSuchTemplate(String),
}

/// ` line 3, column 7`, ` line 3` or nothing.
fn at(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" line {l}, column {c}"),
        (Some(l), None) => format!(" line {l}"),
        _ => String::new(),
    }
}

impl RenderError {
    /// Template `name` (its `text`, from `origin`) did not compile: what is wrong in the
    /// user's words, at the line and column where it starts (see [`syntax`]).
    pub fn compile(
        name: &str,
        origin: &Origin,
        text: &str,
        e: &handlebars::TemplateError,
    ) -> RenderError {
        let (message, pos) = syntax::explain(text, e.reason(), e.pos());
        RenderError::Template {
            name: name.to_string(),
            origin: origin.clone(),
            line: pos.map(|(l, _)| l),
            column: pos.map(|(_, c)| c),
            message,
        }
    }

    /// Template `name` failed while rendering (a misspelt variable, a helper's error).
    pub fn rendering(name: &str, origin: &Origin, e: &handlebars::RenderError) -> RenderError {
        RenderError::Template {
            name: name.to_string(),
            origin: origin.clone(),
            line: e.line_no,
            column: e.column_no,
            message: describe(e.reason()),
        }
    }
}

/// The handlebars engine with the embedded templates and the user's overrides.
pub struct Engine {
    hb: Handlebars<'static>,
    sources: BTreeMap<&'static str, (Origin, String)>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("templates", &self.sources.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Engine {
    /// The embedded templates, overridden by the `NAME.hbs` files of `dir` when given. A
    /// `.hbs` file that is no template of the tool is a warning (on stderr), not an error: it
    /// is ignored. An override that does not compile, or fails on its sample (a misspelt
    /// variable), is the error: found here, before any work, it is reported as the template's
    /// fault rather than surfacing mid-run as the failure of whatever step rendered it.
    pub fn new(dir: Option<&Path>) -> Result<Engine, RenderError> {
        let (engine, mut broken) = Engine::compile(overrides(dir)?);
        if !broken.is_empty() {
            return Err(broken.remove(0));
        }
        for (name, _) in TEMPLATES {
            if matches!(engine.sources.get(name), Some((Origin::File(_), _))) {
                render_sample(&engine, name)?;
            }
        }
        Ok(engine)
    }

    /// Compiles every template it can, giving back the errors of the others.
    fn compile(sources: BTreeMap<&'static str, (Origin, String)>) -> (Engine, Vec<RenderError>) {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.set_dev_mode(false);
        hb.register_escape_fn(safe::escape_inline);
        register_helpers(&mut hb);
        let mut broken = Vec::new();
        for (name, (origin, text)) in &sources {
            if let Err(e) = hb.register_template_string(name, text) {
                broken.push(RenderError::compile(name, origin, text, &e));
            }
        }
        (Engine { hb, sources }, broken)
    }

    /// Renders template `name` over `data`. `issue_title` comes back as one trimmed line;
    /// the other texts end with exactly one newline.
    pub fn render<T: Serialize>(&self, name: &str, data: &T) -> Result<String, RenderError> {
        let (origin, _) = self
            .sources
            .get(name)
            .ok_or_else(|| RenderError::NoSuchTemplate(name.to_string()))?;
        let out = self
            .hb
            .render(name, data)
            .map_err(|e| RenderError::rendering(name, origin, &e))?;
        Ok(if name == "issue_title" {
            out.split_whitespace().collect::<Vec<_>>().join(" ")
        } else {
            format!("{}\n", out.trim_end())
        })
    }

    /// A template's text and where it came from.
    pub fn source(&self, name: &str) -> Option<(&Origin, &str)> {
        self.sources.get(name).map(|(o, s)| (o, s.as_str()))
    }
}

/// Each template's origin and text, by name.
pub type Sources = BTreeMap<&'static str, (Origin, String)>;

/// The embedded templates with the `*.hbs` files of an override folder over them, uncompiled,
/// and the `.hbs` files that are no template of the tool. Other files are left alone (a
/// README, say).
pub fn sources(dir: Option<&Path>) -> Result<(Sources, Vec<RenderError>), RenderError> {
    let mut sources: Sources = TEMPLATES
        .iter()
        .map(|(n, s)| (*n, (Origin::Embedded, s.to_string())))
        .collect();
    let Some(dir) = dir else {
        return Ok((sources, Vec::new()));
    };
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| RenderError::Io { path, error }
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        // The service's HTML dashboard reads its own override from the same folder.
        let dashboard = path.file_name().is_some_and(|n| n == "dashboard.html.hbs");
        if path.extension().is_some_and(|e| e == "hbs") && !dashboard {
            paths.push(path);
        }
    }
    paths.sort();
    let mut unknown = Vec::new();
    for path in paths {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some((name, _)) = TEMPLATES.iter().find(|(n, _)| *n == stem) else {
            unknown.push(RenderError::Unknown {
                path,
                name: stem,
                known: format!("{}, dashboard.html", TEMPLATES.map(|(n, _)| n).join(", ")),
            });
            continue;
        };
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        sources.insert(*name, (Origin::File(path), text));
    }
    Ok((sources, unknown))
}

/// [`sources`], with a warning on stderr for each `.hbs` file that is no template (ignored).
pub fn overrides(dir: Option<&Path>) -> Result<Sources, RenderError> {
    let (sources, unknown) = sources(dir)?;
    for w in unknown {
        eprintln!("warning: {w}; the file is ignored");
    }
    Ok(sources)
}

/// Loads `dir` over the embedded templates, compiles each and renders each that compiles over
/// its sample context. Returns every problem found (empty when all is well): files that are no
/// template, each template that does not compile, each that fails on its sample.
pub fn check_dir(dir: &Path) -> Vec<RenderError> {
    let (sources, mut problems) = match sources(Some(dir)) {
        Ok(found) => found,
        Err(e) => return vec![e],
    };
    let (engine, broken) = Engine::compile(sources);
    let is_broken = |name: &str| {
        broken
            .iter()
            .any(|e| matches!(e, RenderError::Template { name: n, .. } if n == name))
    };
    let failed: Vec<RenderError> = TEMPLATES
        .iter()
        .filter(|(name, _)| !is_broken(name))
        .filter_map(|(name, _)| render_sample(&engine, name).err())
        .collect();
    problems.extend(broken);
    problems.extend(failed);
    problems
}

/// Renders template `name` over its sample context.
pub fn render_sample(engine: &Engine, name: &str) -> Result<String, RenderError> {
    use context::sample;
    match name {
        "issue_title" | "issue_body" => engine.render(name, &sample::issue()),
        "status_block" => engine.render(name, &sample::status_block()),
        "pr_comment" => engine.render(name, &sample::pr_comment()),
        "reminder_comment" => engine.render(name, &sample::reminder()),
        "job_summary" => engine.render(name, &sample::job_summary()),
        "can_report" => engine.render(name, &crate::can::sample()),
        "digest" => engine.render(name, &crate::followup::digest::sample()),
        "report" => engine.render(name, &crate::report::sample()),
        _ => Err(RenderError::NoSuchTemplate(name.to_string())),
    }
}

/// A readable message for a render error (handlebars' own text for a strict-mode miss is
/// `Failed to access variable in strict mode Some("x")`).
fn describe(reason: &RenderErrorReason) -> String {
    match reason {
        RenderErrorReason::MissingVariable(Some(path)) => {
            format!("no variable `{path}` (misspelt, or not available in this template)")
        }
        RenderErrorReason::HelperNotFound(name) => format!("no helper `{name}`"),
        other => other.to_string(),
    }
}

/// Registers the helpers templates may use:
/// - `{{date value}}` / `{{date value "%d %B %Y"}}`: an ISO date (`2023-12-01`) reformatted
///   with chrono's format; empty for null.
/// - `{{days_past due today}}`: whole days from `due` to `today`, 0 when not past due.
/// - `{{words tag}}`: a snake_case name as words (`in_progress` → `in progress`).
/// - `{{plural n "item"}}` / `{{plural n "person" "people"}}`: the word for count `n`.
/// - `{{duration minutes}}`: `4 h 11 min`, `25 min`.
/// - `{{truncate text 80}}`: at most that many characters, then the usual escaping.
/// - `{{mention login}}`: `@login`, a real mention, only when `login` has the shape of a
///   username; anything else is written escaped. The one way to notify someone.
/// - `{{block text}}` / `{{block text 5000}}`: multi-line text, every line escaped, line
///   breaks kept (for an item's detail in an issue body).
///
/// handlebars' own `if`, `unless`, `each`, `with`, `eq`, `ne`, `gt`, `lt`, `and`, `or`, `not`
/// and `len` are available too.
pub fn register_helpers(hb: &mut Handlebars<'static>) {
    hb.register_helper("date", Box::new(ValueHelper(date)));
    hb.register_helper("days_past", Box::new(ValueHelper(days_past)));
    hb.register_helper("words", Box::new(ValueHelper(words)));
    hb.register_helper("plural", Box::new(ValueHelper(plural)));
    hb.register_helper("duration", Box::new(ValueHelper(duration)));
    hb.register_helper("truncate", Box::new(ValueHelper(truncate)));
    hb.register_helper("mention", Box::new(RawHelper(mention)));
    hb.register_helper("block", Box::new(RawHelper(block)));
}

fn param<'a>(
    h: &'a Helper<'_>,
    i: usize,
    helper: &'static str,
) -> Result<&'a Value, RenderErrorReason> {
    h.param(i)
        .map(|p| p.value())
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(helper, i))
}

fn iso_date(v: &Value, helper: &str) -> Result<Option<NaiveDate>, RenderErrorReason> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                RenderErrorReason::Other(format!("{helper}: `{s}` is not a date (YYYY-MM-DD)"))
            }),
        other => Err(RenderErrorReason::Other(format!(
            "{helper}: expected a date, got {other}"
        ))),
    }
}

/// A helper that computes one value from its parameters; its output is escaped like any
/// `{{value}}` (unless called as `{{{helper …}}}`).
struct ValueHelper(fn(&Helper<'_>) -> Result<Value, RenderErrorReason>);

impl HelperDef for ValueHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, handlebars::RenderError> {
        Ok(ScopedJson::Derived((self.0)(h)?))
    }
}

fn date(h: &Helper<'_>) -> Result<Value, RenderErrorReason> {
    let d = iso_date(param(h, 0, "date")?, "date")?;
    let fmt = match h.param(1).map(|p| p.value()) {
        Some(Value::String(f)) => f.as_str(),
        _ => "%Y-%m-%d",
    };
    let mut out = String::new();
    if let Some(d) = d {
        use std::fmt::Write;
        write!(out, "{}", d.format(fmt))
            .map_err(|_| RenderErrorReason::Other(format!("date: bad format `{fmt}`")))?;
    }
    Ok(Value::String(out))
}

fn days_past(h: &Helper<'_>) -> Result<Value, RenderErrorReason> {
    let due = iso_date(param(h, 0, "days_past")?, "days_past")?;
    let today = iso_date(param(h, 1, "days_past")?, "days_past")?;
    let days = match (due, today) {
        (Some(due), Some(today)) => (today - due).num_days().max(0),
        _ => 0,
    };
    Ok(Value::from(days))
}

fn plural(h: &Helper<'_>) -> Result<Value, RenderErrorReason> {
    let n = param(h, 0, "plural")?.as_f64().unwrap_or(0.0);
    let one = param(h, 1, "plural")?
        .as_str()
        .unwrap_or_default()
        .to_string();
    let many = match h.param(2).and_then(|p| p.value().as_str()) {
        Some(m) => m.to_string(),
        None => format!("{one}s"),
    };
    Ok(Value::String(if n == 1.0 { one } else { many }))
}

/// Formats minutes as `4 h 11 min`.
pub fn format_minutes(m: i64) -> String {
    match (m / 60, m % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

fn duration(h: &Helper<'_>) -> Result<Value, RenderErrorReason> {
    let out = match param(h, 0, "duration")?.as_i64() {
        Some(m) => format_minutes(m),
        None => String::new(),
    };
    Ok(Value::String(out))
}

fn words(h: &Helper<'_>) -> Result<Value, RenderErrorReason> {
    let text = as_text(param(h, 0, "words")?).replace('_', " ");
    Ok(Value::String(text))
}

fn as_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn truncate(h: &Helper<'_>) -> Result<Value, RenderErrorReason> {
    let text = as_text(param(h, 0, "truncate")?);
    let max = param(h, 1, "truncate")?.as_u64().unwrap_or(80) as usize;
    let (kept, cut) = safe::truncate_chars(&text, max);
    let out = if cut > 0 {
        format!("{kept}…")
    } else {
        kept.to_string()
    };
    Ok(Value::String(out))
}

/// A helper that writes its own output, already safe: the escape function would break what
/// it writes (a mention, text escaped line by line).
struct RawHelper(fn(&Helper<'_>) -> Result<String, RenderErrorReason>);

impl HelperDef for RawHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        out.write(&(self.0)(h)?)?;
        Ok(())
    }
}

/// `{{mention login}}`: `@login` for a login the forge could have, else the text escaped.
fn mention(h: &Helper<'_>) -> Result<String, RenderErrorReason> {
    let login = as_text(param(h, 0, "mention")?);
    let login = login.trim();
    Ok(if safe::is_login(login) {
        format!("@{}", login.trim_start_matches('@'))
    } else {
        safe::escape_inline(login)
    })
}

/// `{{block text [max]}}`: multi-line text, escaped line by line.
fn block(h: &Helper<'_>) -> Result<String, RenderErrorReason> {
    let text = as_text(param(h, 0, "block")?);
    let max = h
        .param(1)
        .and_then(|p| p.value().as_u64())
        .map_or(20_000, |m| m as usize);
    Ok(safe::escape_block(&text, max))
}
