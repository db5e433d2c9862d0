//! Chasing open items through the binary, against the fake GitHub and the fake GitLab alike
//! (each scenario is written once and run per forge with `both_forges!`): the four seed
//! postmortems with no configuration on 2026-11-21 (every open issue labelled overdue and
//! reminded once; a second run the same day writes nothing and changes no byte; 8 days later
//! one more reminder; after two unanswered reminders the third mentions the escalation list,
//! once), the steady state of 500 items (one listing, no write), issues reminded by an older
//! version (read once, never reminded twice), and the digest (one issue, also after a race or
//! a create that failed after succeeding; updated only when its text changes; reopened).

use std::path::Path;

use crate::support;

use support::github::{FakeGitHub, GhComment};
use support::gitlab::{FakeGitLab, GlNote};
use support::{bin, FakeForge, Fault, RequestLog};

/// What the scenarios need of a fake forge.
pub trait Chase {
    /// A started fake with the repository `acme/svc`.
    fn start() -> Self;
    /// The fake, for [`bin`].
    fn forge(&self) -> FakeForge<'_>;
    fn log(&self) -> &RequestLog;
    fn faults(&self) -> &support::Faults;
    /// The path prefix of the request that opens an issue.
    fn create_path() -> &'static str;
    /// Every issue: (number, open, title, body, labels).
    fn issues(&self) -> Vec<(u64, bool, String, String, Vec<String>)>;
    /// The bodies of the comments on issue `n`, oldest first.
    fn comments(&self, n: u64) -> Vec<String>;
    /// A person comments on issue `n`.
    fn answer(&self, n: u64, body: &str);
    /// A person closes issue `n`.
    fn close(&self, n: u64);
    /// A person edits issue `n`'s body.
    fn set_body(&self, n: u64, body: &str);
    /// Opens an issue as the tool would have (`labels`), for races.
    fn seed_issue(&self, title: &str, body: &str, labels: &[&str]) -> u64;
}

impl Chase for FakeGitHub {
    fn start() -> Self {
        FakeGitHub::start()
    }
    fn forge(&self) -> FakeForge<'_> {
        FakeForge::GitHub(self)
    }
    fn log(&self) -> &RequestLog {
        FakeGitHub::log(self)
    }
    fn faults(&self) -> &support::Faults {
        FakeGitHub::faults(self)
    }
    fn create_path() -> &'static str {
        "/repos/acme/svc/issues"
    }
    fn issues(&self) -> Vec<(u64, bool, String, String, Vec<String>)> {
        self.state()
            .repo("acme", "svc")
            .real_issues()
            .iter()
            .map(|i| {
                (
                    i.number,
                    i.state == "open",
                    i.title.clone(),
                    i.body.clone().unwrap_or_default(),
                    i.labels.clone(),
                )
            })
            .collect()
    }
    fn comments(&self, n: u64) -> Vec<String> {
        self.state()
            .repo("acme", "svc")
            .comments_on(n)
            .iter()
            .map(|c| c.body.clone())
            .collect()
    }
    fn answer(&self, n: u64, body: &str) {
        let mut st = self.state();
        let r = st.repo_mut("acme", "svc");
        let id = 9_000_000 + r.comments.len() as u64;
        r.comments.push(GhComment {
            id,
            issue_number: n,
            body: body.into(),
            user: "jdoe".into(),
            created_at: "2026-11-22T10:00:00Z".into(),
            updated_at: "2026-11-22T10:00:00Z".into(),
        });
    }
    fn close(&self, n: u64) {
        let mut st = self.state();
        let i = st.repo_mut("acme", "svc").issue_mut(n).unwrap();
        i.state = "closed".into();
        i.state_reason = Some("completed".into());
        i.closed_at = Some("2026-11-22T10:00:00Z".into());
    }
    fn set_body(&self, n: u64, body: &str) {
        let mut st = self.state();
        let i = st.repo_mut("acme", "svc").issue_mut(n).unwrap();
        i.body = Some(body.into());
    }
    fn seed_issue(&self, title: &str, body: &str, labels: &[&str]) -> u64 {
        self.state()
            .seed_issue(("acme", "svc"), title, body, labels, "open")
    }
}

impl Chase for FakeGitLab {
    fn start() -> Self {
        FakeGitLab::start()
    }
    fn forge(&self) -> FakeForge<'_> {
        FakeForge::GitLab(self)
    }
    fn log(&self) -> &RequestLog {
        FakeGitLab::log(self)
    }
    fn faults(&self) -> &support::Faults {
        FakeGitLab::faults(self)
    }
    fn create_path() -> &'static str {
        "/api/v4/projects/acme%2Fsvc/issues"
    }
    fn issues(&self) -> Vec<(u64, bool, String, String, Vec<String>)> {
        self.state()
            .project("acme/svc")
            .issues
            .iter()
            .map(|i| {
                (
                    i.iid,
                    i.state == "opened",
                    i.title.clone(),
                    i.description.clone().unwrap_or_default(),
                    i.labels.clone(),
                )
            })
            .collect()
    }
    fn comments(&self, n: u64) -> Vec<String> {
        self.state()
            .project("acme/svc")
            .issue_notes(n)
            .iter()
            .map(|c| c.body.clone())
            .collect()
    }
    fn answer(&self, n: u64, body: &str) {
        let mut st = self.state();
        let author = st.add_user("jdoe");
        let p = st.project_mut("acme/svc");
        let id = 9_000_000 + p.notes.len() as u64;
        p.notes.push(GlNote {
            id,
            noteable_type: "Issue".into(),
            noteable_iid: n,
            body: body.into(),
            author_id: author,
            created_at: "2026-11-22T10:00:00Z".into(),
            updated_at: "2026-11-22T10:00:00Z".into(),
        });
    }
    fn close(&self, n: u64) {
        let mut st = self.state();
        let i = st.project_mut("acme/svc").issue_mut(n).unwrap();
        i.state = "closed".into();
        i.closed_at = Some("2026-11-22T10:00:00Z".into());
    }
    fn set_body(&self, n: u64, body: &str) {
        let mut st = self.state();
        let i = st.project_mut("acme/svc").issue_mut(n).unwrap();
        i.description = Some(body.into());
    }
    fn seed_issue(&self, title: &str, body: &str, labels: &[&str]) -> u64 {
        self.state()
            .seed_issue("acme/svc", title, body, labels, "opened")
    }
}

/// The tool's reminder comments on issue `n`.
fn reminders<F: Chase>(f: &F, n: u64) -> Vec<String> {
    f.comments(n)
        .into_iter()
        .filter(|c| c.contains("<!-- postmortem-tracker: reminder date="))
        .collect()
}

/// The tool's item issues (the digest left out): (number, open, labels).
fn item_issues<F: Chase>(f: &F) -> Vec<(u64, bool, Vec<String>)> {
    f.issues()
        .into_iter()
        .filter(|(_, _, _, body, _)| body.contains("<!-- postmortem-tracker: key="))
        .map(|(n, open, _, _, labels)| (n, open, labels))
        .collect()
}

/// The digest issues: (number, open, body).
fn digests<F: Chase>(f: &F) -> Vec<(u64, bool, String)> {
    f.issues()
        .into_iter()
        .filter(|(_, _, _, body, _)| body.contains("<!-- postmortem-tracker: digest -->"))
        .map(|(n, open, _, body, _)| (n, open, body))
        .collect()
}

/// Every file under `postmortems/`, by name, as bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir.join("postmortems"))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn followup<F: Chase>(f: &F, ws: &Path, day: &str) -> (i32, String, String) {
    bin(ws, &f.forge(), &["followup", "--today", day])
}

crate::both_forges!(sync
    the_seeds_are_chased_with_no_configuration,
    the_steady_state_is_the_listing_alone,
    issues_reminded_before_the_state_existed_are_read_once_and_never_reminded_twice,
    the_digest_is_one_issue_kept_in_place,
);

fn the_seeds_are_chased_with_no_configuration<F: Chase>() {
    let Some(ws) = crate::support::seeds_workspace() else {
        return;
    };
    let f = F::start();
    let (code, out, err) = bin(ws.path(), &f.forge(), &["sync", "--today", "2026-11-21"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let issues = item_issues(&f);
    let open: Vec<u64> = issues.iter().filter(|i| i.1).map(|i| i.0).collect();
    assert_eq!(open.len(), 24, "{issues:?}");

    // Day one: every open issue labelled overdue and reminded once.
    f.log().clear();
    let (code, out, err) = followup(&f, ws.path(), "2026-11-21");
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("24 overdue"), "{out}");
    for (n, is_open, labels) in item_issues(&f) {
        if !is_open {
            continue;
        }
        assert!(labels.iter().any(|l| l == "overdue"), "#{n}: {labels:?}");
        assert_eq!(reminders(&f, n).len(), 1, "#{n}");
    }
    let written = files(ws.path());

    // The same day again: the listing alone, nothing written anywhere.
    f.log().clear();
    let (code, out, err) = followup(&f, ws.path(), "2026-11-21");
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(f.log().count_writes(), 0, "{:#?}", f.log().all());
    assert!(
        f.log().len() <= 1 + 3,
        "one listing page and at most 3 more requests"
    );
    assert_eq!(files(ws.path()), written, "no byte changes");
    for n in &open {
        assert_eq!(reminders(&f, *n).len(), 1, "#{n}");
    }

    // Eight days later: one more reminder each.
    let (code, out, err) = followup(&f, ws.path(), "2026-11-29");
    assert_eq!(code, 0, "{out}\n{err}");
    for n in &open {
        assert_eq!(reminders(&f, *n).len(), 2, "#{n}");
        assert!(!reminders(&f, *n)[1].contains("sre-lead"));
    }
    // The escalation list is configured; one person answers on one issue.
    std::fs::write(
        ws.path().join(".postmortem-tracker.toml"),
        "[followup]\nescalation = [\"sre-lead\"]\n",
    )
    .unwrap();
    let answered = open[0];
    f.answer(answered, "Working on it, new date next week.");
    let (code, out, err) = followup(&f, ws.path(), "2026-12-07");
    assert_eq!(code, 0, "{out}\n{err}");
    for n in &open {
        let r = reminders(&f, *n);
        assert_eq!(r.len(), 3, "#{n}");
        if *n == answered {
            assert!(!r[2].contains("@sre-lead"), "#{n} was answered: {}", r[2]);
        } else {
            assert!(
                r[2].contains("Escalated to @sre-lead: 2 reminders"),
                "#{n}: {}",
                r[2]
            );
        }
    }
    // Once, not every run.
    let (code, out, err) = followup(&f, ws.path(), "2026-12-15");
    assert_eq!(code, 0, "{out}\n{err}");
    for n in &open {
        let r = reminders(&f, *n);
        assert_eq!(r.len(), 4, "#{n}");
        assert!(!r[3].contains("@sre-lead"), "#{n}: {}", r[3]);
    }
}

/// 100 postmortems of 5 items, 3 of them overdue on the day: 500 items, 300 overdue.
fn five_hundred_items(ws: &Path) {
    let dir = ws.join("postmortems");
    std::fs::create_dir_all(&dir).unwrap();
    for d in 0..100 {
        let mut text =
            format!("# Incident {d}\n\nStart: 2026-01-01 10:00 UTC\n\n## Action items\n\n");
        for i in 0..5 {
            let due = if i < 3 { "2026-01-05" } else { "2026-03-01" };
            text.push_str(&format!(
                "- [ ] Fix part {i} of service {d} @dev{} due: {due}\n",
                i % 3
            ));
        }
        std::fs::write(dir.join(format!("{d:03}.md")), text).unwrap();
    }
}

fn the_steady_state_is_the_listing_alone<F: Chase>() {
    let ws = tempfile::tempdir().unwrap();
    five_hundred_items(ws.path());
    let f = F::start();
    let (code, out, err) = bin(ws.path(), &f.forge(), &["sync", "--today", "2026-01-02"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(item_issues(&f).len(), 500);
    let (code, out, err) = followup(&f, ws.path(), "2026-01-10");
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("300 overdue") || out.contains("overdue"),
        "{out}"
    );
    let reminded = item_issues(&f)
        .iter()
        .filter(|(n, _, _)| reminders(&f, *n).len() == 1)
        .count();
    assert_eq!(reminded, 300);

    f.log().clear();
    let (code, out, err) = followup(&f, ws.path(), "2026-01-10");
    assert_eq!(code, 0, "{out}\n{err}");
    let requests = f.log().all();
    let summary: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}?{}", r.method, r.path, r.query))
        .collect();
    assert!(
        requests.len() >= 5 && requests.len() <= 8,
        "ceil(500/100) + 3 = 8 at most, made {}: {summary:#?}",
        requests.len()
    );
    assert_eq!(f.log().count_writes(), 0, "{summary:#?}");
}

/// The body without the reminder state line, as an older version left it.
fn without_state(body: &str) -> String {
    body.lines()
        .filter(|l| !l.starts_with("<!-- postmortem-tracker: reminders "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn issues_reminded_before_the_state_existed_are_read_once_and_never_reminded_twice<F: Chase>() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    std::fs::write(
        ws.path().join("postmortems/queue.md"),
        "# Queue outage\n\nStart: 2026-01-01 10:00 UTC\n\n## Action Items\n\n- [ ] Alert on queue depth due: 2026-01-05\n- [ ] Add a second consumer due: 2026-01-06\n",
    )
    .unwrap();
    let f = F::start();
    let (code, out, err) = bin(ws.path(), &f.forge(), &["sync", "--today", "2026-01-02"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, err) = followup(&f, ws.path(), "2026-01-10");
    assert_eq!(code, 0, "{out}\n{err}");
    // As an older version left them: a reminder comment, no state in the body.
    for (n, _, _, body, _) in f.issues() {
        assert_eq!(reminders(&f, n).len(), 1);
        assert!(
            body.contains("<!-- postmortem-tracker: reminders "),
            "{body}"
        );
        f.set_body(n, &without_state(&body));
    }
    // Same day: the comments are read once, nobody is reminded twice, the state is recorded.
    f.log().clear();
    let (code, out, err) = followup(&f, ws.path(), "2026-01-12");
    assert_eq!(code, 0, "{out}\n{err}");
    for (n, _, _, body, _) in f.issues() {
        assert_eq!(reminders(&f, n).len(), 1, "#{n} reminded twice");
        assert!(
            body.contains("<!-- postmortem-tracker: reminders last=2026-01-10 unanswered=1"),
            "{body}"
        );
    }
    let reads = f
        .log()
        .all()
        .iter()
        .filter(|r| {
            r.method == "GET" && (r.path.ends_with("/comments") || r.path.ends_with("/notes"))
        })
        .count();
    assert_eq!(reads, 2, "one comment read per issue, once");
    // From now on the listing is enough.
    f.log().clear();
    let (code, out, err) = followup(&f, ws.path(), "2026-01-12");
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(f.log().count_writes(), 0);
    assert!(f
        .log()
        .all()
        .iter()
        .all(|r| !r.path.ends_with("/comments") && !r.path.ends_with("/notes")));
    // The interval still counts from the first reminder: due again on the 17th.
    let (code, out, err) = followup(&f, ws.path(), "2026-01-17");
    assert_eq!(code, 0, "{out}\n{err}");
    for (n, _, _, _, _) in f.issues() {
        assert_eq!(reminders(&f, n).len(), 2, "#{n}");
    }
}

fn the_digest_is_one_issue_kept_in_place<F: Chase>() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    std::fs::write(
        ws.path().join("postmortems/queue.md"),
        "# Queue outage\n\nStart: 2026-01-01 10:00 UTC\n\n## Action Items\n\n- [ ] Alert on queue depth @ann due: 2026-01-05\n- [ ] Add a second consumer @bob due: 2026-01-12\n- [ ] Raise the partition count @ann due: 2026-01-06\n- [ ] Review retention due: 2026-03-01\n",
    )
    .unwrap();
    let config = |mode: &str| {
        std::fs::write(
            ws.path().join(".postmortem-tracker.toml"),
            format!("[followup]\nreminders = \"{mode}\"\n"),
        )
        .unwrap()
    };
    let f = F::start();
    let (code, out, err) = bin(ws.path(), &f.forge(), &["sync", "--today", "2026-01-02"]);
    assert_eq!(code, 0, "{out}\n{err}");
    // Reminders off: the labels only, no comment, no digest.
    config("off");
    let (code, out, err) = followup(&f, ws.path(), "2026-01-10");
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(digests(&f).is_empty());

    // Digest mode opens the digest; its create answers 502 after it succeeded.
    config("digest");
    f.faults()
        .on("POST", F::create_path(), Fault::ApplyThenStatus(502), 1);
    let (code, out, err) = followup(&f, ws.path(), "2026-01-10");
    assert!(code == 0, "{out}\n{err}");
    assert!(
        f.log()
            .all()
            .iter()
            .any(|r| r.method == "POST" && r.path == F::create_path() && r.status == 502),
        "the fault was met"
    );
    let d = digests(&f);
    assert_eq!(d.len(), 1, "{d:#?}");
    let (number, open, body) = d[0].clone();
    assert!(open);
    // Grouped by owner with a mention; overdue, then due soon; the undated-far item is out.
    let ann = body.find("### @ann").expect("ann's group");
    let bob = body.find("### @bob").expect("bob's group");
    assert!(ann < bob, "{body}");
    assert!(
        body[ann..bob].contains("**overdue 5 days**: Alert on queue depth"),
        "{body}"
    );
    assert!(
        body[ann..bob].contains("**overdue 4 days**: Raise the partition count"),
        "{body}"
    );
    assert!(
        body[bob..].contains("due in 2 days: Add a second consumer"),
        "{body}"
    );
    assert!(!body.contains("Review retention"), "{body}");
    assert!(
        body.starts_with("2 overdue and 1 due within 7 days"),
        "{body}"
    );
    // Digest mode: no comment on the item issues.
    for (n, _, _) in item_issues(&f) {
        assert!(reminders(&f, n).is_empty(), "#{n}");
    }

    // The same day: nothing written.
    f.log().clear();
    let (code, out, err) = followup(&f, ws.path(), "2026-01-10");
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(f.log().count_writes(), 0, "{:#?}", f.log().all());

    // Two runs raced and each opened one: the newer is closed, the older kept and updated.
    let twin = f.seed_issue("Overdue postmortem action items", &body, &["postmortem"]);
    f.log().clear();
    let (code, out, err) = followup(&f, ws.path(), "2026-01-11");
    assert_eq!(code, 0, "{out}\n{err}");
    let d = digests(&f);
    let open_digests: Vec<_> = d.iter().filter(|x| x.1).collect();
    assert_eq!(open_digests.len(), 1, "{d:#?}");
    assert_eq!(open_digests[0].0, number, "the older one is kept");
    assert!(d.iter().any(|x| x.0 == twin && !x.1));
    assert!(
        open_digests[0].2.contains("**overdue 6 days**"),
        "updated in place"
    );

    // Closed by someone while items are overdue: reopened, still one.
    f.close(number);
    let (code, out, err) = followup(&f, ws.path(), "2026-01-11");
    assert_eq!(code, 0, "{out}\n{err}");
    let d = digests(&f);
    assert_eq!(d.iter().filter(|x| x.1).count(), 1, "{d:#?}");
    assert!(d.iter().any(|x| x.0 == number && x.1), "reopened: {d:#?}");
    assert_eq!(d.len(), 2, "no third digest");
}

/// GitHub only: GitLab has no reason for closing an issue.
#[test]
fn an_issue_closed_as_not_planned_is_reported_as_such_and_never_reminded() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("postmortems")).unwrap();
    let file = ws.path().join("postmortems/queue.md");
    std::fs::write(
        &file,
        "# Queue outage\n\nStart: 2026-01-01 10:00 UTC\n\n## Action Items\n\n- [ ] Alert on queue depth due: 2026-01-05\n- [ ] Rewrite the broker due: 2026-01-05\n",
    )
    .unwrap();
    let f = FakeGitHub::start();
    let (code, out, err) = bin(ws.path(), &f.forge(), &["sync", "--today", "2026-01-02"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let dropped = f
        .issues()
        .into_iter()
        .find(|i| i.2.contains("Rewrite the broker"))
        .unwrap()
        .0;
    {
        let mut st = f.state();
        let i = st.repo_mut("acme", "svc").issue_mut(dropped).unwrap();
        i.state = "closed".into();
        i.state_reason = Some("not_planned".into());
        i.closed_at = Some("2026-01-04T10:00:00Z".into());
    }
    let (code, out, err) = bin(
        ws.path(),
        &f.forge(),
        &["followup", "--today", "2026-01-10", "--format", "json"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let items = v["documents"][0]["items"].as_array().unwrap();
    let state = |text: &str| {
        items.iter().find(|i| i["text"] == text).unwrap()["state"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(state("Rewrite the broker"), "not_planned");
    assert_eq!(state("Alert on queue depth"), "overdue");
    assert_eq!(v["totals"]["not_planned"], 1, "{out}");
    assert_eq!(v["totals"]["done"], 0, "{out}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("| Rewrite the broker") && l.ends_with("| not planned |")),
        "{text}"
    );
    assert!(
        text.contains("- [ ] Rewrite the broker"),
        "its box is not ticked: not done\n{text}"
    );
    assert!(reminders(&f, dropped).is_empty());
    let (_, out, _) = bin(
        ws.path(),
        &f.forge(),
        &["followup", "--today", "2026-01-10"],
    );
    assert!(
        out.contains("0 done, 0 open, 1 overdue, 1 not planned"),
        "{out}"
    );
    assert!(
        out.contains("not planned line 8    Rewrite the broker"),
        "{out}"
    );
}
