//! The plan: what a sync would do, reconciled from the parsed postmortems and the tracker's
//! listing of the tool's own issues. A pure function: no I/O, no clock (`today` comes in).

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use crate::due::{DocFacts, Policy, PolicyDue};
use crate::identity::{self, ItemKey, Keyed};
use crate::model::{ActionItem, IssueRef, Postmortem};

/// An issue of the tool, as the tracker listing shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TrackedIssue {
    /// GitHub issue number, GitLab iid.
    pub number: u64,
    /// Its web address.
    pub url: String,
    pub title: String,
    pub open: bool,
    /// The item key from the hidden marker, when the body has one.
    pub key: Option<ItemKey>,
    /// The postmortem path from the hidden marker.
    pub path: Option<String>,
    /// Closed by the tool as the duplicate of an older issue: never adopted again.
    pub duplicate: bool,
    /// The first assignee's login (GitHub) or username (GitLab).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// GitLab's `due_date`; on GitHub, the `Due` row of the body the tool wrote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    /// The due date of the issue's milestone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone_due: Option<NaiveDate>,
    /// The issue's labels.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// The day (UTC) the issue was closed, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<NaiveDate>,
    /// Closed as not planned (GitHub's `state_reason`): reported as such, not as done.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_planned: bool,
    /// The day (UTC) the issue was opened: the day the tool first tracked its item.
    #[serde(skip)]
    pub created_on: Option<NaiveDate>,
    /// How many comments people and the tool wrote on it (the listing says, no extra read):
    /// the follow-up sees a reminder answered when the count grows.
    #[serde(skip)]
    pub comments: u64,
    /// The body as listed, so the follow-up can update the tool's markers in it in place.
    #[serde(skip)]
    pub body: Option<String>,
}

impl TrackedIssue {
    /// `#12`: how the issue is written next to an item.
    pub fn reference(&self) -> String {
        format!("#{}", self.number)
    }
}

/// An issue as the plan names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueSummary {
    pub number: Option<u64>,
    /// `#12`, or what the file says (`Bug 1234`, an URL).
    pub reference: String,
    pub url: Option<String>,
    pub open: Option<bool>,
}

impl IssueSummary {
    fn of(t: &TrackedIssue) -> Self {
        IssueSummary {
            number: Some(t.number),
            reference: t.reference(),
            url: Some(t.url.clone()),
            open: Some(t.open),
        }
    }
}

/// Why an existing issue is taken for an item instead of opening one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdoptBy {
    /// The tracker has an issue whose marker carries the item's key (a run that created it
    /// did not get to write the link back, or another checkout did).
    Key,
    /// The file names an issue that is not one of the tool's (written by a person).
    FileReference,
}

/// What happens to one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Open an issue.
    Create,
    /// Take an existing issue. `Key` adoptions get their link written into the file.
    Adopt { by: AdoptBy, issue: IssueSummary },
    /// Already tracked: the file links one of the tool's issues. Nothing to do.
    Unchanged { issue: IssueSummary },
}

/// One item and its action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedItem {
    /// Index of the postmortem in the input.
    #[serde(skip)]
    pub doc: usize,
    /// Index of the item in the postmortem's `actions`.
    #[serde(skip)]
    pub item: usize,
    pub path: String,
    pub key: ItemKey,
    pub line: usize,
    pub text: String,
    /// The item's due date, else the one the due-date policy gives it.
    pub due: Option<NaiveDate>,
    /// How the policy set `due`, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_policy: Option<PolicyDue>,
    /// The postmortem already settles the item: the sync closes its new issue as soon as it
    /// opens it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settled: Option<Settled>,
    #[serde(flatten)]
    pub action: Action,
}

/// How a postmortem settles an item before it has an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Settled {
    /// Finished: a ticked box, a Done status.
    Done,
    /// Dropped: `Won't do`, `Cancelled`.
    NotPlanned,
}

impl Settled {
    /// What `item` says of its end, if anything.
    pub fn of(item: &ActionItem) -> Option<Settled> {
        if item.done {
            Some(Settled::Done)
        } else if item.not_planned {
            Some(Settled::NotPlanned)
        } else {
            None
        }
    }

    /// `done`, `not planned`.
    pub fn words(self) -> &'static str {
        match self {
            Settled::Done => "done",
            Settled::NotPlanned => "not planned",
        }
    }
}

/// A tool issue whose item is no longer in its postmortem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removed {
    pub path: String,
    pub key: ItemKey,
    pub issue: IssueSummary,
}

/// Two or more issues for one key (two runs raced): all but the oldest are closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    pub key: ItemKey,
    pub keep: u64,
    pub close: u64,
}

/// The plan for a set of postmortems.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Every item of every postmortem, exactly once, in document order.
    pub items: Vec<PlannedItem>,
    pub removed: Vec<Removed>,
    pub duplicates: Vec<Duplicate>,
}

impl Plan {
    /// Items to create.
    pub fn creates(&self) -> impl Iterator<Item = &PlannedItem> {
        self.items.iter().filter(|i| i.action == Action::Create)
    }

    /// How many items have each action: (create, adopt, unchanged).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for i in &self.items {
            match i.action {
                Action::Create => c.0 += 1,
                Action::Adopt { .. } => c.1 += 1,
                Action::Unchanged { .. } => c.2 += 1,
            }
        }
        c
    }
}

/// What the plan may be told beyond documents and tracker state.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// The tracked repository (`owner/name`, `group/project`), to recognise
    /// `owner/name#12` references as the tool's own issues.
    pub repo: Option<String>,
    /// The due-date policy for items that name no date.
    pub due: Policy,
    /// The day of the run: for a postmortem that states no date, the policy counts from the day
    /// an item was first tracked, which for an item still to be created is this day.
    pub today: Option<NaiveDate>,
}

/// Reconciles `docs` with `state` (the tool's issues, from one listing).
pub fn plan(docs: &[Postmortem], state: &[TrackedIssue], options: &PlanOptions) -> Plan {
    // Key → the tool's live issues for it, oldest first.
    let mut by_key: HashMap<&ItemKey, Vec<&TrackedIssue>> = HashMap::new();
    for t in state.iter().filter(|t| !t.duplicate) {
        if let Some(k) = t.key.as_ref() {
            by_key.entry(k).or_default().push(t);
        }
    }
    for v in by_key.values_mut() {
        v.sort_by_key(|t| t.number);
        // A listing taken while issues are being created can show one issue on two pages.
        v.dedup_by_key(|t| t.number);
    }
    let mut duplicates = Vec::new();
    for (key, issues) in &by_key {
        for extra in issues.iter().skip(1).filter(|t| t.open) {
            duplicates.push(Duplicate {
                key: (*key).clone(),
                keep: issues[0].number,
                close: extra.number,
            });
        }
    }
    duplicates.sort_by_key(|d| d.close);

    let mut items = Vec::new();
    let mut planned_keys: BTreeSet<&ItemKey> = BTreeSet::new();
    let mut referenced: BTreeSet<u64> = BTreeSet::new();
    let keyed: Vec<Keyed> = docs.iter().map(Keyed::of).collect();
    for (d, keyed) in keyed.iter().enumerate() {
        let doc = keyed.doc();
        let facts = DocFacts::of(doc);
        for identity::KeyedItem {
            index: i,
            key,
            item,
        } in keyed.items()
        {
            // The same postmortem id in two files: the second copy of an item is the same item.
            if !planned_keys.insert(key) {
                continue;
            }
            let action = match &item.issue {
                Some(r) => match state.iter().find(|t| refers_to(r, t, options)) {
                    Some(t) => {
                        referenced.insert(t.number);
                        Action::Unchanged {
                            issue: IssueSummary::of(t),
                        }
                    }
                    None => Action::Adopt {
                        by: AdoptBy::FileReference,
                        issue: IssueSummary {
                            number: match r {
                                IssueRef::Local(n) => Some(*n),
                                _ => None,
                            },
                            reference: r.to_string(),
                            url: match r {
                                IssueRef::Url(u) => Some(u.clone()),
                                _ => None,
                            },
                            open: None,
                        },
                    },
                },
                None => match by_key.get(key).and_then(|v| v.first()) {
                    Some(t) => Action::Adopt {
                        by: AdoptBy::Key,
                        issue: IssueSummary::of(t),
                    },
                    None => Action::Create,
                },
            };
            // Undated postmortems count from the day the item was first tracked: its issue's
            // opening day, or today for an item the run would create.
            let tracked_on = match &action {
                Action::Create => options.today,
                Action::Adopt { issue, .. } | Action::Unchanged { issue } => state
                    .iter()
                    .find(|t| Some(t.number) == issue.number)
                    .and_then(|t| t.created_on),
            };
            let due_policy = match item.due {
                Some(_) => None,
                None => options.due.due(item, &facts.or_tracked(tracked_on)),
            };
            let due = item.due.or(due_policy.as_ref().map(|p| p.date));
            items.push(PlannedItem {
                doc: d,
                item: i,
                path: doc.path.clone(),
                key: key.clone(),
                line: item.line,
                text: item.text.clone(),
                due,
                due_policy,
                settled: Settled::of(item),
                action,
            });
        }
    }

    let paths: BTreeSet<&str> = docs.iter().map(|d| d.path.as_str()).collect();
    let mut removed: Vec<Removed> = Vec::new();
    for (key, issues) in &by_key {
        let t = issues[0];
        let Some(path) = t.path.as_deref() else {
            continue;
        };
        if paths.contains(path) && !planned_keys.contains(*key) && !referenced.contains(&t.number) {
            removed.push(Removed {
                path: path.to_string(),
                key: (*key).clone(),
                issue: IssueSummary::of(t),
            });
        }
    }
    removed.sort_by(|a, b| (&a.path, a.issue.number).cmp(&(&b.path, b.issue.number)));
    Plan {
        items,
        removed,
        duplicates,
    }
}

/// Whether a reference written in a file names this tracked issue.
pub fn refers_to(r: &IssueRef, t: &TrackedIssue, options: &PlanOptions) -> bool {
    match r {
        IssueRef::Local(n) => *n == t.number,
        IssueRef::Url(u) => u.trim_end_matches('/') == t.url.trim_end_matches('/'),
        IssueRef::Project { project, number } => {
            *number == t.number
                && options
                    .repo
                    .as_deref()
                    .is_some_and(|repo| repo.eq_ignore_ascii_case(project))
        }
        IssueRef::External(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;
    use proptest::prelude::*;

    fn doc(path: &str, items: &[&str]) -> Postmortem {
        let mut text = String::from("# Outage\n\n## Action items\n\n");
        for i in items {
            text.push_str(&format!("- {i}\n"));
        }
        parse(path, &text, &Default::default())
    }

    fn tracked(number: u64, key: &ItemKey, path: &str) -> TrackedIssue {
        TrackedIssue {
            number,
            url: format!("https://github.com/acme/svc/issues/{number}"),
            title: format!("issue {number}"),
            open: true,
            key: Some(key.clone()),
            path: Some(path.into()),
            duplicate: false,
            ..TrackedIssue::default()
        }
    }

    #[test]
    fn create_adopt_unchanged_and_removed() {
        let d = doc(
            "pm.md",
            &[
                "Add an alert",
                "Rotate the keys",
                "Write a runbook (#7)",
                "Fix the cron job ([#9](https://github.com/acme/svc/issues/9))",
            ],
        );
        let k = identity::item_keys(&d);
        let state = vec![
            tracked(3, &k[1], "pm.md"),
            tracked(9, &k[3], "pm.md"),
            tracked(4, &ItemKey::new("gone0000gone0000"), "pm.md"),
            tracked(5, &ItemKey::new("otherfile0000000"), "other.md"),
        ];
        let p = plan(&[d], &state, &PlanOptions::default());
        assert_eq!(p.items.len(), 4);
        assert_eq!(p.items[0].action, Action::Create);
        assert!(matches!(
            &p.items[1].action,
            Action::Adopt { by: AdoptBy::Key, issue } if issue.number == Some(3)
        ));
        assert!(matches!(
            &p.items[2].action,
            Action::Adopt { by: AdoptBy::FileReference, issue } if issue.reference == "#7"
        ));
        assert!(matches!(
            &p.items[3].action,
            Action::Unchanged { issue } if issue.number == Some(9)
        ));
        assert_eq!(p.removed.len(), 1, "other.md was not part of this run");
        assert_eq!(p.removed[0].issue.number, Some(4));
        assert_eq!(p.counts(), (1, 2, 1));
        assert!(p.duplicates.is_empty());
    }

    #[test]
    fn duplicates_keep_the_oldest_and_closed_duplicates_are_ignored() {
        let d = doc("pm.md", &["Add an alert"]);
        let k = identity::item_keys(&d);
        let mut closed_dup = tracked(2, &k[0], "pm.md");
        closed_dup.open = false;
        closed_dup.duplicate = true;
        let state = vec![
            tracked(8, &k[0], "pm.md"),
            closed_dup,
            tracked(5, &k[0], "pm.md"),
        ];
        let p = plan(&[d], &state, &PlanOptions::default());
        assert!(matches!(
            &p.items[0].action,
            Action::Adopt { issue, .. } if issue.number == Some(5)
        ));
        assert_eq!(
            p.duplicates,
            vec![Duplicate {
                key: k[0].clone(),
                keep: 5,
                close: 8
            }]
        );
    }

    #[test]
    fn an_undated_postmortem_counts_from_the_day_first_tracked() {
        let text = "# Outage\n\n## Action items\n\n- [ ] Add an alert\n- [ ] Rotate keys\n";
        let d = parse("pm.md", text, &Default::default());
        let keys: Vec<ItemKey> = Keyed::of(&d).items().map(|i| i.key.clone()).collect();
        // The second item has an issue opened on 2026-10-01; the first would be created today.
        let mut t = tracked(7, &keys[1], "pm.md");
        t.created_on = NaiveDate::from_ymd_opt(2026, 10, 1);
        let options = PlanOptions {
            today: NaiveDate::from_ymd_opt(2026, 11, 21),
            ..Default::default()
        };
        let p = plan(std::slice::from_ref(&d), &[t], &options);
        let policy = |i: usize| {
            p.items[i]
                .due_policy
                .as_ref()
                .expect("a policy date")
                .clone()
        };
        assert_eq!(
            policy(0).date,
            NaiveDate::from_ymd_opt(2026, 11, 21).unwrap() + chrono::Duration::days(policy(0).days)
        );
        assert_eq!(
            policy(1).date,
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() + chrono::Duration::days(policy(1).days)
        );
        assert!(
            policy(1).to_string().contains("first tracked"),
            "{}",
            policy(1)
        );
        // Without the day of the run (a plan that is not a run), nothing is invented.
        let p = plan(std::slice::from_ref(&d), &[], &PlanOptions::default());
        assert_eq!(p.items[0].due_policy, None);
    }

    #[test]
    fn project_references_and_policy_due_dates() {
        let text = "---\ndate: 2026-01-10\n---\n# Outage\n\n## Action items\n\n- Add an alert (acme/svc#3)\n- Rotate keys due 2026-05-01\n- [ ] Rotate keys again\n";
        let d = parse("pm.md", text, &Default::default());
        let state = vec![tracked(3, &ItemKey::new("unrelated0000000"), "pm.md")];
        let options = PlanOptions {
            repo: Some("acme/svc".into()),
            ..Default::default()
        };
        let p = plan(std::slice::from_ref(&d), &state, &options);
        assert!(matches!(p.items[0].action, Action::Unchanged { .. }));
        assert!(p.removed.is_empty(), "a referenced issue is not removed");
        // A date in the document wins; an item without one gets the policy's, counted from
        // the front matter's date, with its reason.
        assert_eq!(p.items[1].due, NaiveDate::from_ymd_opt(2026, 5, 1));
        assert_eq!(p.items[1].due_policy, None);
        let policy = p.items[2].due_policy.as_ref().expect("a policy date");
        assert_eq!(
            Some(policy.date),
            NaiveDate::from_ymd_opt(2026, 1, 10).map(|b| b + chrono::Duration::days(policy.days))
        );
        assert_eq!(p.items[2].due, Some(policy.date));
        // The front matter's date is the incident's when the text names no other.
        assert_eq!(
            policy.to_string(),
            format!("policy: {} days after the incident", policy.days)
        );
        let off = PlanOptions {
            due: Policy::off(),
            ..options
        };
        assert_eq!(plan(&[d], &state, &off).items[2].due, None);
    }

    /// Docs (items as word index and optional `#ref`) and tracked issues (number, word, open).
    type Case = (Vec<Vec<(usize, Option<u64>)>>, Vec<(u64, usize, bool)>);

    fn arb_case() -> impl Strategy<Value = Case> {
        // Docs of items (word index from a small vocabulary, so texts repeat; optional #ref),
        // and tracked issues (number, vocabulary index of their key's text, open).
        let item = (0usize..6, proptest::option::of(1u64..12));
        let docs = proptest::collection::vec(proptest::collection::vec(item, 0..6), 1..4);
        let issues = proptest::collection::vec((1u64..12, 0usize..6, any::<bool>()), 0..10);
        (docs, issues)
    }

    const WORDS: [&str; 6] = [
        "Add an alert",
        "Rotate keys",
        "Write a runbook",
        "Fix cron",
        "Patch the kernel",
        "Train the team",
    ];

    proptest! {
        #[test]
        fn every_item_once_and_no_key_twice((docs, issues) in arb_case()) {
            let docs: Vec<Postmortem> = docs.iter().enumerate().map(|(n, items)| {
                let texts: Vec<String> = items.iter().map(|(w, r)| match r {
                    Some(r) => format!("{} (#{r})", WORDS[*w]),
                    None => WORDS[*w].to_string(),
                }).collect();
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                doc(&format!("pm{}.md", n % 2), &refs)
            }).collect();
            let mut seen = BTreeSet::new();
            let state: Vec<TrackedIssue> = issues.iter()
                .filter(|(n, ..)| seen.insert(*n))
                .map(|(n, w, open)| {
                    let mut t = tracked(*n, &identity::item_key("pm0.md", WORDS[*w]), "pm0.md");
                    t.open = *open;
                    t
                }).collect();
            let p = plan(&docs, &state, &PlanOptions::default());
            let keys: BTreeSet<&str> = p.items.iter().map(|i| i.key.as_str()).collect();
            prop_assert_eq!(keys.len(), p.items.len(), "no key planned twice");
            // Every item of every distinct document appears exactly once.
            let mut expected = 0;
            let mut all_keys = BTreeSet::new();
            for d in &docs {
                for k in identity::item_keys(d) {
                    if all_keys.insert(k) { expected += 1; }
                }
            }
            prop_assert_eq!(p.items.len(), expected);
            for i in &p.items {
                let item = &docs[i.doc].actions[i.item];
                match &i.action {
                    Action::Create => {
                        prop_assert!(item.issue.is_none());
                        prop_assert!(!state.iter().any(|t| t.key.as_ref() == Some(&i.key)));
                    }
                    Action::Adopt { by: AdoptBy::Key, issue } => {
                        prop_assert!(item.issue.is_none());
                        prop_assert!(state.iter().any(|t| Some(t.number) == issue.number
                            && t.key.as_ref() == Some(&i.key)));
                    }
                    Action::Adopt { by: AdoptBy::FileReference, .. } | Action::Unchanged { .. } => {
                        prop_assert!(item.issue.is_some());
                    }
                }
            }
            for r in &p.removed {
                prop_assert!(!keys.contains(r.key.as_str()));
            }
            for dup in &p.duplicates {
                prop_assert!(dup.keep < dup.close);
            }
        }
    }
}
