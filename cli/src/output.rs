//! Answers as text or JSON, errors, and progress on a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use plinto_mfa_core::MfaError;
use serde::Serialize;
use std::time::Duration;

/// Where answers go: stdout, as text or as one JSON object.
pub struct Output {
    json: bool,
}

impl Output {
    /// Text, or JSON with `json`.
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Prints `value` as JSON, or the text `text` makes of it.
    pub fn answer<T: Serialize>(&self, value: &T, text: impl FnOnce(&T) -> String) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(s) => println!("{s}"),
                Err(e) => eprintln!("plinto: {e}"),
            }
        } else {
            let t = text(value);
            if !t.is_empty() {
                println!("{}", t.trim_end());
            }
        }
    }

    /// Reports a failure: on stderr as text, or on stdout as `{"error": {…}}`.
    pub fn error(&self, e: &MfaError) {
        if self.json {
            let body = serde_json::json!({
                "error": { "code": e.code().as_str(), "message": e.to_string(), "field": e.field() }
            });
            println!("{body}");
        } else {
            eprintln!("plinto: {e} ({})", e.code().as_str());
        }
    }

    /// A progress bar of `total` steps on a terminal's stderr (nothing otherwise).
    pub fn bar(&self, total: u64, what: &str) -> ProgressBar {
        if self.json {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(total);
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        bar
    }

    /// A spinner with a message on a terminal's stderr (nothing otherwise).
    pub fn spinner(&self, what: &str) -> ProgressBar {
        if self.json {
            return ProgressBar::hidden();
        }
        let spinner = ProgressBar::new_spinner();
        spinner.set_message(what.to_string());
        spinner.enable_steady_tick(Duration::from_millis(120));
        spinner
    }
}
