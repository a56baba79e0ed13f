//! Small charts drawn on the server as SVG: bars for a count per day, a line
//! for a share per day. No script and no chart library. Each chart is an
//! image with a <title> and <desc> for screen readers; each mark carries its
//! own <title>, a printed value and `data-key`/`data-value` attributes; the
//! colours are set on the elements, so the chart prints as it shows.

use std::fmt::Write;

/// One x position: a day, say.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// A stable key for the mark (the date), in `data-key`.
    pub key: String,
    /// The x-axis label (周一 11-23).
    pub label: String,
    /// None where there is nothing to show (no follow-up due that day).
    pub value: Option<f64>,
    /// The value as printed on the mark (3, 66.7%).
    pub text: String,
}

/// What to draw.
pub struct Chart<'a> {
    /// Unique on the page: the title and description are found by id.
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    pub points: &'a [Point],
    /// The top of the value axis; None to fit the data.
    pub max: Option<f64>,
    /// How an axis value is printed.
    pub tick: &'a dyn Fn(f64) -> String,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 40.0;
const INK: &str = "#1f2933";
const MUTED: &str = "#66788a";
const GRID: &str = "#d9e2ec";
const MARK: &str = "#1d4f91";

/// A bar per point, its value above it.
pub fn bars(c: &Chart) -> String {
    let frame = Frame::new(c);
    let mut svg = frame.open(c);
    let band = frame.band();
    for (i, p) in c.points.iter().enumerate() {
        let v = p.value.unwrap_or(0.0);
        let (x, y) = (frame.x(i) - band * 0.3, frame.y(v));
        let _ = write!(
            svg,
            r#"<g><title>{title}</title><rect data-key="{key}" data-value="{value}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{MARK}"/><text x="{cx:.1}" y="{ty:.1}" text-anchor="middle" font-size="12" fill="{INK}">{text}</text></g>"#,
            title = escape(&format!("{}: {}", p.label, p.text)),
            key = escape(&p.key),
            value = number(v),
            w = band * 0.6,
            h = frame.bottom() - y,
            cx = frame.x(i),
            ty = y - 4.0,
            text = escape(&p.text),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A line through the points that have a value, a dot and the value at each;
/// the line breaks where a point has none.
pub fn line(c: &Chart) -> String {
    let frame = Frame::new(c);
    let mut svg = frame.open(c);
    let mut segment: Vec<(f64, f64)> = Vec::new();
    let mut segments: Vec<Vec<(f64, f64)>> = Vec::new();
    for (i, p) in c.points.iter().enumerate() {
        match p.value {
            Some(v) => segment.push((frame.x(i), frame.y(v))),
            None => segments.push(std::mem::take(&mut segment)),
        }
    }
    segments.push(segment);
    for s in segments.iter().filter(|s| s.len() > 1) {
        let pts: Vec<String> = s.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = write!(svg, r#"<polyline points="{}" fill="none" stroke="{MARK}" stroke-width="2"/>"#, pts.join(" "));
    }
    for (i, p) in c.points.iter().enumerate() {
        let title = escape(&format!("{}: {}", p.label, p.text));
        let text = escape(&p.text);
        let _ = match p.value {
            Some(v) => write!(
                svg,
                r#"<g><title>{title}</title><circle data-key="{key}" data-value="{value}" cx="{x:.1}" cy="{y:.1}" r="4" fill="{MARK}"/><text x="{x:.1}" y="{ty:.1}" text-anchor="middle" font-size="12" fill="{INK}">{text}</text></g>"#,
                key = escape(&p.key),
                value = number(v),
                x = frame.x(i),
                y = frame.y(v),
                ty = frame.y(v) - 8.0,
            ),
            None => write!(
                svg,
                r#"<g><title>{title}</title><text x="{x:.1}" y="{y:.1}" text-anchor="middle" font-size="12" fill="{MUTED}">{text}</text></g>"#,
                x = frame.x(i),
                y = frame.bottom() - 4.0,
            ),
        };
    }
    svg.push_str("</svg>");
    svg
}

/// The plot area and the value scale.
struct Frame {
    n: usize,
    max: f64,
}

impl Frame {
    fn new(c: &Chart) -> Frame {
        let top = c.points.iter().filter_map(|p| p.value).fold(0.0, f64::max);
        Frame { n: c.points.len().max(1), max: c.max.unwrap_or_else(|| nice_ceiling(top)) }
    }

    fn band(&self) -> f64 {
        (WIDTH - LEFT - RIGHT) / self.n as f64
    }

    fn bottom(&self) -> f64 {
        HEIGHT - BOTTOM
    }

    /// The centre of the i-th band.
    fn x(&self, i: usize) -> f64 {
        LEFT + self.band() * (i as f64 + 0.5)
    }

    fn y(&self, v: f64) -> f64 {
        let share = if self.max > 0.0 { (v / self.max).clamp(0.0, 1.0) } else { 0.0 };
        self.bottom() - share * (self.bottom() - TOP)
    }

    /// The opening tag, title, description, grid with its values and the
    /// x-axis labels.
    fn open(&self, c: &Chart) -> String {
        let id = escape(c.id);
        let mut svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" font-family="system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>"#,
            title = escape(c.title),
            desc = escape(c.desc),
        );
        for v in [0.0, self.max / 2.0, self.max] {
            let y = self.y(v);
            let _ = write!(
                svg,
                r#"<line x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="{GRID}"/><text x="{tx}" y="{ty:.1}" text-anchor="end" font-size="11" fill="{MUTED}">{label}</text>"#,
                x2 = WIDTH - RIGHT,
                tx = LEFT - 6.0,
                ty = y + 4.0,
                label = escape(&(c.tick)(v)),
            );
        }
        // Where the labels are wider than their bands (twelve months'
        // "2026-01"), every k-th one is printed, so none runs into the next.
        let widest = c.points.iter().map(|p| label_width(&p.label)).fold(0.0, f64::max);
        let every = ((widest + 4.0) / self.band()).ceil().max(1.0) as usize;
        for (i, p) in c.points.iter().enumerate().filter(|(i, _)| i % every == 0) {
            let _ = write!(
                svg,
                r#"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" font-size="12" fill="{INK}">{label}</text>"#,
                x = self.x(i),
                y = HEIGHT - BOTTOM + 18.0,
                label = escape(&p.label),
            );
        }
        svg
    }
}

/// About how wide a label prints at font size 12: a Chinese character is a
/// full em, a digit or Latin letter a little over half of one.
fn label_width(label: &str) -> f64 {
    label.chars().map(|ch| if ch.is_ascii() { 7.0 } else { 12.0 }).sum()
}

/// The smallest of 1, 2, 5, 10, 20, 50… at or above `v` (at least 1), so
/// the axis reads in round numbers.
fn nice_ceiling(v: f64) -> f64 {
    let mut step = 1.0;
    loop {
        for m in [1.0, 2.0, 5.0] {
            if v <= step * m {
                return step * m;
            }
        }
        step *= 10.0;
    }
}

/// A value for an attribute: whole numbers without decimals, others to four
/// places.
fn number(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.4}") }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(values: &[Option<f64>]) -> Vec<Point> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Point {
                key: format!("2026-11-{:02}", 23 + i),
                label: format!("D{i}"),
                value: *v,
                text: v.map_or("—".into(), number),
            })
            .collect()
    }

    fn chart<'a>(points: &'a [Point], tick: &'a dyn Fn(f64) -> String) -> Chart<'a> {
        Chart { id: "c1", title: "每日应回访 <周>", desc: "d", points, max: None, tick }
    }

    #[test]
    fn one_bar_per_point_scaled_to_a_round_maximum() {
        let p = points(&[Some(3.0), Some(0.0), Some(4.0)]);
        let tick = number;
        let svg = bars(&chart(&p, &tick));
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains(r#"data-key="2026-11-23" data-value="3""#), "{svg}");
        assert!(svg.contains("<title>D2: 4</title>"));
        assert!(svg.contains("每日应回访 &lt;周&gt;"), "text is escaped");
        // The axis tops out at 5: a bar of 4 fills four fifths of the plot.
        let plot = HEIGHT - BOTTOM - TOP;
        assert!(svg.contains(&format!(r#"height="{:.1}""#, plot * 0.8)), "{svg}");
        assert!(svg.contains(">5</text>"));
    }

    #[test]
    fn a_line_breaks_where_there_is_no_value() {
        let p = points(&[Some(0.5), Some(1.0), None, Some(0.25), Some(0.75)]);
        let tick = |v: f64| format!("{:.0}%", v * 100.0);
        let svg = line(&Chart { max: Some(1.0), ..chart(&p, &tick) });
        assert_eq!(svg.matches("<circle").count(), 4);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains(r#"data-value="0.2500""#));
        assert!(svg.contains(">100%</text>"));
    }

    #[test]
    fn labels_too_wide_for_their_bands_are_thinned_out() {
        let months: Vec<Point> = (1..=12)
            .map(|m| Point {
                key: format!("2026-{m:02}"),
                label: format!("2026-{m:02}"),
                value: Some(1.0),
                text: "1".into(),
            })
            .collect();
        let tick = number;
        let svg = bars(&chart(&months, &tick));
        // Twelve bands of 48 px cannot hold twelve 49-px labels: every
        // other one is printed, starting with the first.
        assert!(svg.contains(">2026-01</text>") && svg.contains(">2026-03</text>"), "{svg}");
        assert!(!svg.contains(">2026-02</text>"), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 12, "every bar is still drawn");
        let short = points(&[Some(1.0), Some(2.0), Some(3.0)]);
        let svg = bars(&chart(&short, &tick));
        assert!((0..3).all(|i| svg.contains(&format!(">D{i}</text>"))), "short labels all print");
    }

    #[test]
    fn round_maxima() {
        let table = [(0.0, 1.0), (1.0, 1.0), (1.5, 2.0), (3.0, 5.0), (7.0, 10.0), (11.0, 20.0), (120.0, 200.0)];
        for (v, want) in table {
            assert_eq!(nice_ceiling(v), want, "{v}");
        }
    }
}
