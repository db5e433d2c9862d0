//! Issue references on an item: `#123`, `group/project#12`, issue and pull-request URLs,
//! `Bug 12345`, `JIRA-42`, in the text, in links, or in an Issue column.

use crate::model::IssueRef;
use crate::parse::inline;

/// An issue written in an Issue/Bug column: a link, a URL, `#12`, `group/p#12`, `Bug 123`,
/// `JIRA-42`, or a bare number.
pub(super) fn issue_in_cell(v: &str) -> Option<IssueRef> {
    issue_in_links(v).or_else(|| {
        let words: Vec<&str> = v
            .split(|c: char| c.is_whitespace() || c == ',')
            .map(|w| w.trim_matches(['(', ')', '[', ']']))
            .filter(|w| !w.is_empty())
            .collect();
        // The first reference in the cell, whether it takes one word or two (`Bug 12345`).
        (0..words.len())
            .find_map(|i| {
                let w = words[i];
                let pair = words.get(i + 1).and_then(|n| bug_ref(&format!("{w} {n}")));
                pair.or_else(|| issue_ref(w)).or_else(|| jira_key(w))
            })
            .or_else(|| {
                let t = v.trim();
                (t.len() <= 12 && !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()))
                    .then(|| IssueRef::External(t.to_string()))
            })
    })
}

pub(super) fn issue_in_links(raw: &str) -> Option<IssueRef> {
    match issue_link(raw) {
        Some((_, url)) => Some(IssueRef::Url(url.to_string())),
        None => bare_issue_url(raw),
    }
}

/// The first link in `raw` to an issue: (label, URL). Its label, made plain, is a tag of the
/// item whatever it says (`INC-2041-1` of `[INC-2041-1](https://.../browse/PAY-881)`).
pub(super) fn issue_link(raw: &str) -> Option<(&str, &str)> {
    // Every issue URL starts with http: most items have none.
    if !raw.contains("http") {
        return None;
    }
    inline::links(raw)
        .into_iter()
        .find(|(_, url)| is_issue_url(url))
}

/// An issue URL written bare, or as an HTML link's (`<a href="...">`).
pub(super) fn bare_issue_url(raw: &str) -> Option<IssueRef> {
    if !raw.contains("http") {
        return None;
    }
    raw.split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .map(|w| w.trim_matches(['(', ')', '<', '>', '[', ']', ',', '.', ':', ';']))
        .find(|w| is_issue_url(w))
        .map(|w| IssueRef::Url(w.to_string()))
}

fn is_issue_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && [
            "/issues/",
            "/pull/",
            "/merge_requests/",
            "/browse/",
            "show_bug.cgi?id=",
        ]
        .iter()
        .any(|p| url.contains(p))
}

/// The position of the last `' '` or `'('` in `t` (a byte search: both are ASCII).
pub(super) fn last_space_or_paren(t: &str) -> Option<usize> {
    t.bytes().rposition(|c| c == b' ' || c == b'(')
}

/// A trailing `(#12)` / ` #12` / issue URL split off a text: (text before, reference).
/// A final `.` after the reference stays: `Audit the configs (#12).` gives `Audit the configs.`
pub(super) fn split_trailing_issue(t: &str) -> (std::borrow::Cow<'_, str>, Option<IssueRef>) {
    let trimmed = t.trim_end();
    if let Some(pos) = last_space_or_paren(trimmed) {
        let last = trimmed[pos + 1..].trim_end_matches([')', '.']);
        if let Some(r) = issue_ref(last) {
            let head = trimmed[..pos].trim_end();
            let text = if trimmed.ends_with('.') && !head.ends_with('.') {
                format!("{head}.").into()
            } else {
                head.into()
            };
            return (text, Some(r));
        }
    }
    (t.into(), None)
}

/// `#123`, `owner/repo#12`, `group/sub/project#12`, an issue URL, `Bug 12345`.
pub(super) fn issue_ref(w: &str) -> Option<IssueRef> {
    let w = w.trim();
    if let Some(r) = bug_ref(w) {
        return Some(r);
    }
    // Every other reference holds a '#' or is a URL (`://`): most words are neither.
    if !w.bytes().any(|c| c == b'#' || c == b':') {
        return None;
    }
    if is_issue_url(w) {
        return Some(IssueRef::Url(w.to_string()));
    }
    let (project, number) = w.split_once('#')?;
    let n: u64 = number
        .parse()
        .ok()
        .filter(|_| !number.is_empty() && number.len() <= 9)?;
    if project.is_empty() {
        return Some(IssueRef::Local(n));
    }
    let valid = project.contains('/')
        && project.split('/').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        });
    valid.then(|| IssueRef::Project {
        project: project.to_string(),
        number: n,
    })
}

/// `Bug 12345` (Bugzilla's and many trackers' way of naming a bug), kept as written.
fn bug_ref(s: &str) -> Option<IssueRef> {
    let (word, number) = s.split_once(' ')?;
    let ok = word.eq_ignore_ascii_case("bug") && is_bug_number(number);
    ok.then(|| IssueRef::External(s.to_string()))
}

/// Whether `s` is a bug's number: one to nine digits, after a `#` or not.
fn is_bug_number(s: &str) -> bool {
    let digits = s.trim().trim_start_matches('#');
    (1..=9).contains(&digits.len()) && digits.bytes().all(|c| c.is_ascii_digit())
}

/// A `Bug 12345` whose two words end `t`: (text before, reference).
pub(super) fn trailing_bug_ref(t: &str) -> Option<(&str, IssueRef)> {
    let t = t.trim_end().trim_end_matches([')', '.']);
    let number_at = t.rfind(' ')?;
    // Most items end with a word: the number is looked at before the word before it.
    if !is_bug_number(&t[number_at + 1..]) {
        return None;
    }
    let word_at = t[..number_at]
        .trim_end()
        .rfind([' ', '('])
        .map_or(0, |p| p + 1);
    let r = bug_ref(&t[word_at..])?;
    Some((t[..word_at].trim_end_matches('('), r))
}

/// `[OPS-123] text`, `[#12] text` or `#12 text`: an issue written before the item, and the
/// text after it. A key (`OPS-123`) counts only in brackets ("COVID-19 testing" names none),
/// and a bare `#` number only with two digits or more ("#1 priority" ranks).
pub(super) fn issue_prefix(raw: &str) -> Option<(IssueRef, &str)> {
    // (Also inside emphasis: `**[FH-123] Add alerting**`.)
    let t = raw.trim_start().trim_start_matches(['*', '_']);
    let (r, rest) = match t.strip_prefix('[') {
        Some(inner) => {
            let (word, rest) = inner.split_once(']')?;
            (issue_ref(word).or_else(|| jira_key(word.trim()))?, rest)
        }
        None => {
            let (word, rest) = t.split_once(' ')?;
            let word = word.trim_end_matches(':');
            let digits = word.rsplit('#').next().map_or(0, str::len);
            (issue_ref(word).filter(|_| digits >= 2)?, rest)
        }
    };
    let rest = rest.trim_start_matches([' ', ':', '-', '–', '—']);
    (inline::words_up_to(rest, 2) >= 2).then_some((r, rest))
}

/// `PLAT-412`: a Jira key, a project's capitals and a number.
pub(super) fn jira_key(w: &str) -> Option<IssueRef> {
    let (key, num) = w.split_once('-')?;
    let ok = key.len() >= 2
        && key
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && key.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && !num.is_empty()
        && num.chars().all(|c| c.is_ascii_digit());
    ok.then(|| IssueRef::External(w.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::items::tests::*;

    #[test]
    fn an_issue_written_before_the_item_is_its_issue() {
        for (written, issue) in [
            ("- [OPS-123] Add retries to the uploader", "OPS-123"),
            ("- [#45] Add retries to the uploader", "#45"),
            ("- #456 Document the failover", "#456"),
            ("- #2226: Add logging to the publisher", "#2226"),
        ] {
            let (a, _) = one_item(written);
            assert_eq!(
                a.issue.map(|i| i.to_string()).as_deref(),
                Some(issue),
                "{written}"
            );
            assert_eq!(a.owner, None, "{written}");
        }
        // A ranking and a name with a number are no references; a name in brackets owns.
        for written in [
            "- #1 priority is the alerting",
            "- COVID-19 testing for the staff",
        ] {
            assert_eq!(one_item(written).0.issue, None, "{written}");
        }
        let (a, _) = one_item("- [ana] Add retries to the uploader");
        assert_eq!((a.owner.as_deref(), a.issue), (Some("ana"), None));
    }

    #[test]
    fn bug_numbers_are_issue_references() {
        let (a, _) = one_item("- Fix the cache eviction Bug 12345");
        assert_eq!(a.text, "Fix the cache eviction");
        assert_eq!(a.issue, Some(IssueRef::External("Bug 12345".into())));
        let (a, _) = one_item("- Fix the cache eviction (Bug 12345)");
        assert_eq!(a.issue, Some(IssueRef::External("Bug 12345".into())));
        // The reference is the object of the sentence: the words stay.
        let (a, _) = one_item("- Fix Bug 12345");
        assert_eq!(a.text, "Fix Bug 12345");
        assert_eq!(a.issue, Some(IssueRef::External("Bug 12345".into())));
        let pm = parse(
            "## Action Items\n\n| Action | Bug |\n|---|---|\n| Fix eviction | Bug 12345 |\n| Add alerts | #12 |\n",
        );
        let issues: Vec<String> = pm
            .actions
            .iter()
            .map(|a| {
                a.issue
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(issues, ["Bug 12345", "#12"]);
    }

    #[test]
    fn a_bullet_that_is_only_a_link_or_reference_to_an_issue_is_an_item() {
        let pm = parse(
            "## Action Items\n\n- <https://github.com/org/repo/issues/123>\n\
             - [#124](https://github.com/org/repo/issues/124)\n- https://example.com/blog\n\
             - finish this: https://github.com/org/repo/pull/86\n- #412\n- acme/infra#77\n",
        );
        let got: Vec<(&str, String)> = pm
            .actions
            .iter()
            .map(|a| {
                let issue = a
                    .issue
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                (a.text.as_str(), issue)
            })
            .collect();
        let url = |n: u32| format!("https://github.com/org/repo/issues/{n}");
        assert_eq!(
            got,
            [
                ("https://github.com/org/repo/issues/123", url(123)),
                ("#124", url(124)),
                (
                    "finish this: https://github.com/org/repo/pull/86",
                    "https://github.com/org/repo/pull/86".to_string()
                ),
                // A reference alone is an item too, the issue it names.
                ("#412", "#412".to_string()),
                ("acme/infra#77", "acme/infra#77".to_string()),
            ]
        );
    }

    #[test]
    fn a_link_to_an_issue_that_opens_an_item_is_its_issue_and_the_words_after_it_its_text() {
        let pm = parse(
            "## Action Items\n\n\
             - [ ] https://gitlab.com/acme/infra/-/issues/991 - Rate-limit the retry storm\n\
             - [ ] https://github.com/acme/infra/issues/992: Add a kill switch\n\
             - https://acme.atlassian.net/browse/OPS-12 Alert on consumer lag\n\
             - https://example.com/notes Review the pool sizes\n\
             - https://docs.example.com/runbook\n",
        );
        // A link to no issue opens a reference, with or without words after it.
        let got: Vec<(&str, String)> = pm
            .actions
            .iter()
            .map(|a| {
                let issue = a.issue.as_ref().map(ToString::to_string);
                (a.text.as_str(), issue.unwrap_or_default())
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Rate-limit the retry storm",
                    "https://gitlab.com/acme/infra/-/issues/991".to_string()
                ),
                (
                    "Add a kill switch",
                    "https://github.com/acme/infra/issues/992".to_string()
                ),
                (
                    "Alert on consumer lag",
                    "https://acme.atlassian.net/browse/OPS-12".to_string()
                ),
            ]
        );
    }
}
