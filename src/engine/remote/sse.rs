//! Server-sent events framing (the `text/event-stream` format of the WHATWG HTML standard), as
//! OpenAI-compatible servers stream chat replies.
//!
//! Hand-written on purpose: the SSE crates on crates.io (`eventsource-stream`, `sse-stream`,
//! `eventsource-client`) are built on async streams or their own HTTP client, while the remote
//! engine reads a blocking `ureq` body on a thread of its own. The format is a few line rules,
//! all of which are tested below.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The `event:` field (`message` when absent).
    pub event: String,
    /// The `data:` lines joined by `\n`.
    pub data: String,
}

/// Turns lines (without their line ending) into events.
#[derive(Debug, Default)]
pub struct Parser {
    event: Option<String>,
    data: Option<String>,
}

impl Parser {
    /// Feeds one line; returns the event a blank line completes.
    pub fn line(&mut self, line: &str) -> Option<Event> {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            let data = self.data.take();
            let event = self.event.take();
            return data.map(|data| Event {
                event: event.unwrap_or_else(|| "message".into()),
                data,
            });
        }
        if line.starts_with(':') {
            return None; // a comment (keep-alive)
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            },
            "event" => self.event = Some(value.to_string()),
            _ => {} // id, retry and unknown fields do not matter here
        }
        None
    }

    /// The event pending when the stream ends without a final blank line (servers that close
    /// right after the last `data:` line).
    pub fn finish(&mut self) -> Option<Event> {
        self.line("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Vec<Event> {
        let mut p = Parser::default();
        let mut out: Vec<Event> = text.split('\n').filter_map(|l| p.line(l)).collect();
        out.extend(p.finish());
        out
    }

    #[test]
    fn splits_events_on_blank_lines() {
        let e = events("data: {\"a\":1}\n\ndata: [DONE]\n\n");
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].data, "{\"a\":1}");
        assert_eq!(e[0].event, "message");
        assert_eq!(e[1].data, "[DONE]");
    }

    #[test]
    fn joins_multi_line_data_and_keeps_event_names() {
        let e = events("event: error\ndata: one\ndata:two\n\n");
        assert_eq!(
            e,
            vec![Event {
                event: "error".into(),
                data: "one\ntwo".into()
            }]
        );
    }

    #[test]
    fn ignores_comments_ids_and_crlf() {
        let e = events(": keep-alive\r\nid: 7\r\ndata: x\r\n\r\n");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].data, "x");
    }

    #[test]
    fn a_blank_line_without_data_dispatches_nothing() {
        assert!(events("\n\nevent: ping\n\n").is_empty());
    }

    #[test]
    fn a_last_event_without_blank_line_is_kept() {
        let e = events("data: tail");
        assert_eq!(e[0].data, "tail");
    }

    #[test]
    fn only_one_leading_space_is_stripped() {
        let e = events("data:  two spaces\n\n");
        assert_eq!(e[0].data, " two spaces");
    }
}
