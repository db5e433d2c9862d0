//! The CAN report of seed 003, an incident-bridge transcript.

use std::path::PathBuf;

use chrono::NaiveTime;
use postmortem_tracker::can::{self, CanReport, Statement, Tag};
use postmortem_tracker::parse::{parse, ParseOptions};

fn seed003() -> Option<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/seeds");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: corpus not found at {}", dir.display());
        return None;
    };
    let path = entries.filter_map(|e| e.ok()).map(|e| e.path()).find(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("003_"))
    })?;
    let text = std::fs::read_to_string(&path).ok()?;
    Some((path.display().to_string(), text))
}

fn report(at: Option<&str>) -> Option<CanReport> {
    let (_, text) = seed003()?;
    // A fixed path keeps the snapshots independent of where the corpus lives.
    let pm = parse("corpus/seeds/003.txt", &text, &ParseOptions::default());
    assert_eq!(pm.timeline.len(), 21);
    let at = at.map(|a| NaiveTime::parse_from_str(a, "%H:%M:%S").unwrap());
    // As `can FILE` does: the timeline and whatever sections the document has.
    Some(can::report_document(&pm, Some(&text), at))
}

/// The statement whose text contains `needle`; fails with the list when there is none.
pub(crate) fn find<'a>(list: &'a [Statement], needle: &str) -> &'a Statement {
    list.iter()
        .find(|s| s.text.contains(needle))
        .unwrap_or_else(|| {
            let texts: Vec<&str> = list.iter().map(|s| s.text.as_str()).collect();
            panic!("no statement with {needle:?} in {texts:#?}")
        })
}

fn times(s: &Statement) -> Vec<&str> {
    s.cites.iter().filter_map(|c| c.time.as_deref()).collect()
}

fn note_times(s: &Statement, kind: &str) -> Vec<String> {
    s.notes
        .iter()
        .filter(|n| n.kind == kind)
        .filter_map(|n| n.cite.time.clone())
        .collect()
}

#[test]
fn conditions_say_what_fails_where_for_whom_since_when_and_what_recovered() {
    let Some(r) = report(None) else { return };
    let c = &r.conditions;

    let login = find(c, "not able to log in");
    assert_eq!(login.tag, Tag::Problem);
    assert_eq!(login.since.as_deref(), Some("after the software release"));
    assert_eq!(login.affected.as_deref(), Some("a couple of customers"));
    assert_eq!(times(login)[0], "04:21:43");
    assert_eq!(note_times(login, "restored"), ["06:31:05", "07:13:12"]);

    let email = find(c, "e-mail is being lost");
    assert_eq!(times(email), ["03:39:25", "07:17:00"]);
    assert_eq!(note_times(email, "restored"), ["07:17:00"]);
    let server = find(c, "only for Server 24");
    assert_eq!(server.places, ["Server 24"]);
    assert_eq!(times(server), ["03:39:25"]);

    let analytics = find(c, "E-mail test failed for Server 24 and analytics");
    assert_eq!(analytics.tag, Tag::Problem);
    assert_eq!(times(analytics)[0], "04:09:14");
    assert_eq!(note_times(analytics, "restored"), ["06:29:41", "07:17:00"]);

    let msdc = find(c, "Main Street Datacenter");
    assert_eq!(msdc.places, ["Main Street Datacenter (MSDC)"]);
    assert_eq!(msdc.since.as_deref(), Some("about 06:20"));
    assert_eq!(times(msdc), ["04:19:20"]);
    assert!(
        msdc.notes.is_empty(),
        "nothing says the MSDC issues are over"
    );

    let cases = find(c, "seven cases");
    assert_eq!(cases.affected.as_deref(), Some("seven cases"));
    assert_eq!(times(cases)[0], "05:15:52");

    let suspected = find(c, "metadata issue");
    assert_eq!(suspected.tag, Tag::SuspectedCause);
    assert_eq!(note_times(suspected, "confirmed"), ["04:21:43"]);

    // Service restored, each report with its time.
    for (needle, time) in [
        ("analytics look good", "06:29:41"),
        (
            "checked with a customer and they are able to log in",
            "06:31:05",
        ),
        ("e-mail is working again", "07:17:00"),
    ] {
        let s = find(c, needle);
        assert_eq!(s.tag, Tag::Restored, "{needle}");
        assert_eq!(times(s), [time], "{needle}");
    }
    // Still open at the end: the chat window, one issue at Acme, the MSDC.
    assert_eq!(find(c, "chat window").tag, Tag::Problem);
    assert_eq!(r.problems_open, 5);
}

#[test]
fn actions_say_what_was_done_when_and_by_whom() {
    let Some(r) = report(None) else { return };
    let a = &r.actions;

    let disable = find(a, "suggests disabling incoming e-mail");
    assert_eq!(
        (disable.tag, times(disable)),
        (Tag::Proposed, vec!["03:39:25"])
    );
    assert_eq!(find(a, "“Disable it").tag, Tag::Decided);

    let contacted = find(a, "executive has been contacted");
    assert_eq!(contacted.tag, Tag::Done);
    assert_eq!(contacted.who.as_deref(), Some("Pete"));
    assert_eq!(times(contacted), ["04:19:20"]);

    assert_eq!(times(find(a, "wants to rerun the script")), ["04:29:22"]);
    assert_eq!(times(find(a, "we should run it again")), ["05:08:05"]);
    let forward = find(a, "Let’s move forward");
    assert_eq!(
        (forward.tag, times(forward)),
        (Tag::Decided, vec!["05:49:45"])
    );

    let flush = find(a, "asks another SME to take care of it");
    assert_eq!(flush.tag, Tag::Assigned);
    assert_eq!(flush.who.as_deref(), Some("Pete"));
    assert!(flush.notes[0].text.contains("flushing the queue"));
    assert_eq!(times(flush), ["07:02:26"]);

    let customers = find(a, "checked with a customer");
    assert_eq!(
        (customers.tag, customers.who.as_deref()),
        (Tag::Done, Some("Customer Service"))
    );
    assert_eq!(find(a, "checking with more customers").tag, Tag::InProgress);
}

#[test]
fn needs_are_what_is_still_open_at_the_end() {
    let Some(r) = report(None) else { return };
    let n = &r.needs;
    let joe = find(n, "Joe said he needs to check Server 28");
    assert_eq!(
        (joe.owner.as_deref(), times(joe)),
        (Some("Joe"), vec!["03:39:25"])
    );
    let db = find(n, "confusion as to who is going to handle database issues");
    assert_eq!((db.tag, times(db)), (Tag::Unowned, vec!["04:19:20"]));
    let rca = find(n, "documented for the root cause analysis");
    assert_eq!(
        (rca.tag, times(rca), rca.owner.clone()),
        (Tag::Required, vec!["07:02:26"], None)
    );
    assert_eq!(
        times(find(n, "still looking at what caused it")),
        ["05:44:23"]
    );
    assert_eq!(times(find(n, "SMEs are still investigating")), ["07:13:12"]);
    // Settled later, so not needs at the end: the decision (05:49:45), the script check
    // (05:08:05), the help with the queue (assigned), the questions (answered).
    for settled in [
        "if they want the group to focus",
        "confirm that the script was correct",
        "help in flushing the queue",
        "How long are we going to investigate",
        "who is running this bridge",
    ] {
        assert!(!n.iter().any(|s| s.text.contains(settled)), "{settled}");
    }
    assert_eq!(n.len(), 5, "{n:#?}");
}

#[test]
fn participants_roles_and_duration() {
    let Some(r) = report(None) else { return };
    let role = |name: &str| {
        r.participants
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no {name} in {:?}", r.participants))
            .role
            .clone()
    };
    assert_eq!(role("Pete").as_deref(), Some("leader"));
    assert_eq!(role("Paul").as_deref(), Some("executive"));
    assert_eq!(
        role("Customer Service").as_deref(),
        Some("customer service")
    );
    assert_eq!(role("SMEs").as_deref(), Some("subject-matter experts"));
    assert_eq!(role("a second executive").as_deref(), Some("executive"));
    assert_eq!(role("Joe"), None);
    assert_eq!(r.start.as_deref(), Some("03:39:25"));
    assert_eq!(r.end.as_deref(), Some("07:50:00"));
    assert_eq!(r.duration_minutes, Some(250));
    assert!(r.ended);
}

#[test]
fn as_of_five_leaves_out_everything_later() {
    let Some(r) = report(Some("05:00:00")) else {
        return;
    };
    assert_eq!((r.entries_used, r.as_of.as_deref()), (7, Some("05:00:00")));
    let json = serde_json::to_value(&r).unwrap();
    let mut cited = Vec::new();
    collect_times(&json, &mut cited);
    assert!(!cited.is_empty());
    assert!(cited.iter().all(|t| t.as_str() <= "05:00:00"), "{cited:?}");
    // What a commander sees at 05:00: the decision asked for and not given, the script not
    // yet confirmed, nobody owning the database issues; nothing restored yet.
    let decision = find(&r.needs, "if they want the group to focus");
    assert_eq!(decision.tag, Tag::Decision);
    assert_eq!(note_times(decision, "no answer"), ["04:58:41"]);
    assert_eq!(
        times(find(&r.needs, "confirm that the script was correct")),
        ["04:29:22"]
    );
    find(&r.needs, "confusion as to who");
    assert!(r
        .conditions
        .iter()
        .all(|c| c.notes.iter().all(|n| n.kind != "restored")));
    assert!(!r.ended);
    assert_eq!(r.duration_minutes, Some(80));
    // Pete's role is only said at 06:37:25.
    assert_eq!(
        r.participants
            .iter()
            .find(|p| p.name == "Pete")
            .unwrap()
            .role,
        None
    );
}

fn collect_times(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                if k == "time" {
                    if let Some(t) = v.as_str() {
                        out.push(t.to_string());
                    }
                }
                collect_times(v, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| collect_times(v, out)),
        _ => {}
    }
}

/// The report's shape: each statement's section, tag, citations and first words. The corpus
/// stays out of the repository, so the snapshot keeps only the first words of each sentence.
fn skeleton(r: &CanReport) -> String {
    let mut out = format!(
        "as_of={:?} start={:?} end={:?} minutes={:?} ended={} entries={}/{}\n",
        r.as_of, r.start, r.end, r.duration_minutes, r.ended, r.entries_used, r.entries_total
    );
    for p in &r.participants {
        out.push_str(&format!(
            "participant {} ({:?}) {:?}\n",
            p.name,
            p.role,
            p.cites
                .iter()
                .map(|c| c.time.clone().unwrap_or_default())
                .collect::<Vec<_>>()
        ));
    }
    let words = |t: &str| t.split_whitespace().take(5).collect::<Vec<_>>().join(" ");
    for (section, list) in [("C", &r.conditions), ("A", &r.actions), ("N", &r.needs)] {
        for s in list {
            out.push_str(&format!(
                "{section} {:?} [{}] {}…{}{}{}{}\n",
                s.tag,
                times(s).join(", "),
                words(&s.text),
                if s.places.is_empty() {
                    String::new()
                } else {
                    format!(" where={:?}", s.places)
                },
                s.affected
                    .as_ref()
                    .map(|a| format!(" affected={a:?}"))
                    .unwrap_or_default(),
                s.since
                    .as_ref()
                    .map(|a| format!(" since={a:?}"))
                    .unwrap_or_default(),
                s.owner
                    .as_ref()
                    .map(|a| format!(" owner={a:?}"))
                    .unwrap_or_default(),
            ));
            for n in &s.notes {
                out.push_str(&format!(
                    "    {} [{}] {}…\n",
                    n.kind,
                    n.cite.time.clone().unwrap_or_default(),
                    words(&n.text)
                ));
            }
        }
    }
    out
}

#[test]
fn snapshots() {
    let Some(full) = report(None) else { return };
    insta::assert_snapshot!("seed003_can", skeleton(&full));
    let Some(early) = report(Some("05:00:00")) else {
        return;
    };
    insta::assert_snapshot!("seed003_can_at_0500", skeleton(&early));
}

#[test]
fn the_markdown_cites_every_line() {
    let engine = postmortem_tracker::render::Engine::new(None).unwrap();
    let Some(r) = report(None) else { return };
    let md = engine.render("can_report", &r).unwrap();
    for line in md
        .lines()
        .filter(|l| l.starts_with("- **") || l.starts_with("  - "))
    {
        assert!(
            line.ends_with(']') && line.contains(" ["),
            "uncited: {line}"
        );
    }
    assert!(md.contains("## Conditions") && md.contains("## Actions") && md.contains("## Needs"));
}
