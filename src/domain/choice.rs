//! The ids of the answers' choice enums (partition, provider mode, access preset).

/// The ids of a choice enum, in the order of its `ALL`, taken from its `const fn id` so the
/// words are spelled once.
macro_rules! choice_ids {
    ($choice:ty, $count:expr) => {{
        let mut ids = [""; $count];
        let mut index = 0;
        while index < $count {
            ids[index] = <$choice>::ALL[index].id();
            index += 1;
        }
        ids
    }};
}
pub(crate) use choice_ids;
