//! Sentences: splitting an entry into sentences (never inside a quotation), their normalised
//! words, speaker and topics.

use super::Cite;

/// One sentence of one entry, with its normalised words.
#[derive(Debug)]
pub(super) struct Sentence {
    pub(super) text: String,
    /// Lower case, curly quotes and apostrophes made plain, punctuation as spaces, padded with
    /// spaces so that `has(" word ")` matches whole words.
    pub(super) norm: String,
    pub(super) entry: usize,
    /// Index among all sentences.
    pub(super) order: usize,
    pub(super) cite: Cite,
    pub(super) speaker: Option<String>,
    /// Content words, for linking sentences about the same thing.
    pub(super) topics: Vec<String>,
}

impl Sentence {
    pub(super) fn new(text: String, entry: usize, order: usize, cite: Cite) -> Sentence {
        let norm = normalise(&text);
        let speaker = speaker(&text);
        let topics = topics(&text, speaker.as_deref());
        Sentence {
            topics,
            text,
            norm,
            entry,
            order,
            cite,
            speaker,
        }
    }

    pub(super) fn has(&self, phrase: &str) -> bool {
        has_phrase(&self.norm, phrase)
    }

    pub(super) fn has_any(&self, phrases: &[&str]) -> bool {
        phrases.iter().any(|p| self.has(p))
    }

    pub(super) fn starts_with_any(&self, phrases: &[&str]) -> bool {
        phrases
            .iter()
            .any(|p| self.norm.starts_with(&format!(" {p} ")))
    }
}

/// Whether `phrase` occurs in `norm` (see [`normalise`]) as whole words, without allocating.
pub(super) fn has_phrase(norm: &str, phrase: &str) -> bool {
    let bytes = norm.as_bytes();
    norm.match_indices(phrase).any(|(at, _)| {
        at > 0 && bytes[at - 1] == b' ' && bytes.get(at + phrase.len()) == Some(&b' ')
    })
}

pub(super) fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for c in text.chars() {
        let c = match c {
            '’' | '‘' => '\'',
            c => c,
        };
        if c.is_alphanumeric() || c == '\'' || c == '-' || c == '%' {
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    // "e-mail" and "email", "log in" and "login" are the same thing.
    out.replace(" e-mail ", " email ")
        .replace(" e-mails ", " email ")
        .replace(" log in ", " login ")
        .replace(" log-in ", " login ")
        .replace(" re-run ", " rerun ")
}

/// Splits `text` into sentences at `.`, `?` or `!` followed by white space, never inside a
/// quotation (“…” or "…"), so a quoted speech stays with its speaker.
pub(super) fn split_sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut straight_open = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        cur.push(c);
        match c {
            '“' => depth += 1,
            '”' => depth = (depth - 1).max(0),
            '"' => straight_open = !straight_open,
            _ => {}
        }
        let in_quote = depth > 0 || straight_open;
        let terminal = matches!(c, '.' | '?' | '!');
        let closes_quote = matches!(c, '”' | '"') && !in_quote && i > 0 && {
            matches!(chars[i - 1], '.' | '?' | '!' | ',')
        };
        let next_space = chars.get(i + 1).is_none_or(|c| c.is_whitespace());
        if ((terminal && !in_quote) || (closes_quote && chars[i - 1] != ',')) && next_space {
            // Do not split after an abbreviation such as "e.g." or an initial ("J. Smith").
            let word = cur
                .trim_end_matches(['.', '?', '!'])
                .rsplit(' ')
                .next()
                .unwrap_or("");
            let abbreviation = c == '.'
                && (word.len() == 1 || ["e.g", "i.e", "etc", "approx", "vs"].contains(&word));
            if !abbreviation {
                push_sentence(&mut out, &mut cur);
            }
        }
        i += 1;
    }
    push_sentence(&mut out, &mut cur);
    out
}

pub(super) fn push_sentence(out: &mut Vec<String>, cur: &mut String) {
    let s = cur.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().any(char::is_alphanumeric) {
        out.push(s);
    }
    cur.clear();
}

/// Reporting and acting verbs that end a sentence's subject.
pub(super) const SPEECH_VERBS: &[&str] = &[
    "says",
    "said",
    "say",
    "reports",
    "reported",
    "report",
    "asks",
    "asked",
    "ask",
    "responds",
    "responded",
    "replies",
    "replied",
    "offers",
    "offered",
    "suggests",
    "suggested",
    "observes",
    "observed",
    "confirms",
    "confirmed",
    "directs",
    "directed",
    "chimes",
    "wants",
    "want",
    "thinks",
    "joins",
    "joined",
    "provides",
    "provided",
    "answers",
    "answered",
    "explains",
    "notes",
    "states",
    "decides",
    "decided",
    "agrees",
    "mentions",
];

/// The phrase before the sentence's first reporting verb, as the speaker, when short enough
/// to be a name or a role ("Pete", "One of the SMEs", "Customer Service", "The Executive").
pub(super) fn speaker(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let pos = words.iter().position(|w| {
        let w = w
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        SPEECH_VERBS.contains(&w.as_str())
    })?;
    if pos == 0 || pos > 5 {
        return None;
    }
    let subject = words[..pos].join(" ");
    let subject = subject.trim_matches(|c: char| !c.is_alphanumeric());
    // "After several minutes, the Executive" → "the Executive".
    let subject = subject.rsplit(", ").next().unwrap_or(subject);
    let lower = subject.to_lowercase();
    if ["there", "it", "this", "that", "discussion"].contains(&lower.as_str()) {
        return None;
    }
    Some(normalise_role_phrase(subject))
}

/// "One of the SMEs" and "An SME" are the same kind of speaker.
pub(super) fn normalise_role_phrase(subject: &str) -> String {
    let lower = subject.to_lowercase();
    if lower.contains("sme") && !lower.contains("smes are") {
        if lower.starts_with("another") {
            return "another SME".into();
        }
        if lower.starts_with("one of") || lower.starts_with("an ") || lower == "sme" {
            return "an SME".into();
        }
    }
    subject.to_string()
}

pub(super) const STOPWORDS: &[&str] = &[
    "hour",
    "hours",
    "last",
    "half",
    "time",
    "day",
    "days",
    "minute",
    "tonight",
    "today",
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "of",
    "to",
    "in",
    "on",
    "for",
    "with",
    "at",
    "by",
    "from",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "it",
    "its",
    "this",
    "that",
    "there",
    "their",
    "they",
    "them",
    "he",
    "she",
    "we",
    "our",
    "us",
    "you",
    "i",
    "as",
    "well",
    "some",
    "any",
    "all",
    "no",
    "not",
    "now",
    "only",
    "also",
    "then",
    "than",
    "so",
    "if",
    "about",
    "into",
    "up",
    "out",
    "one",
    "another",
    "more",
    "most",
    "other",
    "again",
    "still",
    "says",
    "said",
    "reports",
    "reported",
    "asks",
    "asked",
    "states",
    "there's",
    "looks",
    "look",
    "like",
    "good",
    "green",
    "working",
    "works",
    "able",
    "unable",
    "failed",
    "fails",
    "failing",
    "lost",
    "being",
    "issue",
    "issues",
    "problem",
    "problems",
    "current",
    "state",
    "new",
    "old",
    "have",
    "has",
    "had",
    "do",
    "does",
    "did",
    "will",
    "would",
    "can",
    "could",
    "may",
    "might",
    "just",
    "very",
    "what",
    "who",
    "which",
    "how",
    "when",
    "where",
    "why",
    "appear",
    "appears",
    "seems",
    "back",
    "coming",
    "restored",
    "resolved",
    "fully",
    "successfully",
    "after",
    "before",
    "during",
    "several",
    "minutes",
    "group",
    "team",
    "sme",
    "smes",
    "executive",
    "reporting",
    "checking",
    "checked",
    "couple",
    "customer",
    "service",
    "provides",
    "background",
    "info",
    "information",
    "needs",
    "need",
];

/// Content words of `text`, singular, without the speaker's words; a word followed by a
/// number is one topic ("server 24").
pub(super) fn topics(text: &str, speaker: Option<&str>) -> Vec<String> {
    let norm = normalise(text);
    let speaker_words: Vec<String> = speaker
        .map(|s| normalise(s).split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    let words: Vec<&str> = norm.split_whitespace().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if let Some(n) = words
            .get(i + 1)
            .filter(|n| n.chars().all(|c| c.is_ascii_digit()))
        {
            if !w.chars().all(|c| c.is_ascii_digit()) && !STOPWORDS.contains(&w) {
                out.push(format!("{w} {n}"));
                i += 2;
                continue;
            }
        }
        let singular = w.strip_suffix('s').filter(|s| s.len() > 3).unwrap_or(w);
        if w.len() > 2
            && !STOPWORDS.contains(&w)
            && !STOPWORDS.contains(&singular)
            && !speaker_words.iter().any(|s| s == w)
            && !w.chars().all(|c| c.is_ascii_digit())
        {
            out.push(singular.to_string());
        }
        i += 1;
    }
    out
}
