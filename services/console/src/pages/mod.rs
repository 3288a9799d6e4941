//! One module per page. A page handler calls the services with the
//! session's token and builds [`crate::view::Section`]s; it writes no HTML.

pub mod admin;
pub mod agreements;
pub mod audit;
pub mod breaches;
pub mod obligations;
pub mod reports;
pub mod requests;
pub mod retention;
pub mod signin;
pub mod subprocessors;
pub mod switching;

use crate::view::{Cell, Table};

/// A table with its caption, columns and rows.
pub fn table(caption: &str, columns: &[&str], rows: Vec<Vec<Cell>>, empty: &str) -> Table {
    Table {
        caption: caption.to_owned(),
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        rows,
        empty: empty.to_owned(),
    }
}

/// The empty string for "no filter"; otherwise the value.
pub fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default().trim().to_owned()
}

/// Splits a comma list, dropping empty items.
pub fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether a wire path segment is a plausible id (so a malformed one is a
/// 404 page, not a service error quoting it).
pub fn id_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Reads a paged list to its end (or `max` items): `call` gets the page
/// token and returns the page's items and the next token.
pub async fn collect<T, F, Fut>(max: usize, mut call: F) -> Result<Vec<T>, crate::web::Failure>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, String), tonic::Status>>,
{
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let (items, next) = call(token).await?;
        out.extend(items);
        if next.is_empty() || out.len() >= max {
            return Ok(out);
        }
        token = next;
    }
}

/// A page request.
pub fn page(size: u32, token: String) -> Option<proto::v1::PageRequest> {
    Some(proto::v1::PageRequest {
        page_size: size,
        page_token: token,
    })
}
