//! The dashboard's numbers as plain data: the weeks it covers, the verdict steps,
//! and the geometry of its bar charts (the page draws them as SVG from these numbers).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

/// How many weeks the weekly numbers cover, the current one included.
pub const WEEKS: usize = 12;

/// The Monday (UTC) starting the week `at` falls in.
pub fn week_of(at: DateTime<Utc>) -> NaiveDate {
    let day = at.date_naive();
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// The first days of the last [`WEEKS`] weeks, oldest first, ending with the week of `now`.
pub fn last_weeks(now: DateTime<Utc>) -> Vec<NaiveDate> {
    let current = week_of(now);
    (0..WEEKS as i64)
        .rev()
        .map(|back| current - Duration::weeks(back))
        .collect()
}

/// Where the weekly window starts: midnight UTC on its first Monday.
pub fn window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let first = last_weeks(now)
        .first()
        .copied()
        .unwrap_or_else(|| now.date_naive());
    first.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// The `p`-quantile (0 to 1) of a histogram given as `(value, count)` pairs in ascending
/// order of value, interpolated between the two nearest values as PostgreSQL's
/// `percentile_cont` does over the values the histogram stands for; `None` when it is empty.
pub fn percentile(histogram: &[(f64, i64)], p: f64) -> Option<f64> {
    let total: i64 = histogram.iter().map(|(_, n)| (*n).max(0)).sum();
    if total == 0 {
        return None;
    }
    let position = p.clamp(0.0, 1.0) * (total - 1) as f64;
    let below = position.floor() as i64;
    let fraction = position - below as f64;
    // The value at 0-based position `k` of the sorted values.
    let at = |k: i64| {
        let mut seen = 0;
        for (value, n) in histogram {
            seen += (*n).max(0);
            if k < seen {
                return *value;
            }
        }
        histogram.last().map_or(0.0, |(value, _)| *value)
    };
    let low = at(below);
    if fraction == 0.0 {
        return Some(low);
    }
    Some(low + (at(below + 1) - low) * fraction)
}

/// A verdict step as the dashboard groups them: the rating 1–5, 0 for unverifiable.
pub fn step_name(step: i16) -> &'static str {
    match step {
        5 => "True",
        4 => "Mostly true",
        3 => "Mixed",
        2 => "Mostly false",
        1 => "False",
        _ => "Unverifiable",
    }
}

/// The steps from true to false, then unverifiable: the order of the verdict-mix columns.
pub const STEPS: [i16; 6] = [5, 4, 3, 2, 1, 0];

/// One bar of a chart, in the SVG's user units.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub label: String,
    pub value: i64,
}

/// Chart height in user units, bars drawn from the bottom.
pub const CHART_HEIGHT: u32 = 120;
/// Width of one bar slot.
pub const SLOT: u32 = 40;

/// Bars for `values`, scaled to the tallest (a chart of zeros has no bars taller than 0).
/// Each slot holds `series` bars side by side; `values[i]` goes to slot `i / series`.
pub fn bars(values: &[(String, i64)], series: u32) -> Vec<Bar> {
    let series = series.max(1);
    let max = values.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let width = (SLOT - 8) / series;
    values
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let value = (*value).max(0);
            let slot = i as u32 / series;
            let within = i as u32 % series;
            // Whole units are fine at this size; the table carries the exact number.
            let height = ((value as f64 / max as f64) * f64::from(CHART_HEIGHT)).round() as u32;
            Bar {
                x: slot * SLOT + 4 + within * width,
                y: CHART_HEIGHT - height,
                width,
                height,
                label: label.clone(),
                value,
            }
        })
        .collect()
}

/// Width of a stacked bar, in user units.
pub const STACK_WIDTH: u32 = 400;

/// One segment of a stacked bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub x: u32,
    pub width: u32,
    /// Index of the series (for its colour).
    pub series: usize,
    pub value: i64,
}

/// A horizontal bar split by share: segments for the non-zero `values`, left to right, each
/// as wide as its share of the row's total; the last one takes up the rounding.
pub fn stacked(values: &[i64]) -> Vec<Segment> {
    let total: i64 = values.iter().map(|v| (*v).max(0)).sum();
    if total == 0 {
        return Vec::new();
    }
    let mut x = 0;
    let mut out: Vec<Segment> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0)
        .map(|(series, v)| {
            let width = ((*v as f64 / total as f64) * f64::from(STACK_WIDTH)).round() as u32;
            let segment = Segment {
                x,
                width,
                series,
                value: *v,
            };
            x += width;
            segment
        })
        .collect();
    if let Some(last) = out.last_mut() {
        last.width = STACK_WIDTH.saturating_sub(last.x);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_histogram_match_percentile_cont_over_its_values() {
        // 20, 30, 40, 100: percentile_cont gives 35 and 82.
        let h = [(20.0, 1), (30.0, 1), (40.0, 1), (100.0, 1)];
        assert_eq!(percentile(&h, 0.5), Some(35.0));
        assert!((percentile(&h, 0.9).unwrap_or(0.0) - 82.0).abs() < 1e-9);
        // Repeated values: 1, 1, 1, 5 -> median 1, 90th 3.8.
        let h = [(1.0, 3), (5.0, 1)];
        assert_eq!(percentile(&h, 0.5), Some(1.0));
        assert!((percentile(&h, 0.9).unwrap_or(0.0) - 3.8).abs() < 1e-9);
        assert_eq!(percentile(&[(7.0, 1)], 0.9), Some(7.0));
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[(3.0, 0)], 0.5), None);
    }
    use chrono::TimeZone;

    #[test]
    fn twelve_weeks_end_with_the_current_monday() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 17, 0, 0).single();
        let now = now.unwrap_or_default();
        let weeks = last_weeks(now);
        assert_eq!(weeks.len(), WEEKS);
        assert_eq!(weeks.last(), NaiveDate::from_ymd_opt(2026, 11, 30).as_ref());
        assert_eq!(weeks.first(), NaiveDate::from_ymd_opt(2026, 9, 14).as_ref());
        let sunday = Utc.with_ymd_and_hms(2026, 12, 6, 23, 59, 0).single();
        assert_eq!(
            week_of(sunday.unwrap_or_default()),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default()
        );
        assert_eq!(window_start(now).to_rfc3339(), "2026-09-14T00:00:00+00:00");
    }

    #[test]
    fn bars_scale_to_the_tallest_and_sit_on_the_baseline() {
        let values = vec![
            ("a".to_owned(), 10),
            ("b".to_owned(), 5),
            ("c".to_owned(), 0),
        ];
        let out = bars(&values, 1);
        assert_eq!(out[0].height, CHART_HEIGHT);
        assert_eq!(out[1].height, CHART_HEIGHT / 2);
        assert_eq!(out[2].height, 0);
        assert!(out.iter().all(|b| b.y + b.height == CHART_HEIGHT));
        assert_eq!(out[1].x, SLOT + 4);
        let pairs = bars(&values[..2], 2);
        assert_eq!(pairs[0].x, 4);
        assert_eq!(pairs[1].x, 4 + pairs[0].width);
        assert!(bars(&[("z".to_owned(), 0)], 1)[0].height == 0);
    }

    #[test]
    fn stacked_segments_fill_the_bar_by_share() {
        let out = stacked(&[3, 0, 1]);
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].x, out[0].width, out[0].series), (0, 300, 0));
        assert_eq!((out[1].x, out[1].width, out[1].series), (300, 100, 2));
        assert!(stacked(&[0, 0]).is_empty());
        let thirds = stacked(&[1, 1, 1]);
        assert_eq!(thirds.iter().map(|s| s.width).sum::<u32>(), STACK_WIDTH);
    }
}
