//! Tables owned by `services/switching`: `switching_requests`,
//! `switching_exports`, `switching_export_chunks`, `switching_charges`.

pub mod charges;
pub mod export_chunks;
pub mod exports;
pub mod requests;
