//! The front ends, which only collect answers and show results: the full-screen wizard
//! (`tui`), the line-by-line one (`plain`), the terminal's colours and signals, and stdout.

pub mod output;
pub mod plain;
pub mod terminal;
pub mod tui;
