//! Calendar dates typed by people: publication days and report date ranges.

use chrono::{Datelike, NaiveDate};

/// Parses `YYYY-MM-DD`. Years are limited to 1–9999: chrono accepts far wider (and
/// negative) years than PostgreSQL stores, and no article or verdict falls outside.
pub fn parse_day(text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("the date {text:?} is not YYYY-MM-DD"))?;
    if (1..=9999).contains(&day.year()) {
        Ok(day)
    } else {
        Err(format!("the date {text:?} is outside the years 1 to 9999"))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_day;

    #[test]
    fn days_within_four_digit_years() {
        assert_eq!(
            parse_day(" 2026-01-03 ").ok(),
            chrono::NaiveDate::from_ymd_opt(2026, 1, 3)
        );
        for bad in [
            "-4800-01-01",
            "12026-01-01",
            "0000-01-01",
            "2026-02-30",
            "03/01/2026",
            "",
        ] {
            assert!(parse_day(bad).is_err(), "{bad}");
        }
    }
}
