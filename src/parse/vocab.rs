//! What a heading is about, recognised by meaning: synonyms, spelling variants and one-letter
//! typos ("Preventative", "Symmary") all map to one [`SectionKind`].

use crate::model::SectionKind;

/// Canonical words that headings are matched on. A heading word within one edit of one of
/// these (and at least six letters long) counts as it, so typos still classify.
const KEYWORDS: [&str; 24] = [
    "summary",
    "timeline",
    "corrective",
    "preventive",
    "preventative",
    "prevention",
    "resolution",
    "detection",
    "improvements",
    "remediation",
    "lessons",
    "conclusion",
    "appendix",
    "contributing",
    "duration",
    "recommendations",
    "mitigation",
    "measures",
    "followup",
    "chronology",
    "investigation",
    "debugging",
    "overview",
    "recovery",
];

/// Words a plain line may consist of and still be read as a heading ("Events Timeline",
/// "Corrective And Preventative Measures", "Action Items"). A plain line with any other word
/// is prose, however short.
const HEADING_WORDS: [&str; 70] = [
    "a",
    "closing",
    "final",
    "thoughts",
    "synopsis",
    "action",
    "actions",
    "analysis",
    "and",
    "appendix",
    "background",
    "cause",
    "causes",
    "conclusion",
    "contributing",
    "corrective",
    "debugging",
    "description",
    "detection",
    "details",
    "do",
    "duration",
    "events",
    "executive",
    "factors",
    "fixes",
    "follow",
    "followup",
    "immediate",
    "impact",
    "improvements",
    "incident",
    "investigation",
    "issue",
    "item",
    "items",
    "learned",
    "learnings",
    "learnt",
    "lessons",
    "list",
    "long",
    "measures",
    "mitigation",
    "next",
    "of",
    "outage",
    "overview",
    "plan",
    "prevention",
    "preventive",
    "preventative",
    "process",
    "recommendations",
    "recovery",
    "remediation",
    "resolution",
    "root",
    "short",
    "steps",
    "summary",
    "task",
    "tasks",
    "term",
    "the",
    "timeline",
    "to",
    "todo",
    "up",
    "what",
];

fn edit_distance_at_most_one(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let (mut i, mut j, mut edits) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            i += 1;
            j += 1;
            continue;
        }
        edits += 1;
        if edits > 1 {
            return false;
        }
        match a.len().cmp(&b.len()) {
            std::cmp::Ordering::Greater => i += 1,
            std::cmp::Ordering::Less => j += 1,
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    edits + (a.len() - i) + (b.len() - j) <= 1
}

/// Word stems of which a section name needs at least one. A cheap test on raw text, before
/// any allocation: most lines of a document name no section.
const ANCHORS: [&str; 47] = [
    "summar",
    "overview",
    "synopsis",
    "tl",
    "timeline",
    "chronolog",
    "sequence",
    "root",
    "cause",
    "trigger",
    "summation",
    "action",
    "task",
    "todo",
    "to-do",
    "follow",
    "next",
    "prevent",
    "correct",
    "remediat",
    "mitigat",
    "immediate",
    "improve",
    "recommend",
    "fix",
    "measure",
    "countermeasure",
    "lesson",
    "learn",
    "went",
    "lucky",
    "takeaway",
    "impact",
    "duration",
    "detect",
    "resolution",
    "recover",
    "debug",
    "investigat",
    "troubleshoot",
    "conclusion",
    "thought",
    "wrap",
    "appendix",
    "chat",
    "contributing",
    "work",
];

/// Whether `raw` may name a section: one of its words starts with an anchor stem, or is within
/// one letter of a keyword (a typo). No allocation.
pub(crate) fn may_name_section(raw: &str) -> bool {
    raw.split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .take(12)
        .any(|w| {
            let b = w.as_bytes();
            ANCHORS
                .iter()
                .any(|a| b.len() >= a.len() && b[..a.len()].eq_ignore_ascii_case(a.as_bytes()))
                || (w.len() >= 6 && w.len() <= 16 && w.is_ascii() && {
                    let mut buf = [0u8; 16];
                    let lower = &mut buf[..w.len()];
                    lower.copy_from_slice(b);
                    lower.make_ascii_lowercase();
                    let lower = std::str::from_utf8(lower).unwrap_or_default();
                    KEYWORDS.iter().any(|k| edit_distance_at_most_one(lower, k))
                })
        })
}

/// Heading text as lower-case canonical words ("Follow-Up" → "followup", "To-Dos" → "todo").
fn words(heading: &str) -> Vec<String> {
    let mut lower = heading.to_lowercase();
    // Only a few headings need their compound words joined; most skip the copies.
    if lower.contains("follow") || lower.contains("to-do") || lower.contains("post-mortem") {
        lower = lower
            .replace("follow-up", "followup")
            .replace("follow up", "followup")
            .replace("to-do", "todo")
            .replace("post-mortem", "postmortem");
    }
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = w
                .strip_suffix("s")
                .filter(|s| *s == "todo" || *s == "followup")
                .unwrap_or(w);
            if w.len() >= 6 {
                if let Some(k) = KEYWORDS
                    .iter()
                    .find(|k| **k != w && edit_distance_at_most_one(w, k))
                {
                    return (*k).to_string();
                }
            }
            w.to_string()
        })
        .collect()
}

/// Classifies a heading by meaning. Headings longer than twelve words are prose: `Other`.
pub(crate) fn classify(heading: &str) -> SectionKind {
    let w = words(heading);
    if w.is_empty() || w.len() > 12 {
        return SectionKind::Other;
    }
    classify_words(&w)
}

/// Whether a plain line (no heading markup, no colon) is made only of heading words and
/// means a known section: "Events Timeline" yes, "The timeline was short" no.
pub(crate) fn is_plain_heading(line: &str) -> Option<SectionKind> {
    let w = words(line);
    if w.is_empty() || w.len() > 6 {
        return None;
    }
    if !w.iter().all(|x| HEADING_WORDS.contains(&x.as_str())) {
        return None;
    }
    Some(classify_words(&w)).filter(|k| *k != SectionKind::Other)
}

fn classify_words(w: &[String]) -> SectionKind {
    let has = |x: &str| w.iter().any(|y| y == x);
    let pair = |a: &str, b: &str| w.windows(2).any(|p| p[0] == a && p[1] == b);
    use SectionKind::*;

    if has("appendix") || pair("chat", "log") || pair("chat", "logs") {
        return Appendix;
    }
    if has("lessons")
        || has("learnings")
        || has("takeaways")
        || pair("went", "well")
        || pair("went", "wrong")
        || pair("went", "poorly")
        || pair("got", "lucky")
        || (has("what") && (pair("did", "not") || has("didn")))
    {
        return LessonsLearned;
    }
    if has("timeline") || has("chronology") || pair("sequence", "of") {
        return Timeline;
    }
    if has("contributing") {
        return ContributingFactors;
    }
    if pair("root", "cause") || pair("root", "causes") || has("summation") {
        return RootCause;
    }
    // "Actions Taken" is what was done during the incident, not what is promised after it.
    if pair("actions", "taken") || pair("action", "taken") || pair("steps", "taken") {
        return Resolution;
    }
    let corrective = has("corrective")
        || has("remediation")
        || pair("immediate", "actions")
        || pair("immediate", "action")
        || has("mitigations");
    let preventive = [
        "prevent",
        "prevention",
        "preventive",
        "preventative",
        "preventions",
    ]
    .iter()
    .any(|p| has(p))
        || (has("future") && has("measures"));
    if corrective && preventive {
        return Measures;
    }
    if corrective {
        return Corrective;
    }
    if preventive {
        return Preventive;
    }
    if pair("action", "items")
        || pair("action", "item")
        || pair("actions", "items")
        || pair("action", "plan")
        || pair("next", "steps")
        || has("todo")
        || has("tasks")
        || has("task")
        || has("followup")
        || has("followups")
        || (w.len() <= 2 && (has("actions") || has("action")))
        || (pair("what", "is") && has("done"))
        || pair("work", "items")
    {
        return Tasks;
    }
    if has("improvements")
        || has("improvement")
        || has("recommendations")
        || has("fixes")
        || has("measures")
        || has("countermeasures")
    {
        return Measures;
    }
    if has("detection") {
        return Detection;
    }
    if has("resolution")
        || has("recovery")
        || has("debugging")
        || has("investigation")
        || has("troubleshooting")
        || has("mitigation")
    {
        return Resolution;
    }
    if has("impact") {
        return Impact;
    }
    if has("duration") {
        return Duration;
    }
    if has("cause") || has("causes") || has("trigger") {
        return RootCause;
    }
    if has("summary") || has("overview") || has("synopsis") || pair("tl", "dr") || has("tldr") {
        return Summary;
    }
    if has("conclusion")
        || has("conclusions")
        || (has("thoughts") && (has("final") || has("closing")))
        || pair("wrap", "up")
    {
        return Conclusion;
    }
    Other
}

#[cfg(test)]
mod tests {
    use super::*;
    use SectionKind::*;

    #[test]
    fn classifies_by_meaning() {
        let cases = [
            ("Corrective and Preventative Measures:", Measures),
            ("Corrective And Preventive Measures", Measures),
            ("Improvements/Fixes", Measures),
            ("Tasks to Address the Issue", Tasks),
            ("A List Of Tasks To Address The Issue", Tasks),
            ("Action Items", Tasks),
            ("TODO", Tasks),
            ("To-Dos", Tasks),
            ("Follow-Up", Tasks),
            ("Prevention", Preventive),
            ("Measures against such problem in future", Preventive),
            ("Remediation", Corrective),
            ("Immediate Actions (Completed)", Corrective),
            ("Short-term Improvements (In Progress)", Measures),
            ("Actions Taken", Resolution),
            ("Root Cause and Resolution", RootCause),
            ("Events Timeline", Timeline),
            ("horror Timeline", Timeline),
            ("Issue Symmary", Summary),
            ("Lessons Learned", LessonsLearned),
            ("What went well", LessonsLearned),
            ("What did not", LessonsLearned),
            ("What didn't work", LessonsLearned),
            ("Duration of Outage", Duration),
            (
                "Choose your Databases wisely, read on to see what happened",
                Other,
            ),
            ("Contributing Factors", ContributingFactors),
            ("Corrective Actions", Corrective),
            ("Traefik Rule Preventing Some Inbound Traffic", Other),
            ("Final Thoughts", Conclusion),
            ("Issue Synopsis", Summary),
        ];
        for (heading, kind) in cases {
            assert_eq!(classify(heading), kind, "{heading}");
        }
    }

    #[test]
    fn plain_lines_need_heading_words_only() {
        assert_eq!(is_plain_heading("Events Timeline"), Some(Timeline));
        assert_eq!(is_plain_heading("Follow-Up"), Some(Tasks));
        assert_eq!(is_plain_heading("The timeline was short"), None);
        assert_eq!(is_plain_heading("Monitoring"), None);
    }
}
