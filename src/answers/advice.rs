//! The fix for a broken rule. Every validator's error (a `thiserror` enum whose `Display` is
//! the rule) implements [`Advice`]; `problem` pairs it with the field it was checking.

/// What to do about a broken rule, in the user's words.
pub trait Advice: std::error::Error {
    fn fix(&self) -> String;
}
