use super::extract::*;
use super::input::*;
use super::sentences::*;
use super::*;
use crate::model::Timestamp;

#[test]
fn sentences_keep_quotations_whole() {
    let s = split_sentences(
        "Paul directs the group to “not do it. This will hurt.” Many want more. Pete says, “Go.” Done",
    );
    assert_eq!(
        s,
        vec![
            "Paul directs the group to “not do it. This will hurt.”",
            "Many want more.",
            "Pete says, “Go.”",
            "Done"
        ]
    );
}

#[test]
fn speakers() {
    assert_eq!(speaker("Pete reports that x").as_deref(), Some("Pete"));
    assert_eq!(
        speaker("One of the SMEs suggests x").as_deref(),
        Some("an SME")
    );
    assert_eq!(
        speaker("After several minutes, the Executive says, “Go.”").as_deref(),
        Some("the Executive")
    );
    assert_eq!(speaker("E-mail test failed for Server 24."), None);
}

#[test]
fn extraction() {
    assert_eq!(
        places("Pete reports there are some issues in the Main Street Datacenter (MSDC), which started about 06:20."),
        vec!["Main Street Datacenter (MSDC)"]
    );
    assert_eq!(
        places("E-mail test failed for Server 24 and analytics."),
        vec!["Server 24"]
    );
    assert_eq!(
        affected(&normalise("there are seven cases now")).as_deref(),
        Some("seven cases")
    );
    assert_eq!(
        affected(&normalise("there are a couple of customers that")).as_deref(),
        Some("a couple of customers")
    );
    assert_eq!(
        affected(&normalise("affecting 61% of our users")).as_deref(),
        Some("61% of our users")
    );
    let t = "there are some issues, which started about 06:20.";
    assert_eq!(since(t, &normalise(t)).as_deref(), Some("about 06:20"));
    let t = "“After the software release, there are customers”";
    assert_eq!(
        since(t, &normalise(t)).as_deref(),
        Some("after the software release")
    );
}

#[test]
fn an_ordinary_postmortem_reads_sections_timeline_and_open_items() {
    use crate::model::{ActionItem, Incident, ItemKind, Section, SectionKind};
    let text = "\
Impact
Checkout was down and 40% of users could not pay.
Timeline
10:00 - Alerts fired on checkout errors.
10:20 - We rolled back the release.
10:45 - Checkout is working again.
Root Cause
A bad cache key in release 7.1.
Resolution
The release was rolled back and the cache flushed.
Action Items
- Add a canary stage
";
    let t = |h, m| {
        Some(Timestamp {
            date: None,
            time: NaiveTime::from_hms_opt(h, m, 0),
            offset: None,
        })
    };
    let entry = |time, text: &str, line| TimelineEntry {
        time,
        text: text.into(),
        line,
    };
    let section = |kind, heading: &str, line| Section {
        kind,
        heading: heading.into(),
        line,
    };
    let pm = Postmortem {
        path: "pm.md".into(),
        id: "pm.md".into(),
        title: None,
        front_matter: None,
        incident: Incident::default(),
        sections: vec![
            section(SectionKind::Impact, "Impact", 1),
            section(SectionKind::Timeline, "Timeline", 3),
            section(SectionKind::RootCause, "Root Cause", 7),
            section(SectionKind::Resolution, "Resolution", 9),
            section(SectionKind::Tasks, "Action Items", 11),
        ],
        actions: vec![ActionItem {
            text: "Add a canary stage".into(),
            detail: None,
            group: None,
            kind: ItemKind::Task,
            owner: None,
            due: None,
            priority: None,
            issue: None,
            done: false,
            not_planned: false,
            checkbox: false,
            line: 12,
        }],
        timeline: vec![
            entry(t(10, 0), "Alerts fired on checkout errors.", 4),
            entry(t(10, 20), "We rolled back the release.", 5),
            entry(t(10, 45), "Checkout is working again.", 6),
        ],
        diagnostics: vec![],
    };
    let r = report_document(&pm, Some(text), None);
    let impact = &r.conditions[0];
    assert_eq!((impact.tag, impact.cites[0].line), (Tag::Problem, 2));
    assert_eq!(impact.affected.as_deref(), Some("40% of users"));
    assert_eq!(impact.notes[0].cite.time.as_deref(), Some("10:45:00"));
    let cause = r.conditions.iter().find(|c| c.tag == Tag::Cause).unwrap();
    assert_eq!(cause.cites[0].line, 8);
    let rollback = r
        .actions
        .iter()
        .find(|a| a.text.contains("We rolled back"))
        .unwrap();
    assert_eq!(rollback.tag, Tag::Done);
    assert!(r
        .actions
        .iter()
        .any(|a| a.cites[0].line == 10 && a.tag == Tag::Done));
    let item = &r.needs[0];
    assert_eq!((item.tag, item.cites[0].line), (Tag::OpenItem, 12));
    assert_eq!(r.duration_minutes, Some(45));
    // As of 10:30 the sections and items (undated) are left out, and so is the recovery.
    let early = report_document(&pm, Some(text), NaiveTime::from_hms_opt(10, 30, 0));
    assert!(early.needs.is_empty());
    assert_eq!(early.conditions.len(), 1);
    assert_eq!(
        early.conditions[0].cites[0].time.as_deref(),
        Some("10:00:00")
    );
}

#[test]
fn a_huge_or_odd_timeline_neither_panics_nor_crawls() {
    let texts = [
        "We need to check the queue. Who owns it? No answer.",
        "E-mail failed on Server 1 “unclosed quote. And more? Yes!",
        "",
        "....???!!! “”\"\" @everyone --> |",
        "Pete asks if they want A or B. The Executive says, “Let’s move forward.”",
        "Email is working again.",
    ];
    let timeline: Vec<TimelineEntry> = (0..20_000)
        .map(|i| TimelineEntry {
            time: Some(Timestamp {
                date: None,
                time: NaiveTime::from_num_seconds_from_midnight_opt((i * 7 % 86_400) as u32, 0),
                offset: None,
            }),
            text: texts[i % texts.len()].repeat(1 + i % 3),
            line: i + 1,
        })
        .collect();
    let pm = Postmortem {
        path: "big.md".into(),
        id: "big.md".into(),
        title: None,
        front_matter: None,
        incident: Default::default(),
        sections: vec![],
        actions: vec![],
        timeline,
        diagnostics: vec![],
    };
    let started = std::time::Instant::now();
    let r = report(&pm, None);
    assert!(!r.conditions.is_empty() && !r.needs.is_empty());
    let r = report(&pm, NaiveTime::from_hms_opt(0, 0, 30));
    assert_eq!(r.entries_used, 5);
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
}

#[test]
fn cut_counts_across_midnight() {
    let e = |h, m| TimelineEntry {
        time: Some(Timestamp {
            date: None,
            time: NaiveTime::from_hms_opt(h, m, 0),
            offset: None,
        }),
        text: String::new(),
        line: 1,
    };
    let tl = vec![e(23, 0), e(23, 30), e(0, 15), e(1, 0)];
    assert_eq!(cut_timeline(&tl, NaiveTime::from_hms_opt(0, 20, 0)), 3);
    assert_eq!(cut_timeline(&tl, NaiveTime::from_hms_opt(23, 10, 0)), 1);
    assert_eq!(cut_timeline(&tl, None), 4);
    // Within one day, a moment before the first entry is before the incident.
    let day = vec![e(9, 0), e(9, 30)];
    assert_eq!(cut_timeline(&day, NaiveTime::from_hms_opt(8, 0, 0)), 0);
    assert_eq!(cut_timeline(&day, NaiveTime::from_hms_opt(9, 0, 0)), 1);
}

#[test]
fn a_hard_wrapped_sentence_is_one_statement() {
    let text = "# Outage\n\n## Root Cause\n\nThe primary database had no free disk. Its WAL archive directory shares a volume\nwith the data directory, so the archive filled it.\n\n- A second cause that is\n  wrapped too.\n- Third.\n";
    let pm = crate::parse::parse("pm.md", text, &Default::default());
    let r = report_document(&pm, Some(text), None);
    let causes: Vec<(&str, usize)> = r
        .conditions
        .iter()
        .filter(|c| c.tag == Tag::Cause)
        .map(|c| (c.text.as_str(), c.cites[0].line))
        .collect();
    assert_eq!(
        causes,
        [
            ("The primary database had no free disk.", 5),
            ("Its WAL archive directory shares a volume with the data directory, so the archive filled it.", 5),
            ("A second cause that is wrapped too.", 8),
            ("Third.", 10),
        ]
    );
}
