//! JSON pretty-printed and tokenised with syntect, so the theme (not
//! syntect's own colour schemes) decides every colour.

use std::sync::OnceLock;

use syntect::parsing::{ParseState, ScopeStack, SyntaxSet};

/// What a piece of text is; the theme maps each to a style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    Plain,
    Muted,
    Heading,
    Label,
    Key,
    Str,
    Num,
    Literal,
    Error,
}

/// One line of detail text as styled segments.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StyledLine {
    pub segments: Vec<(Token, String)>,
}

impl StyledLine {
    pub fn plain(token: Token, text: impl Into<String>) -> Self {
        StyledLine {
            segments: vec![(token, text.into())],
        }
    }

    pub fn text(&self) -> String {
        self.segments.iter().map(|(_, s)| s.as_str()).collect()
    }
}

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Tokenises pretty-printed JSON lines. Falls back to plain text if the
/// JSON grammar is missing.
pub fn highlight_json(text: &str, max_lines: usize) -> Vec<StyledLine> {
    let set = syntaxes();
    let Some(syntax) = set.find_syntax_by_extension("json") else {
        return text
            .lines()
            .take(max_lines)
            .map(|l| StyledLine::plain(Token::Plain, l))
            .collect();
    };
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut out = Vec::new();
    for line in text.lines().take(max_lines) {
        let with_newline = format!("{line}\n");
        let Ok(ops) = state.parse_line(&with_newline, set) else {
            out.push(StyledLine::plain(Token::Plain, line));
            continue;
        };
        let mut segments: Vec<(Token, String)> = Vec::new();
        let mut last = 0;
        for (offset, op) in ops {
            let offset = offset.min(line.len());
            if offset > last {
                push_segment(&mut segments, token_of(&stack), &line[last..offset]);
                last = offset;
            }
            let _ = stack.apply(&op);
        }
        if last < line.len() {
            push_segment(&mut segments, token_of(&stack), &line[last..]);
        }
        out.push(StyledLine { segments });
    }
    out
}

fn push_segment(segments: &mut Vec<(Token, String)>, token: Token, text: &str) {
    match segments.last_mut() {
        Some((t, s)) if *t == token => s.push_str(text),
        _ => segments.push((token, text.to_owned())),
    }
}

fn token_of(stack: &ScopeStack) -> Token {
    let mut token = Token::Plain;
    for scope in stack.as_slice() {
        let name = scope.build_string();
        if name.starts_with("meta.mapping.key")
            || name.contains("dictionary.key")
            || name.contains("property-name")
        {
            token = Token::Key;
        } else if name.starts_with("string") && token != Token::Key {
            token = Token::Str;
        } else if name.starts_with("constant.numeric") {
            token = Token::Num;
        } else if name.starts_with("constant.language") {
            token = Token::Literal;
        }
    }
    token
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_strings_numbers_and_literals_are_told_apart() {
        let lines = highlight_json(
            "{\n  \"amount\": 19.99,\n  \"ok\": true,\n  \"id\": \"A-1\"\n}",
            100,
        );
        let tokens: Vec<Token> = lines[1].segments.iter().map(|(t, _)| *t).collect();
        assert!(tokens.contains(&Token::Key), "{:?}", lines[1]);
        assert!(tokens.contains(&Token::Num), "{:?}", lines[1]);
        assert!(lines[2]
            .segments
            .iter()
            .any(|(t, s)| *t == Token::Literal && s == "true"));
        assert!(lines[3]
            .segments
            .iter()
            .any(|(t, s)| *t == Token::Str && s.contains("A-1")));
        assert_eq!(lines[1].text(), "  \"amount\": 19.99,");
    }
}
