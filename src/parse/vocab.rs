//! What a heading is about, recognised by meaning: synonyms, spelling variants and one-letter
//! typos ("Preventative", "Symmary") all map to one [`SectionKind`].

use crate::model::SectionKind;

/// Labels that make one paragraph or bullet an action item wherever it stands, also inside
/// Lessons learned or a discussion: meeting notes and release retrospectives mark actions
/// inline (`Action item: ...`, `**[Action Item]** ...`, `ACTION: ...`, `Action point: ...`).
/// Lower case; a longer label before any label it starts with.
const ACTION_LABELS: [&str; 5] = [
    "action items",
    "action item",
    "action points",
    "action point",
    "action",
];

/// The text after an inline action label that opens `raw` (Markdown as written, so that
/// `[Action Item]` is told from the words "Action item"): the label is closed by a colon or
/// a bracket. `None` without one, or when nothing follows it or what follows ends in a colon
/// ("Action items: we propose the following:"): then it is a heading.
pub(crate) fn after_action_label(raw: &str) -> Option<&str> {
    let t = raw.trim_start_matches(['*', '_', '[', '\\', ' ']);
    ACTION_LABELS.iter().find_map(|label| {
        let head = t.get(..label.len())?;
        if !head.eq_ignore_ascii_case(label) {
            return None;
        }
        let rest = t[label.len()..].trim_start_matches(['*', '_', ' ']);
        if !rest.starts_with([':', ']']) {
            return None;
        }
        let after = rest.trim_start_matches(['*', '_', ' ', ':', ']']);
        let intro = after.trim_end_matches(['*', '_', ' ']).ends_with(':');
        (!after.is_empty() && !intro).then_some(after)
    })
}

/// Phrases that make a sentence ending in a colon a label about actions, with the kind of
/// the items it introduces: blog-style postmortems introduce their actions with a sentence
/// ("To prevent similar issues in the future, we've made a few changes:") instead of a
/// heading. Matched in lower case anywhere in the sentence; the first match decides.
const INTRODUCING_PHRASES: [(&str, SectionKind); 9] = [
    ("prevent", SectionKind::Preventive),
    ("in the future", SectionKind::Preventive),
    ("going forward", SectionKind::Preventive),
    ("remediation", SectionKind::Corrective),
    ("action items", SectionKind::Tasks),
    ("next steps", SectionKind::Tasks),
    ("follow-up", SectionKind::Tasks),
    ("follow up", SectionKind::Tasks),
    ("improvements", SectionKind::Measures),
];

/// The kind of the items a sentence ending in a colon introduces, when it is about actions.
pub(crate) fn introduces_actions(sentence: &str) -> Option<SectionKind> {
    let t = sentence.trim();
    if !t.ends_with(':') {
        return None;
    }
    let lower = t.to_lowercase();
    INTRODUCING_PHRASES
        .iter()
        .find(|(phrase, _)| lower.contains(phrase))
        .map(|(_, kind)| *kind)
}

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

/// The bytes of a word as a set of bits (a letter's bit is its place in the alphabet).
const fn letter_mask(w: &[u8]) -> u32 {
    let mut m = 0;
    let mut i = 0;
    while i < w.len() {
        m |= 1 << (w[i] & 31);
        i += 1;
    }
    m
}

const KEYWORD_MASKS: [u32; KEYWORDS.len()] = {
    let mut out = [0; KEYWORDS.len()];
    let mut i = 0;
    while i < KEYWORDS.len() {
        out[i] = letter_mask(KEYWORDS[i].as_bytes());
        i += 1;
    }
    out
};

/// The first keyword within one edit of a lower-case word (`unless_equal`: other than the
/// word itself). One edit adds at most one byte and removes at most one, so the sets of
/// letters differ in at most two: a test without branches rules out nearly every keyword.
fn near_keyword(lower: &[u8], unless_equal: bool) -> Option<&'static str> {
    // Keywords are 7 to 15 letters long; one edit changes a length by at most one.
    let near = NEAR_LENGTH.get(lower.len())?;
    let m = letter_mask(lower);
    if !may_be_near_keyword(m, lower.len()) {
        return None;
    }
    near.iter()
        .map_while(|&k| k.checked_sub(1).map(usize::from))
        .find(|&k| {
            at_most_two_bits(m ^ KEYWORD_MASKS[k])
                && !(unless_equal && KEYWORDS[k].as_bytes() == lower)
                && edit_distance_at_most_one(lower, KEYWORDS[k].as_bytes())
        })
        .map(|k| KEYWORDS[k])
}

/// Whether a word of `len` bytes with the letters `m` may be within one edit of a keyword:
/// all keywords of a near length at once, without a branch per keyword. Most words are near
/// none, and only those that may be pay for the ordered search.
fn may_be_near_keyword(m: u32, len: usize) -> bool {
    NEAR_MASKS.get(len).is_some_and(|masks| {
        masks
            .iter()
            .fold(false, |any, &k| any | at_most_two_bits(m ^ k))
    })
}

/// `x.count_ones() <= 2`, in a few instructions without a popcount instruction: clearing the
/// lowest set bit twice leaves nothing.
const fn at_most_two_bits(x: u32) -> bool {
    let y = x & x.wrapping_sub(1);
    y & y.wrapping_sub(1) == 0
}

/// [`NEAR_LENGTH`] as letter masks, padded with a mask no word's letters come near (a word
/// has at most 27 of the 32 bits).
const NEAR_MASKS: [[u32; 16]; 18] = {
    let mut table = [[u32::MAX; 16]; 18];
    let mut len = 0;
    while len < table.len() {
        let mut n = 0;
        while NEAR_LENGTH[len][n] != 0 {
            table[len][n] = KEYWORD_MASKS[NEAR_LENGTH[len][n] as usize - 1];
            n += 1;
        }
        len += 1;
    }
    table
};

/// For each word length, the keywords (index + 1, in [`KEYWORDS`] order, 0-terminated) whose
/// length differs from it by at most one.
const NEAR_LENGTH: [[u8; KEYWORDS.len() + 1]; 18] = {
    let mut table = [[0; KEYWORDS.len() + 1]; 18];
    let mut len = 0;
    while len < table.len() {
        let mut n = 0;
        let mut k = 0;
        while k < KEYWORDS.len() {
            if KEYWORDS[k].len().abs_diff(len) <= 1 {
                table[len][n] = (k + 1) as u8;
                n += 1;
            }
            k += 1;
        }
        len += 1;
    }
    table
};

fn edit_distance_at_most_one(a: &[u8], b: &[u8]) -> bool {
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    // One edit leaves the first letter, or the second letter, in place or shifted by one.
    if a.len() >= 2 && b.len() >= 2 && a[0] != b[0] && a[1] != b[1] && a[0] != b[1] && a[1] != b[0]
    {
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
/// any allocation: most lines of a document name no section. [`anchors_for`] holds them by
/// first letter; this list checks it.
#[cfg(test)]
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
    if !raw.is_ascii() {
        return raw
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .filter(|w| !w.is_empty())
            .take(12)
            .any(|w| word_may_name_section(w.as_bytes(), letter_mask(w.as_bytes())));
    }
    // ASCII text: the same words, split byte by byte; each word's letters are gathered on
    // the way.
    let b = raw.as_bytes();
    let is_word = |c: u8| WORD_BYTES[usize::from(c)];
    let (mut i, mut count) = (0, 0);
    while count < 12 {
        while i < b.len() && !is_word(b[i]) {
            i += 1;
        }
        let start = i;
        let mut letters = 0;
        while i < b.len() && is_word(b[i]) {
            letters |= 1 << (b[i] & 31);
            i += 1;
        }
        if start == i {
            return false;
        }
        if word_may_name_section(&b[start..i], letters) {
            return true;
        }
        count += 1;
    }
    false
}

/// The bytes of words in [`may_name_section`]: ASCII letters and digits, and `-`. A table
/// look-up is one load where the tests it replaces are several branches.
const WORD_BYTES: [bool; 256] = {
    let mut table = ALNUM_BYTES;
    table[b'-' as usize] = true;
    table
};

/// ASCII letters and digits, the bytes of heading words in [`words`].
const ALNUM_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        table[c] = (c as u8).is_ascii_alphanumeric();
        c += 1;
    }
    table
};

/// The anchors that start with a letter (lower case).
const fn anchors_for(first: u8) -> &'static [&'static str] {
    match first {
        b'a' => &["action", "appendix"],
        b'c' => &[
            "chronolog",
            "cause",
            "correct",
            "countermeasure",
            "conclusion",
            "chat",
            "contributing",
        ],
        b'd' => &["duration", "detect", "debug"],
        b'f' => &["follow", "fix"],
        b'i' => &["immediate", "improve", "impact", "investigat"],
        b'l' => &["lesson", "learn", "lucky"],
        b'm' => &["mitigat", "measure"],
        b'n' => &["next"],
        b'o' => &["overview"],
        b'p' => &["prevent"],
        b'r' => &["root", "remediat", "recommend", "resolution", "recover"],
        b's' => &["summar", "synopsis", "sequence", "summation"],
        b't' => &[
            "tl",
            "timeline",
            "trigger",
            "task",
            "todo",
            "to-do",
            "takeaway",
            "troubleshoot",
            "thought",
        ],
        b'w' => &["went", "wrap", "work"],
        _ => &[],
    }
}

/// For each first letter, the second letters of the anchors that start with it, as bits.
const ANCHOR_PAIRS: [u32; 26] = {
    let mut table = [0; 26];
    let mut c = 0;
    while c < table.len() {
        let list = anchors_for(b'a' + c as u8);
        let mut k = 0;
        while k < list.len() {
            table[c] |= 1 << (list[k].as_bytes()[1] - b'a');
            k += 1;
        }
        c += 1;
    }
    table
};

/// Whether a word's first two letters are those of an anchor: one table look-up rules out
/// most words before the anchors are compared.
fn starts_like_anchor(b: &[u8]) -> bool {
    let (Some(&first), Some(&second)) = (b.first(), b.get(1)) else {
        return false;
    };
    let first = usize::from(first.to_ascii_lowercase().wrapping_sub(b'a'));
    let second = u32::from(second.to_ascii_lowercase().wrapping_sub(b'a'));
    first < 26 && second < 26 && ANCHOR_PAIRS[first] >> second & 1 == 1
}

/// Whether a word may name a section; `letters` is its [`letter_mask`] (which ignores case).
fn word_may_name_section(b: &[u8], letters: u32) -> bool {
    (starts_like_anchor(b)
        && anchors_for(b[0].to_ascii_lowercase())
            .iter()
            .any(|a| b.len() >= a.len() && b[..a.len()].eq_ignore_ascii_case(a.as_bytes())))
        || (b.len() >= 6
            && b.len() <= 16
            && may_be_near_keyword(letters, b.len())
            && b.is_ascii()
            && {
                let mut buf = [0u8; 16];
                let lower = &mut buf[..b.len()];
                lower.copy_from_slice(b);
                lower.make_ascii_lowercase();
                near_keyword(lower, false).is_some()
            })
}

/// Every word the classifier knows: the words of [`classify_words`] and [`HEADING_WORDS`],
/// sorted. A word's id is its index + 1; 0 stands for any other word.
const VOCAB: [&str; 104] = [
    "a",
    "action",
    "actions",
    "analysis",
    "and",
    "appendix",
    "background",
    "cause",
    "causes",
    "chat",
    "chronology",
    "closing",
    "conclusion",
    "conclusions",
    "contributing",
    "corrective",
    "countermeasures",
    "debugging",
    "description",
    "details",
    "detection",
    "did",
    "didn",
    "do",
    "done",
    "dr",
    "duration",
    "events",
    "executive",
    "factors",
    "final",
    "fixes",
    "follow",
    "followup",
    "followups",
    "future",
    "got",
    "immediate",
    "impact",
    "improvement",
    "improvements",
    "incident",
    "investigation",
    "is",
    "issue",
    "item",
    "items",
    "learned",
    "learnings",
    "learnt",
    "lessons",
    "list",
    "log",
    "logs",
    "long",
    "lucky",
    "measures",
    "mitigation",
    "mitigations",
    "next",
    "not",
    "of",
    "outage",
    "overview",
    "plan",
    "poorly",
    "prevent",
    "preventative",
    "prevention",
    "preventions",
    "preventive",
    "process",
    "recommendations",
    "recovery",
    "remediation",
    "resolution",
    "root",
    "sequence",
    "short",
    "steps",
    "summary",
    "summation",
    "synopsis",
    "takeaways",
    "taken",
    "task",
    "tasks",
    "term",
    "the",
    "thoughts",
    "timeline",
    "tl",
    "tldr",
    "to",
    "todo",
    "trigger",
    "troubleshooting",
    "up",
    "well",
    "went",
    "what",
    "work",
    "wrap",
    "wrong",
];

/// The id of a known word, at compile time (`w!("summary")`); an unknown word does not compile.
const fn id(word: &str) -> u8 {
    let mut i = 0;
    while i < VOCAB.len() {
        let (a, b) = (VOCAB[i].as_bytes(), word.as_bytes());
        if a.len() == b.len() {
            let mut k = 0;
            while k < a.len() && a[k] == b[k] {
                k += 1;
            }
            if k == a.len() {
                return (i + 1) as u8;
            }
        }
        i += 1;
    }
    panic!("a word missing from VOCAB")
}

macro_rules! w {
    ($word:literal) => {
        const { id($word) }
    };
}

/// The canonical id of a lower-case word ("todos" counts as "todo", "followups" as
/// "followup"); 0 for any other word.
fn lookup(word: &[u8]) -> u8 {
    if word.is_empty() || word.len() > 16 {
        return 0;
    }
    let mut b = [0; 16];
    b[..word.len()].copy_from_slice(word);
    lookup_packed(u128::from_le_bytes(b))
}

/// [`lookup`] of a word of at most sixteen bytes packed as by [`pack`]: one hash, one compare,
/// no search whose length the processor cannot guess.
fn lookup_packed(key: u128) -> u8 {
    let entry = usize::from(SLOTS[slot(key)]);
    if KEYS[entry] == key {
        IDS[entry]
    } else {
        0
    }
}

/// A word's bytes as one number (little-endian, zero-padded); words are at most sixteen
/// bytes.
const fn pack(w: &[u8]) -> u128 {
    let mut key = 0;
    let mut i = 0;
    while i < w.len() {
        key |= (w[i] as u128) << (8 * i);
        i += 1;
    }
    key
}

/// The place of a packed word in [`SLOTS`]: a multiplicative hash whose multiplier was chosen
/// so that the known words do not collide (checked when [`SLOTS`] is built).
const fn slot(key: u128) -> usize {
    let x = (key as u64) ^ ((key >> 64) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (x.wrapping_mul(0x5d39_f1b8_e9b2_d06b) >> 55) as usize
}

/// The words [`lookup`] knows: [`VOCAB`] and the plural "todos".
const KNOWN: usize = VOCAB.len() + 1;

const fn known_word(i: usize) -> &'static str {
    if i < VOCAB.len() {
        VOCAB[i]
    } else {
        "todos"
    }
}

/// For each hash slot, the entry of [`KEYS`] and [`IDS`] (0: none).
const SLOTS: [u8; 512] = {
    let mut table = [0; 512];
    let mut i = 0;
    while i < KNOWN {
        let s = slot(pack(known_word(i).as_bytes()));
        assert!(table[s] == 0, "two known words share a hash slot");
        table[s] = (i + 1) as u8;
        i += 1;
    }
    table
};

/// The packed words of [`SLOTS`]' entries; entry 0 matches no word.
const KEYS: [u128; KNOWN + 1] = {
    let mut keys = [u128::MAX; KNOWN + 1];
    let mut i = 0;
    while i < KNOWN {
        keys[i + 1] = pack(known_word(i).as_bytes());
        i += 1;
    }
    keys
};

/// The canonical ids of [`SLOTS`]' entries.
const IDS: [u8; KNOWN + 1] = {
    let mut ids = [0; KNOWN + 1];
    let mut i = 0;
    while i < KNOWN {
        let w = known_word(i).as_bytes();
        let canonical = if pack(w) == pack(b"todos") {
            "todo"
        } else if pack(w) == pack(b"followups") {
            "followup"
        } else {
            known_word(i)
        };
        ids[i + 1] = id(canonical);
        i += 1;
    }
    ids
};

/// The ids of [`HEADING_WORDS`], as bits.
const HEADING_SET: u128 = {
    let mut bits = 0u128;
    let mut i = 0;
    while i < HEADING_WORDS.len() {
        bits |= 1 << id(HEADING_WORDS[i]);
        i += 1;
    }
    bits
};

/// More words than any heading has: counting stops there.
const MAX_WORDS: usize = 13;

/// A heading's canonical words as ids, and how many there are (counted up to [`MAX_WORDS`]).
struct Words {
    ids: [u8; MAX_WORDS],
    n: usize,
}

impl Words {
    fn push(&mut self, id: u8) {
        if self.n < MAX_WORDS {
            self.ids[self.n] = id;
            self.n += 1;
        }
    }

    fn ids(&self) -> &[u8] {
        &self.ids[..self.n]
    }
}

/// The id of the canonical form of one lower-case word: `todos` → `todo`, a typo of a
/// keyword → the keyword.
fn canonical_id(w: &[u8]) -> u8 {
    canonical(w, lookup(w))
}

/// [`canonical_id`] of a word whose [`lookup`] is `id`.
fn canonical(w: &[u8], id: u8) -> u8 {
    // A keyword is its own canonical form: no other keyword is within one edit of it.
    if w.len() >= 6 && KEYWORD_IDS >> id & 1 == 0 {
        if let Some(k) = near_keyword(w, true) {
            return lookup(k.as_bytes());
        }
    }
    id
}

/// The ids of [`KEYWORDS`], as bits.
const KEYWORD_IDS: u128 = {
    let mut bits = 0u128;
    let mut i = 0;
    while i < KEYWORDS.len() {
        bits |= 1 << id(KEYWORDS[i]);
        i += 1;
    }
    bits
};

/// Heading text as canonical word ids ("Follow-Up" → "followup", "To-Dos" → "todo").
fn words(heading: &str) -> Words {
    if !heading.is_ascii() || heading.len() > 128 {
        return words_slow(heading);
    }
    // ASCII text (nearly every heading) is lower-cased on the stack; its words are found from
    // a mask of letters and digits, not by loops whose ends the processor cannot guess.
    let mut buf = [0u8; PAD + 128 + 16];
    buf[PAD..PAD + heading.len()].copy_from_slice(heading.as_bytes());
    let mut alnum = 0u128;
    let chunks = buf[PAD..PAD + 128].chunks_exact_mut(8);
    for (k, chunk) in chunks.enumerate().take(heading.len().div_ceil(8)) {
        let (lower, bits) = lower_alnum(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        chunk.copy_from_slice(&lower.to_le_bytes());
        alnum |= u128::from(bits) << (8 * k);
    }
    let mut out = Words {
        ids: [0; MAX_WORDS],
        n: 0,
    };
    let mut starts = alnum & !(alnum << 1);
    let mut joins = false;
    while starts != 0 && out.n < MAX_WORDS {
        let start = starts.trailing_zeros() as usize;
        starts &= starts - 1;
        let len = (!(alnum >> start)).trailing_zeros() as usize;
        let (at, end) = (PAD + start, PAD + start + len);
        let packed = u128::from_le_bytes(buf[at..at + 16].try_into().unwrap_or_default())
            & u128::MAX >> (128 - 8 * len.min(16));
        let id = if len <= 16 { lookup_packed(packed) } else { 0 };
        out.push(canonical(&buf[at..end], id));
        joins |= may_join_next(&buf, end);
    }
    // A compound word ("follow-up", "to-do") is rare: the careful reader joins it.
    if joins {
        return words_slow(heading);
    }
    out
}

/// Bytes before the heading in [`words`]' buffer, so that the last eight bytes of any word can
/// be read.
const PAD: usize = 8;

/// Eight ASCII bytes in lower case, and the bits of those that are letters or digits: a few
/// arithmetic steps on all eight at once (no byte carries into the next: all are below 0x80).
fn lower_alnum(v: u64) -> (u64, u8) {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    // The top bit of each byte in lo..=hi.
    let within = |v: u64, lo: u8, hi: u8| {
        (v + ONES * u64::from(0x80 - lo)) & !(v + ONES * u64::from(0x7f - hi)) & HIGH
    };
    let lower = v | within(v, b'A', b'Z') >> 2;
    let alnum = within(lower, b'a', b'z') | within(lower, b'0', b'9');
    // One bit per byte, gathered into the top byte by one multiplication.
    let bits = ((alnum >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8;
    (lower, bits)
}

/// Whether the word ending at `end` of `buf` may be joined with the next one by
/// [`join_compounds`]: "follow" before a hyphen or a space, "to" or "post" before a hyphen.
fn may_join_next(buf: &[u8], end: usize) -> bool {
    let tail = u64::from_le_bytes(buf[end - 8..end].try_into().unwrap_or_default());
    let follow = tail >> 16 == u64::from_le_bytes(*b"follow\0\0");
    let to_or_post = (tail >> 48 == u64::from_le_bytes(*b"to\0\0\0\0\0\0"))
        | (tail >> 32 == u64::from_le_bytes(*b"post\0\0\0\0"));
    (buf[end] == b'-') & (follow | to_or_post) | (buf[end] == b' ') & follow
}

/// [`words`] by the careful reader: lower case that may change the length (non-ASCII
/// letters), compound words joined.
fn words_slow(heading: &str) -> Words {
    let mut out = Words {
        ids: [0; MAX_WORDS],
        n: 0,
    };
    for w in words_unicode(heading) {
        out.push(canonical_id(w.as_bytes()));
    }
    out
}

fn needs_joining(lower: &[u8]) -> bool {
    // Without a hyphen only "follow" can need joining, and without a `w` not even that: one
    // branch-free pass rules out most headings.
    let (hyphen, w) = lower.iter().fold((false, false), |(h, w), &c| {
        (h | (c == b'-'), w | (c == b'w'))
    });
    if !hyphen {
        return w && contains(lower, b"follow");
    }
    contains(lower, b"follow") || contains(lower, b"to-do") || contains(lower, b"post-mortem")
}

/// Whether `needle` occurs in `hay`; the first byte is compared alone, so most places cost
/// one compare.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w[0] == needle[0] && w == needle)
}

fn join_compounds(lower: &str) -> String {
    lower
        .replace("follow-up", "followup")
        .replace("follow up", "followup")
        .replace("to-do", "todo")
        .replace("post-mortem", "postmortem")
}

/// [`words`] for text with non-ASCII letters, whose lower case may change its length.
fn words_unicode(heading: &str) -> Vec<String> {
    let mut lower = heading.to_lowercase();
    // Only a few headings need their compound words joined; most skip the copies.
    if needs_joining(lower.as_bytes()) {
        lower = join_compounds(&lower);
    }
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .map(str::to_string)
        .collect()
}

/// Classifies a heading by meaning. Headings longer than twelve words are prose: `Other`.
pub(crate) fn classify(heading: &str) -> SectionKind {
    let w = words(heading);
    if w.n == 0 || w.n > 12 {
        return SectionKind::Other;
    }
    classify_words(w.ids())
}

/// Whether a plain line (no heading markup, no colon) is made only of heading words and
/// means a known section: "Events Timeline" yes, "The timeline was short" no.
pub(crate) fn is_plain_heading(line: &str) -> Option<SectionKind> {
    let w = words(line);
    if w.n == 0 || w.n > 6 {
        return None;
    }
    if !w.ids().iter().all(|&i| i != 0 && HEADING_SET >> i & 1 == 1) {
        return None;
    }
    Some(classify_words(w.ids())).filter(|k| *k != SectionKind::Other)
}

/// Whether word `a` is directly followed by word `b`; `present` has the bits of the words.
/// Inlined: nearly always the first test decides, and a call would cost more than it.
#[inline(always)]
fn adjacent(w: &[u8], present: u128, a: u8, b: u8) -> bool {
    let both = 1 << a | 1 << b;
    present & both == both && w.windows(2).any(|p| p[0] == a && p[1] == b)
}

fn classify_words(w: &[u8]) -> SectionKind {
    // The words present as bits: most tests below are one bit test, predictably false.
    let present = w.iter().fold(0u128, |bits, &i| bits | 1 << i);
    let has = |x: u8| present >> x & 1 == 1;
    let pair = |a: u8, b: u8| adjacent(w, present, a, b);
    use SectionKind::*;

    if has(w!("appendix")) || pair(w!("chat"), w!("log")) || pair(w!("chat"), w!("logs")) {
        return Appendix;
    }
    if has(w!("lessons"))
        || has(w!("learnings"))
        || has(w!("takeaways"))
        || pair(w!("went"), w!("well"))
        || pair(w!("went"), w!("wrong"))
        || pair(w!("went"), w!("poorly"))
        || pair(w!("got"), w!("lucky"))
        || (has(w!("what")) && (pair(w!("did"), w!("not")) || has(w!("didn"))))
    {
        return LessonsLearned;
    }
    if has(w!("timeline")) || has(w!("chronology")) || pair(w!("sequence"), w!("of")) {
        return Timeline;
    }
    if has(w!("contributing")) {
        return ContributingFactors;
    }
    if pair(w!("root"), w!("cause")) || pair(w!("root"), w!("causes")) || has(w!("summation")) {
        return RootCause;
    }
    // "Actions Taken" is what was done during the incident, not what is promised after it.
    if pair(w!("actions"), w!("taken"))
        || pair(w!("action"), w!("taken"))
        || pair(w!("steps"), w!("taken"))
    {
        return Resolution;
    }
    let corrective = has(w!("corrective"))
        || has(w!("remediation"))
        || pair(w!("immediate"), w!("actions"))
        || pair(w!("immediate"), w!("action"))
        || has(w!("mitigations"));
    let preventive = has(w!("prevent"))
        || has(w!("prevention"))
        || has(w!("preventive"))
        || has(w!("preventative"))
        || has(w!("preventions"))
        || (has(w!("future")) && has(w!("measures")));
    if corrective && preventive {
        return Measures;
    }
    if corrective {
        return Corrective;
    }
    if preventive {
        return Preventive;
    }
    if pair(w!("action"), w!("items"))
        || pair(w!("action"), w!("item"))
        || pair(w!("actions"), w!("items"))
        || pair(w!("action"), w!("plan"))
        || pair(w!("next"), w!("steps"))
        || has(w!("todo"))
        || has(w!("tasks"))
        || has(w!("task"))
        || has(w!("followup"))
        || has(w!("followups"))
        || (w.len() <= 2 && (has(w!("actions")) || has(w!("action"))))
        || (pair(w!("what"), w!("is")) && has(w!("done")))
        || pair(w!("work"), w!("items"))
    {
        return Tasks;
    }
    if has(w!("improvements"))
        || has(w!("improvement"))
        || has(w!("recommendations"))
        || has(w!("fixes"))
        || has(w!("measures"))
        || has(w!("countermeasures"))
    {
        return Measures;
    }
    if has(w!("detection")) {
        return Detection;
    }
    if has(w!("resolution"))
        || has(w!("recovery"))
        || has(w!("debugging"))
        || has(w!("investigation"))
        || has(w!("troubleshooting"))
        || has(w!("mitigation"))
    {
        return Resolution;
    }
    if has(w!("impact")) {
        return Impact;
    }
    if has(w!("duration")) {
        return Duration;
    }
    if has(w!("cause")) || has(w!("causes")) || has(w!("trigger")) {
        return RootCause;
    }
    if has(w!("summary"))
        || has(w!("overview"))
        || has(w!("synopsis"))
        || pair(w!("tl"), w!("dr"))
        || has(w!("tldr"))
    {
        return Summary;
    }
    if has(w!("conclusion"))
        || has(w!("conclusions"))
        || (has(w!("thoughts")) && (has(w!("final")) || has(w!("closing"))))
        || pair(w!("wrap"), w!("up"))
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
    fn anchors_are_found_by_their_first_letter() {
        for a in ANCHORS {
            assert!(anchors_for(a.as_bytes()[0]).contains(&a), "{a}");
            assert!(starts_like_anchor(a.as_bytes()), "{a}");
            assert!(starts_like_anchor(a.to_uppercase().as_bytes()), "{a}");
        }
        assert!(!starts_like_anchor(b"database"));
        assert!(may_name_section("Root-cause analysis"));
        assert!(may_name_section("the sumary")); // a typo of a keyword
        assert!(!may_name_section("We restarted the database"));
    }

    #[test]
    fn keywords_are_not_typos_of_each_other() {
        // canonical_id relies on it.
        for k in KEYWORDS {
            assert_eq!(near_keyword(k.as_bytes(), true), None, "{k}");
        }
    }

    #[test]
    fn near_keyword_filter_agrees_with_the_search() {
        let words = [
            "sumary",
            "summary",
            "symmary",
            "timelime",
            "restarted",
            "database",
            "preventive",
            "mesures",
            "measure",
            "overviews",
            "followup",
            "a-b-c-d",
            "0123456",
            "aaaaaaa",
        ];
        for w in words {
            let slow = (0..KEYWORDS.len())
                .filter(|&k| KEYWORDS[k].len().abs_diff(w.len()) <= 1)
                .find(|&k| edit_distance_at_most_one(w.as_bytes(), KEYWORDS[k].as_bytes()))
                .map(|k| KEYWORDS[k]);
            assert_eq!(near_keyword(w.as_bytes(), false), slow, "{w}");
        }
    }

    #[test]
    fn known_words_are_looked_up() {
        assert!(VOCAB.windows(2).all(|p| p[0] < p[1]));
        for (i, w) in VOCAB.iter().enumerate() {
            let canonical = match *w {
                "followups" => w!("followup"),
                _ => (i + 1) as u8,
            };
            assert_eq!(lookup(w.as_bytes()), canonical, "{w}");
        }
        assert_eq!(lookup(b"todos"), w!("todo"));
        assert_eq!(lookup(b"summary"), w!("summary"));
        assert_eq!(lookup(b"monitoring"), 0);
        assert_eq!(lookup(b"summaryx"), 0);
        assert_eq!(lookup(b"abcdefghijklmnopq"), 0);
    }

    #[test]
    fn mask_words_agree_with_the_careful_reader() {
        let headings = [
            "Follow-Up Actions",
            "follow up",
            "Unfollow-upper",
            "To-Dos",
            "Steps to take",
            "Post-Mortem Action Items",
            "post mortem",
            "TODOS and followups",
            "Corrective and Preventative Measures:",
            "Issue Symmary",
            "a b c d e f g h i j k l m n follow-up",
            "a b c d e f g h i j k l follow-up",
            "abcdefghijklmnopqrstuvwxyz0123456789 Timeline",
            "Root\tcause/Resolution (2024-01-01) [done]",
            "",
            "   ",
        ];
        let long = format!("{} Summary", "x-".repeat(70));
        for h in headings.iter().copied().chain([long.as_str()]) {
            assert_eq!(words(h).ids(), words_slow(h).ids(), "{h:?}");
        }
        for c in 0..0x80u8 {
            let (lower, bits) = lower_alnum(u64::from(c) << 16);
            assert_eq!(lower.to_le_bytes()[2], c.to_ascii_lowercase(), "{c}");
            assert_eq!(bits == 4, c.is_ascii_alphanumeric(), "{c}");
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
