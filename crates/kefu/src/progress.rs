//! Progress bars for long-running commands (on the terminal's stderr).

use indicatif::{ProgressBar, ProgressStyle};

pub fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// A pack's long job shown as a progress bar.
#[derive(Default)]
pub struct Bar(std::sync::OnceLock<ProgressBar>);

impl kefu_pack::Progress for Bar {
    fn start(&self, total: u64, what: &str) {
        match self.0.get() {
            Some(b) => {
                b.set_length(total);
                b.set_position(0);
                b.set_message(what.to_string());
            }
            None => {
                let _ = self.0.set(bar(total, what));
            }
        }
    }

    fn advance(&self, steps: u64) {
        if let Some(b) = self.0.get() {
            b.inc(steps);
        }
    }

    fn stage(&self, what: &str) {
        if let Some(b) = self.0.get() {
            b.set_message(what.to_string());
        }
    }

    fn finish(&self) {
        if let Some(b) = self.0.get() {
            b.finish_and_clear();
        }
    }
}
