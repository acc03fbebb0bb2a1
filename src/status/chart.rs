//! The webhook deliveries per hour as a small inline SVG bar chart (no script, no image file):
//! one bar per hour of the window, each with a tooltip, hours labelled every six.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Timelike, Utc};

use crate::store::HourCount;

const BAR: i64 = 18;
const HEIGHT: i64 = 80;

/// The chart of `hours` hours ending with the hour containing `now`.
pub fn deliveries_svg(counts: &[HourCount], now: DateTime<Utc>, hours: i64) -> String {
    let last = now
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    let first = last - Duration::hours(hours - 1);
    let per_hour: Vec<(DateTime<Utc>, u64)> = (0..hours)
        .map(|i| {
            let hour = first + Duration::hours(i);
            let n = counts
                .iter()
                .find(|c| c.hour == hour)
                .map_or(0, |c| c.deliveries);
            (hour, n)
        })
        .collect();
    let max = per_hour.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let total: u64 = per_hour.iter().map(|(_, n)| n).sum();
    let width = hours * BAR;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{width}\" \
         height=\"{}\" viewBox=\"0 0 {width} {}\" aria-label=\"{total} webhook deliveries in \
         the last {hours} hours\">",
        HEIGHT + 16,
        HEIGHT + 16
    );
    for (i, (hour, n)) in per_hour.iter().enumerate() {
        let x = i as i64 * BAR;
        let h = ((*n as f64 / max as f64) * HEIGHT as f64).round() as i64;
        let h = if *n > 0 { h.max(2) } else { 0 };
        let _ = write!(
            svg,
            "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{h}\" fill=\"#4a7ab8\">\
             <title>{} UTC: {n} deliveries</title></rect>",
            x + 2,
            HEIGHT - h,
            BAR - 4,
            hour.format("%Y-%m-%d %H:00"),
        );
        if hour.hour() % 6 == 0 {
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#666\">{}</text>",
                x + 1,
                HEIGHT + 12,
                hour.format("%H:00")
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn each_hour_gets_a_bar_scaled_to_the_busiest_one() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 15, 42, 0).unwrap();
        let hour = |h: u32| Utc.with_ymd_and_hms(2026, 11, 25, h, 0, 0).unwrap();
        let counts = [
            HourCount {
                hour: hour(13),
                deliveries: 10,
            },
            HourCount {
                hour: hour(15),
                deliveries: 5,
            },
        ];
        let svg = deliveries_svg(&counts, now, 24);
        assert_eq!(svg.matches("<rect").count(), 24);
        assert!(svg.contains("15 webhook deliveries in the last 24 hours"));
        assert!(
            svg.contains(
                "height=\"80\" fill=\"#4a7ab8\"><title>2026-11-25 13:00 UTC: 10 deliveries"
            )
        );
        assert!(
            svg.contains(
                "height=\"40\" fill=\"#4a7ab8\"><title>2026-11-25 15:00 UTC: 5 deliveries"
            )
        );
        assert!(
            svg.contains("height=\"0\" fill=\"#4a7ab8\"><title>2026-11-25 14:00 UTC: 0 deliveries")
        );
        // The window starts 23 hours before the current hour.
        assert!(svg.contains("2026-11-24 16:00 UTC: 0 deliveries"));
        assert!(!svg.contains("2026-11-24 15:00 UTC"));
    }
}
