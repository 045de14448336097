//! Server-sent events, as both OpenAI and Anthropic stream them: lines of
//! `event:` and `data:`, an event ending at a blank line.

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

/// Splits a byte stream into events; feed chunks as they arrive.
#[derive(Debug, Default)]
pub struct SseParser {
    buffer: Vec<u8>,
    current: SseEvent,
    has_data: bool,
}

impl SseParser {
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.buffer.extend_from_slice(chunk);
        let mut events = Vec::new();
        while let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if self.has_data || self.current.event.is_some() {
                    events.push(std::mem::take(&mut self.current));
                    self.has_data = false;
                }
            } else if let Some(value) = line.strip_prefix("data:") {
                if self.has_data {
                    self.current.data.push('\n');
                }
                self.current
                    .data
                    .push_str(value.strip_prefix(' ').unwrap_or(value));
                self.has_data = true;
            } else if let Some(value) = line.strip_prefix("event:") {
                self.current.event = Some(value.trim().to_owned());
            }
        }
        events
    }
}

/// The events of a streamed HTTP answer, one at a time, as chunks arrive.
pub struct SseEvents {
    parser: SseParser,
    chunks: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    ready: std::collections::VecDeque<SseEvent>,
}

impl SseEvents {
    pub fn new(response: reqwest::Response) -> Self {
        SseEvents {
            parser: SseParser::default(),
            chunks: Box::pin(response.bytes_stream()),
            ready: Default::default(),
        }
    }

    /// The next event, or `None` when the stream has ended.
    pub async fn next(&mut self) -> reqwest::Result<Option<SseEvent>> {
        use futures::StreamExt;
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Ok(Some(event));
            }
            match self.chunks.next().await {
                Some(chunk) => self.ready.extend(self.parser.feed(&chunk?)),
                None => return Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_are_reassembled() {
        let mut p = SseParser::default();
        let mut events = p.feed(b"event: message_start\ndata: {\"a\"");
        assert!(events.is_empty());
        events.extend(p.feed(b":1}\n\ndata: [DONE]\n\n"));
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].event.as_deref(), Some("message_start"));
        assert_eq!(events[0].data, "{\"a\":1}");
        assert_eq!(events[1].data, "[DONE]");
    }
}
