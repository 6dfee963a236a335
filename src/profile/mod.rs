//! The workload's `[profile …]` section merged into the user's real AWS config file, inside a
//! marked block that a re-run replaces and `profile remove` takes out. Pure: text in, text out;
//! every byte outside the block is kept as it was (line endings, comments, other sections).

use thiserror::Error;

pub mod disk;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ProfileError {
    #[error("line {line}: the file already has a section {header} that wi-aws did not write")]
    Exists { line: usize, header: String },
    #[error("line {line}: `{marker}` has no matching end marker")]
    Unclosed { line: usize, marker: String },
    #[error("no [profile NAME] section in the rendered aws/config")]
    NoSection,
}

impl crate::answers::advice::Advice for ProfileError {
    fn fix(&self) -> String {
        match self {
            Self::Exists { .. } => "give --force to comment it out (it is kept, not deleted) and add wi-aws's, or choose another aws.profile".into(),
            Self::Unclosed { .. } => "repair or remove the marker by hand, then run again".into(),
            Self::NoSection => "render the artifacts again".into(),
        }
    }
}

/// What installing did to the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Unchanged,
    /// The new text, and whether a section of the same name was commented out.
    Updated {
        text: String,
        commented_out: bool,
    },
}

fn begin(profile: &str) -> String {
    format!("# BEGIN wi-aws {profile}")
}

fn end(profile: &str) -> String {
    format!("# END wi-aws {profile}")
}

/// The section header a profile has in `~/.aws/config`.
fn header(profile: &str) -> String {
    match profile {
        "default" => "[default]".into(),
        name => format!("[profile {name}]"),
    }
}

/// The profile's name and its section (header to the end) in the rendered `aws/config`.
pub fn section_of(rendered: &str) -> Result<(String, String), ProfileError> {
    let start = rendered
        .lines()
        .position(|line| line.trim_start().starts_with("[profile "))
        .ok_or(ProfileError::NoSection)?;
    let lines: Vec<&str> = rendered.lines().skip(start).collect();
    let name = lines[0]
        .trim()
        .trim_start_matches("[profile ")
        .trim_end_matches(']')
        .trim()
        .to_owned();
    Ok((name, lines.join("\n")))
}

/// The file's lines with their endings, so untouched lines are written back byte for byte.
fn lines_with_endings(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

fn content(line: &str) -> &str {
    line.trim_end_matches(['\n', '\r'])
}

/// The line ending the file uses (CRLF when its first line ends so), for the lines wi-aws adds.
fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(index) if index > 0 && text.as_bytes()[index - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Where the marked block of `profile` is: the indexes of its first and last lines.
fn block(lines: &[&str], profile: &str) -> Result<Option<(usize, usize)>, ProfileError> {
    let (begin, end) = (begin(profile), end(profile));
    let Some(first) = lines.iter().position(|l| content(l).trim() == begin) else {
        return Ok(None);
    };
    match lines[first..].iter().position(|l| content(l).trim() == end) {
        Some(offset) => Ok(Some((first, first + offset))),
        None => Err(ProfileError::Unclosed {
            line: first + 1,
            marker: begin,
        }),
    }
}

/// The marked block for `section`, with the file's line ending.
fn marked(profile: &str, section: &str, source: &str, eol: &str) -> String {
    let mut text = format!(
        "{}{eol}# Written by wi-aws from {source}; `wi-aws profile remove` takes it out.{eol}",
        begin(profile)
    );
    for line in section.lines() {
        text.push_str(line);
        text.push_str(eol);
    }
    text.push_str(&end(profile));
    text.push_str(eol);
    text
}

/// The file with the block for `profile` holding `section`: replaced where it is, else added
/// at the end. A section of the same name outside the block is refused, or with `force`
/// commented out line by line (kept, never deleted).
pub fn install(
    existing: &str,
    profile: &str,
    section: &str,
    source: &str,
    force: bool,
) -> Result<Change, ProfileError> {
    let eol = line_ending(existing);
    let lines = lines_with_endings(existing);
    let new_block = marked(profile, section, source, eol);
    if let Some((first, last)) = block(&lines, profile)? {
        let old: String = lines[first..=last].concat();
        if old == new_block {
            return Ok(Change::Unchanged);
        }
        let text = [
            lines[..first].concat(),
            new_block,
            lines[last + 1..].concat(),
        ]
        .concat();
        return Ok(Change::Updated {
            text,
            commented_out: false,
        });
    }
    let header = header(profile);
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    let mut commented_out = false;
    if let Some(at) = lines.iter().position(|l| content(l).trim() == header) {
        if !force {
            return Err(ProfileError::Exists {
                line: at + 1,
                header,
            });
        }
        // The section runs to the next header.
        let end = lines[at + 1..]
            .iter()
            .position(|l| content(l).trim_start().starts_with('['))
            .map_or(lines.len(), |offset| at + 1 + offset);
        for line in &mut out[at..end] {
            if !content(line).trim().is_empty() {
                *line = format!("# (wi-aws: replaced by its block below) {line}");
            }
        }
        commented_out = true;
    }
    let mut text = out.concat();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push_str(eol);
    }
    if !text.is_empty() {
        text.push_str(eol);
    }
    text.push_str(&new_block);
    Ok(Change::Updated {
        text,
        commented_out,
    })
}

/// The file without the block for `profile`; `None` when there is none.
pub fn remove(existing: &str, profile: &str) -> Result<Option<String>, ProfileError> {
    let lines = lines_with_endings(existing);
    let Some((first, last)) = block(&lines, profile)? else {
        return Ok(None);
    };
    // The blank line `install` put before the block goes with it.
    let first = match first.checked_sub(1) {
        Some(before) if content(lines[before]).is_empty() && last + 1 == lines.len() => before,
        _ => first,
    };
    Ok(Some(
        [lines[..first].concat(), lines[last + 1..].concat()].concat(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECTION: &str = "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nweb_identity_token_file = /opt/wi/jwt_svid\nregion = us-east-1";

    fn installed(existing: &str) -> String {
        match install(existing, "app", SECTION, "out", false).expect("installs") {
            Change::Updated { text, .. } => text,
            Change::Unchanged => panic!("unchanged"),
        }
    }

    #[test]
    fn every_byte_outside_the_block_is_kept_and_a_rerun_is_unchanged() {
        let existing = "# my config\r\n[default]\r\nregion = eu-west-1\r\n\r\n[sso-session corp]\r\nsso_start_url = https://corp.awsapps.com/start\r\n[profile other]\r\nregion = us-west-2\r\n";
        let text = installed(existing);
        assert!(text.starts_with(existing), "{text:?}");
        assert!(
            text.contains("[profile app]\r\nrole_arn"),
            "CRLF kept: {text:?}"
        );
        assert!(
            !text.replace("\r\n", "").contains('\n'),
            "no bare LF: {text:?}"
        );
        assert_eq!(
            install(&text, "app", SECTION, "out", false),
            Ok(Change::Unchanged)
        );
        // A new role replaces the block only.
        let changed = SECTION.replace("role/app", "role/app-2");
        let Ok(Change::Updated { text: again, .. }) = install(&text, "app", &changed, "out", false)
        else {
            panic!("not updated")
        };
        assert!(again.starts_with(existing));
        assert!(again.contains("role/app-2") && !again.contains("role/app\r"));
        // And removing it gives back the file as it was.
        assert_eq!(remove(&again, "app"), Ok(Some(existing.to_owned())));
        assert_eq!(remove(existing, "app"), Ok(None));
    }

    #[test]
    fn a_section_of_the_same_name_is_refused_or_commented_out() {
        let existing =
            "[profile app]\nregion = eu-west-1\nrole_arn = old\n\n[profile b]\nregion = x\n";
        assert_eq!(
            install(existing, "app", SECTION, "out", false),
            Err(ProfileError::Exists {
                line: 1,
                header: "[profile app]".into()
            })
        );
        let Ok(Change::Updated {
            text,
            commented_out,
        }) = install(existing, "app", SECTION, "out", true)
        else {
            panic!("not installed")
        };
        assert!(commented_out);
        assert!(text.contains("# (wi-aws: replaced by its block below) role_arn = old\n"));
        assert!(text.contains("[profile b]\nregion = x\n"), "{text}");
        assert_eq!(text.matches("\n[profile app]").count(), 1, "{text}");
    }

    #[test]
    fn an_unclosed_block_is_an_error_naming_its_line() {
        let existing = "[default]\n# BEGIN wi-aws app\n[profile app]\n";
        assert_eq!(
            install(existing, "app", SECTION, "out", false),
            Err(ProfileError::Unclosed {
                line: 2,
                marker: "# BEGIN wi-aws app".into()
            })
        );
    }

    #[test]
    fn an_empty_or_unterminated_file_gets_a_clean_block() {
        assert!(installed("").starts_with("# BEGIN wi-aws app\n"));
        let text = installed("[default]\nregion = x");
        assert!(
            text.starts_with("[default]\nregion = x\n\n# BEGIN wi-aws app\n"),
            "{text}"
        );
    }
}
