//! Where each pane goes for a terminal size. Shared by drawing and by mouse
//! handling, so a click lands on what was drawn there.

use ratatui::layout::Rect;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub header: Rect,
    pub body: Rect,
    pub status: Rect,
    pub timeline: Rect,
    pub detail: Rect,
}

/// Splits the screen: a header line, the body, a status line. On the trace
/// screen the body holds the timeline and the detail: side by side when
/// wide, stacked otherwise, or the detail alone when full screen.
pub fn areas(size: Rect, detail_fullscreen: bool) -> Areas {
    let header = Rect {
        height: size.height.min(1),
        ..size
    };
    let status_y = size.bottom().saturating_sub(1).max(size.y);
    let status = Rect {
        y: status_y,
        height: size.height.min(1),
        ..size
    };
    let body = Rect {
        y: size.y + header.height,
        height: size.height.saturating_sub(header.height + status.height),
        ..size
    };
    let (timeline, detail) = if detail_fullscreen {
        (Rect { height: 0, ..body }, body)
    } else if body.width >= 150 {
        let left = body.width * 3 / 5;
        (
            Rect {
                width: left,
                ..body
            },
            Rect {
                x: body.x + left,
                width: body.width - left,
                ..body
            },
        )
    } else {
        let top = (body.height * 11 / 20).max(body.height.min(5));
        (
            Rect {
                height: top,
                ..body
            },
            Rect {
                y: body.y + top,
                height: body.height - top,
                ..body
            },
        )
    };
    Areas {
        header,
        body,
        status,
        timeline,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_tile_the_screen_at_any_size() {
        for (w, h) in [(80, 24), (60, 20), (200, 50), (10, 3), (1, 1)] {
            let a = areas(Rect::new(0, 0, w, h), false);
            assert!(a.timeline.bottom() <= a.body.bottom());
            assert!(a.detail.bottom() <= a.body.bottom() || a.detail.height == 0);
            assert!(a.body.bottom() <= h);
        }
    }
}
