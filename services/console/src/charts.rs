//! Inline SVG charts rendered on the server: no script, no external file.
//! Each chart has a `<title>` and `<desc>` (read by screen readers) and the
//! page shows the same numbers in a table under it. Every text written into
//! the SVG is escaped here.

use std::fmt::Write;

/// One group of bars (for instance a month) with one value per series.
#[derive(Debug, Clone)]
pub struct Group {
    pub label: String,
    pub values: Vec<f64>,
}

/// A horizontal reference line, for instance the SLA or 72 hours.
#[derive(Debug, Clone)]
pub struct Reference {
    pub label: String,
    pub value: f64,
}

const PALETTE: [&str; 6] = [
    "#0b5cad", "#c15700", "#1d6b2f", "#6b3fa0", "#a4141b", "#4a525c",
];

pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// A grouped bar chart: `series` names the bars of each group.
pub fn bars(title: &str, series: &[&str], groups: &[Group], refs: &[Reference]) -> String {
    let (w, h) = (760.0_f64, 300.0_f64);
    let (left, right, top, bottom) = (48.0, 16.0, 40.0, 48.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let max = groups
        .iter()
        .flat_map(|g| g.values.iter().copied())
        .chain(refs.iter().map(|r| r.value))
        .fold(0.0_f64, f64::max);
    let max = if max <= 0.0 { 1.0 } else { max * 1.1 };
    let y = |v: f64| top + plot_h - (v / max) * plot_h;
    let mut s = String::new();
    // What the bars stand for, in the page's words (the numbers are in the
    // table beside every chart).
    let desc = series.join(", ");
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{t}</title><desc id="{id}-d">{d}</desc>"#,
        id = slug(title),
        t = escape(title),
        d = escape(&desc),
    );
    // Axes and a few grid lines.
    for i in 0..=4 {
        let v = max / 1.1 * f64::from(i) / 4.0;
        let yy = y(v);
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{x2}" y1="{yy:.1}" y2="{yy:.1}" stroke="#c9ced6" stroke-width="1"/><text x="{tx}" y="{ty:.1}" font-size="11" text-anchor="end" fill="#4a525c">{label}</text>"##,
            x2 = w - right,
            tx = left - 4.0,
            ty = yy + 4.0,
            label = escape(&fmt_num(v)),
        );
    }
    let n = groups.len().max(1) as f64;
    let gw = plot_w / n;
    let k = series.len().max(1) as f64;
    let bw = (gw * 0.8 / k).max(1.0);
    for (gi, g) in groups.iter().enumerate() {
        let gx = left + gw * gi as f64 + gw * 0.1;
        for (si, v) in g.values.iter().enumerate() {
            let x = gx + bw * si as f64;
            let yy = y(*v);
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{yy:.1}" width="{bw:.1}" height="{hh:.1}" fill="{c}"><title>{tt}</title></rect>"#,
                hh = (top + plot_h - yy).max(0.0),
                c = PALETTE[si % PALETTE.len()],
                tt = escape(&format!(
                    "{} · {}: {}",
                    g.label,
                    series.get(si).copied().unwrap_or(""),
                    fmt_num(*v)
                )),
            );
        }
        let _ = write!(
            s,
            r##"<text x="{x:.1}" y="{ty}" font-size="11" text-anchor="middle" fill="#1b1f24">{l}</text>"##,
            x = gx + gw * 0.4,
            ty = h - bottom + 16.0,
            l = escape(&g.label),
        );
    }
    for r in refs {
        let yy = y(r.value);
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{x2}" y1="{yy:.1}" y2="{yy:.1}" stroke="#a4141b" stroke-width="2" stroke-dasharray="6 4"/><text x="{x2}" y="{ty:.1}" font-size="11" text-anchor="end" fill="#a4141b">{l}</text>"##,
            x2 = w - right,
            ty = yy - 4.0,
            l = escape(&format!("{} ({})", r.label, fmt_num(r.value))),
        );
    }
    // Legend.
    for (si, name) in series.iter().enumerate() {
        let x = left + 150.0 * si as f64;
        let _ = write!(
            s,
            r##"<rect x="{x}" y="12" width="12" height="12" fill="{c}"/><text x="{tx}" y="22" font-size="12" fill="#1b1f24">{l}</text>"##,
            c = PALETTE[si % PALETTE.len()],
            tx = x + 16.0,
            l = escape(name),
        );
    }
    s.push_str("</svg>");
    s
}

fn slug(s: &str) -> String {
    let mut o: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    o.insert_str(0, "chart-");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_have_a_title_a_bar_per_value_and_escape_text() {
        let svg = bars(
            "Requests <per> month",
            &["access", "erasure"],
            &[
                Group {
                    label: "2026-10".into(),
                    values: vec![3.0, 1.0],
                },
                Group {
                    label: "2026-11\"".into(),
                    values: vec![0.0, 5.0],
                },
            ],
            &[Reference {
                label: "SLA".into(),
                value: 24.0,
            }],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(
            "<title id=\"chart-requests--per--month-t\">Requests &lt;per&gt; month</title>"
        ));
        // four data bars and two legend swatches
        assert_eq!(svg.matches("<rect").count(), 6);
        assert!(svg.contains("2026-11&quot;"));
        assert!(!svg.contains("<per>"));
        assert!(svg.contains("SLA (24)"));
    }
}
