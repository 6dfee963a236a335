//! A plan turned into files and the files put on disk: the templates and their escaping
//! (`render`, `escape`), the one YAML module, careful reads (`files`), atomic writes (`write`),
//! and the steps every front end runs in the same order (`pipeline`).

pub mod escape;
pub mod files;
pub mod parallel;
pub mod pipeline;
pub mod render;
pub mod write;
pub mod yaml;
