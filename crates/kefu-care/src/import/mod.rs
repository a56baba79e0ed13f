//! Importing the files dealers export from their old systems: a CSV file or
//! a workbook read into a header and rows ([`table`]), the columns mapped to
//! fields ([`mapping`]), cell text read as dates, flags and numbers
//! ([`cells`]), and the run itself with its modes, report and progress
//! ([`run`]). The uploaded files waiting between the web page's steps are
//! [`jobs`]. What a row means — a customer, their vehicle — belongs to the
//! pack that imports it (the auto pack's `import`).

pub mod cells;
pub mod jobs;
pub mod mapping;
pub mod run;
pub mod table;

pub use mapping::{Cells, Field, Mapping};
pub use run::{Fate, Fates, Import, Mode, Rejected, Report, Target};
pub use table::{Row, Table};
