//! `wi-aws completions SHELL` and `wi-aws man`: the command line as the shell and `man` know
//! it, generated from the same clap definitions as `--help` (which `cli` hands in, so this
//! module does not depend on it), so they never fall behind.

use super::CommandError;
use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn completions(args: &CompletionsArgs, mut command: clap::Command) -> Result<u8, CommandError> {
    use clap_complete::Shell as Target;
    let target = match args.shell {
        Shell::Bash => Target::Bash,
        Shell::Zsh => Target::Zsh,
        Shell::Fish => Target::Fish,
        Shell::Powershell => Target::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(target, &mut command, "wi-aws", &mut script);
    if let Shell::Bash = args.shell {
        // clap_complete spells the bin name's hyphen one way where it tracks the subcommand
        // (`wi__aws__subcmd__doctor`) and another in the case arms (`wi__subcmd__aws__…`), so
        // no subcommand's options would ever complete (clap-rs/clap#6421, open). The arms are
        // respelled the way the tracking spells them; tests/cli.rs completes `wi-aws doctor --wo` in bash.
        let fixed = String::from_utf8_lossy(&script).replace("wi__subcmd__aws", "wi__aws");
        script = fixed.into_bytes();
    }
    write_out(&script)
}

/// The JSON Schema of the answers file, for editors.
pub fn schema() -> Result<u8, CommandError> {
    write_out(crate::answers::schema::schema_file_text().as_bytes())
}

/// The manual page (roff), for `man -l -` or a file in a `man1` directory.
pub fn man(command: clap::Command) -> Result<u8, CommandError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(|error| CommandError::failure(format!("cannot render the manual: {error}")))?;
    write_out(&page)
}

fn write_out(bytes: &[u8]) -> Result<u8, CommandError> {
    // A closed pipe (`wi-aws man | head`) is the reader's choice; `cli::run` reports any other
    // error writing stdout.
    crate::ui::output::out_bytes(bytes);
    Ok(crate::artifacts::pipeline::exit::OK)
}
