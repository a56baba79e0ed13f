//! The pack's rules used together, only through the public API, the way the
//! storage and the pages will call them: one integration-test binary for the
//! crate, one module per journey.

mod month;
