//! The front ends, which only collect answers and show results: the full-screen wizard
//! (`tui`), the line-by-line one (`plain`), the terminal's colours and signals, and stdout.

pub mod output;
pub mod plain;
pub mod terminal;
pub mod tui;

/// After the answer to `edited` was typed into a wizard: when it names a file
/// (`aws.policy_file`), reads that file from the current directory, so that validation can
/// check it. Other edits keep the files read already (those of `--edit`, from its directory).
pub fn read_named_files(
    answers: &mut crate::answers::Answers,
    edited: crate::answers::steps::FieldId,
) {
    if edited != crate::answers::steps::FieldId::PolicyFile {
        return;
    }
    answers.forget_files();
    answers.read_named_files(&crate::artifacts::files::named_file_reader(
        std::path::Path::new(""),
    ));
}
