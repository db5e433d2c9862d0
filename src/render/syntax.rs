//! Template syntax errors in the user's words.
//!
//! handlebars reports a syntax error as the list of grammar rules its parser expected
//! ("expected escape, expression, html_expression, decorator_expression, …") at the place it
//! stopped, which is often the end of the file. This module looks at the template itself to say
//! what is wrong and where it started: a block that is never closed (at its `{{#…}}`), a
//! closing tag with no block, an expression without its `}}`, an empty expression, a comment
//! left open.

use handlebars::TemplateErrorReason;

/// What is wrong, and the (line, column) to point at (1-based), for a template that did not
/// compile. `pos` is where handlebars stopped.
pub fn explain(
    text: &str,
    reason: &TemplateErrorReason,
    pos: Option<(usize, usize)>,
) -> (String, Option<(usize, usize)>) {
    match reason {
        TemplateErrorReason::MismatchingClosedHelper(open, close)
        | TemplateErrorReason::MismatchingClosedDecorator(open, close) => (
            format!("`{{{{/{close}}}}}` closes the block `{{{{#{open}}}}}`: write `{{{{/{open}}}}}` here (or close `{{{{#{open}}}}}` before it)"),
            pos,
        ),
        TemplateErrorReason::InvalidSyntax(_) => match unbalanced(text) {
            Some(found) => found,
            None => at_position(text, pos),
        },
        TemplateErrorReason::InvalidParam(p) => (format!("`{p}` is not a valid parameter"), pos),
        other => (other.to_string(), pos),
    }
}

/// The tags of `text`: (byte offset of `{{`, the text between the braces).
fn tags(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("{{") {
        let start = from + i;
        // A comment `{{!-- … --}}` may hold braces; it ends at `--}}`.
        let close = if text[start..].starts_with("{{!--") {
            text[start..].find("--}}").map(|j| j + 2)
        } else {
            text[start..].find("}}")
        };
        let Some(j) = close else { break };
        out.push((start, &text[start + 2..start + j]));
        from = start + j + 2;
    }
    out
}

/// (line, column), 1-based, of a byte offset.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line, col)
}

/// A block opened and never closed, or a closing tag without its block.
fn unbalanced(text: &str) -> Option<(String, Option<(usize, usize)>)> {
    let mut open: Vec<(usize, String)> = Vec::new();
    for (at, tag) in tags(text) {
        let t = tag.trim_start_matches(['{', '~']).trim_start();
        if let Some(rest) = t.strip_prefix('#') {
            let name = rest
                .trim_start_matches(['>', '*'])
                .split_whitespace()
                .next();
            open.push((at, name.unwrap_or("").trim_end_matches('~').to_string()));
        } else if let Some(rest) = t.strip_prefix('/') {
            let name = rest.trim().trim_end_matches('~').trim();
            if open.pop().is_none() {
                return Some((
                    format!("`{{{{/{name}}}}}` closes no block: remove it, or open the block with `{{{{#{name} …}}}}` before it"),
                    Some(line_col(text, at)),
                ));
            }
        }
    }
    open.pop().map(|(at, name)| {
        (
            format!(
                "the block `{{{{#{name}}}}}` is never closed: add `{{{{/{name}}}}}` where it ends"
            ),
            Some(line_col(text, at)),
        )
    })
}

/// What stands at the place handlebars stopped, pointing at the start of the expression
/// there.
fn at_position(text: &str, pos: Option<(usize, usize)>) -> (String, Option<(usize, usize)>) {
    let Some((line, col)) = pos else {
        return ("the template cannot be read".into(), pos);
    };
    let l = text.lines().nth(line - 1).unwrap_or("");
    let upto: String = l.chars().take(col.saturating_sub(1)).collect();
    let Some(start) = upto.rfind("{{") else {
        return (
            format!("the template cannot be read at `{}`", snippet(l)),
            pos,
        );
    };
    // `{{{raw}}`: the expression starts at the first of its braces.
    let start = upto[..start].trim_end_matches('{').len();
    let at = Some((line, l[..start].chars().count() + 1));
    (describe_expression(&l[start..]), at)
}

/// What is wrong with the expression at the start of `expr` (the rest of its line).
fn describe_expression(expr: &str) -> String {
    let expr_end = expr.find("}}").map_or(expr.len(), |i| {
        // A triple-stash ends with three braces.
        i + 2 + usize::from(expr[i + 2..].starts_with('}'))
    });
    let expr = &expr[..expr_end];
    let inner = expr.trim_start_matches('{').trim_end_matches('}').trim();
    if expr.starts_with("{{!") {
        return format!(
            "the comment `{}` is not closed: end it with `--}}}}` (or `}}}}` for `{{{{! …}}}}`)",
            snippet(expr)
        );
    }
    if inner.is_empty() {
        return format!(
            "the expression `{}` is empty: write a variable or a helper between the braces",
            snippet(expr)
        );
    }
    if expr.starts_with("{{{") && !expr.ends_with("}}}") {
        return format!("`{}` opens with three braces: close it with three (`}}}}}}`), or write `{{{{{inner}}}}}`", snippet(expr));
    }
    if !expr.ends_with("}}") {
        return format!(
            "the expression `{}` is not closed: end it with `}}}}`",
            snippet(expr)
        );
    }
    if inner.trim_end_matches('~').trim_end().ends_with('=') {
        return format!("`{}`: a parameter has no value after `=`", snippet(expr));
    }
    if inner == "else" {
        return "a second `{{else}}` in one block".into();
    }
    format!("handlebars cannot read `{}`", snippet(expr))
}

/// At most 60 characters of a piece of template, for a message.
fn snippet(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(text: &str) -> (String, Option<(usize, usize)>) {
        let mut hb = handlebars::Handlebars::new();
        let e = hb.register_template_string("t", text).unwrap_err();
        explain(text, e.reason(), e.pos())
    }

    #[test]
    fn says_what_is_wrong_where_it_starts() {
        let cases = [
            (
                "# Status\n{{#each items}}\n- {{item.text}}\n",
                "the block `{{#each}}` is never closed: add `{{/each}}`",
                (2, 1),
            ),
            ("x\n  {{/if}}\n", "`{{/if}}` closes no block", (2, 3)),
            (
                "{{#if a}}\n{{/each}}",
                "`{{/each}}` closes the block `{{#if}}`",
                (2, 1),
            ),
            (
                "a {{foo}\nb",
                "the expression `{{foo}` is not closed: end it with `}}`",
                (1, 3),
            ),
            ("a {{ }} b", "the expression `{{ }}` is empty", (1, 3)),
            ("{{foo bar=}}", "a parameter has no value", (1, 1)),
            ("{{{raw}}", "opens with three braces", (1, 1)),
            (
                "ok {{!-- unclosed",
                "the comment `{{!-- unclosed` is not closed",
                (1, 4),
            ),
        ];
        for (text, says, at) in cases {
            let (message, pos) = compile(text);
            assert!(message.contains(says), "{text:?}: {message}");
            assert!(!message.contains("expected"), "{message}");
            assert_eq!(pos, Some(at), "{text:?}: {message}");
        }
    }
}
