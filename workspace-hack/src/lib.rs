//! Feature unification for the workspace, managed by `cargo hakari`: every library depends on
//! this crate, so dependencies they share are built once, with one feature set, whichever
//! package cargo, napi or maturin is asked to build. After changing dependencies, run
//! `cargo hakari generate` (see the README for adding a crate).
