//! The front ends, which only collect answers and show results: the full-screen wizard
//! (`tui`), the line-by-line one (`plain`), the terminal's colours and signals, and stdout.

pub mod output;
pub mod plain;
pub mod terminal;
pub mod tui;

/// Reads the file an answer typed into a wizard names (`aws.policy_file`), from the current
/// directory, so that validation can check it.
pub fn read_named_files(answers: &mut crate::answers::Answers) {
    answers.read_named_files(&crate::artifacts::files::named_file_reader(
        std::path::Path::new(""),
    ));
}
