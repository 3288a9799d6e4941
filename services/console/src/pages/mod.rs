//! One module per page. A page handler calls the services with the
//! session's token and builds [`crate::view::Section`]s; it writes no HTML.

pub mod admin;
pub mod agreements;
pub mod assessment;
pub mod audit;
pub mod authority_draft;
pub mod breaches;
pub mod calendar;
pub mod company;
pub mod notice_view;
pub mod notifications;
pub mod obligations;
pub mod people;
pub mod record;
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

/// An RFC 3339 instant from the wire, in UTC (`None` when empty or not one).
pub fn instant(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&chrono::Utc))
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

/// A paged list's caption: "Erasures due: 101 to 200 of 1,500", or
/// "Erasures due (12)" when every row is on the page.
pub fn paged_caption(
    tr: crate::i18n::Tr,
    title: &'static str,
    before: u64,
    n: u64,
    total: u64,
) -> String {
    if n == 0 || (before == 0 && n == total) {
        format!("{} ({total})", tr.t(title))
    } else {
        tr.t("{title}: {first} to {last} of {total}")
            .replace("{title}", tr.t(title))
            .replace("{first}", &(before + 1).to_string())
            .replace("{last}", &(before + n).to_string())
            .replace("{total}", &total.to_string())
    }
}

/// A page request.
pub fn page(size: u32, token: String) -> Option<proto::v1::PageRequest> {
    Some(proto::v1::PageRequest {
        page_size: size,
        page_token: token,
    })
}

/// The legal names of the tenants the signed-in person may see, by id (a
/// page shows "Acme B.V.", not a UUID). Empty when the role may not list
/// controllers.
pub async fn tenant_names(
    st: &crate::web::AppState,
    me: &crate::web::Signed,
) -> Result<std::collections::HashMap<String, String>, crate::web::Failure> {
    let own = || -> std::collections::HashMap<String, String> {
        let w = &me.s.who;
        if w.tenant.is_empty() || w.tenant_name.is_empty() {
            Default::default()
        } else {
            [(w.tenant.clone(), w.tenant_name.clone())].into()
        }
    };
    // A customer's DPO names its own company from its session.
    if me.s.who.tenant_bound() || !me.s.who.may("ControllerService/ListControllers") {
        return Ok(own());
    }
    // Processor-wide roles see the same names: read them at most once per
    // [`crate::web::NAMES_FRESH`] for every session and page.
    if let Ok(cached) = st.names.lock()
        && let Some((at, names)) = cached.as_ref()
        && at.elapsed() < crate::web::NAMES_FRESH
    {
        return Ok(names.clone());
    }
    let c = proto::v1::controller_service_client::ControllerServiceClient::new(
        st.backend.channel(crate::backend::Service::Controllers),
    );
    let list = collect(100_000, |token| {
        let mut c = c.clone();
        let req = me.s.req(proto::v1::ListControllersRequest {
            page: page(500, token),
        });
        async move {
            let r = c.list_controllers(req).await?.into_inner();
            Ok((r.controllers, r.next_page_token))
        }
    })
    .await?;
    let names: std::collections::HashMap<String, String> =
        list.into_iter().map(|c| (c.id, c.legal_name)).collect();
    if let Ok(mut cached) = st.names.lock() {
        *cached = Some((std::time::Instant::now(), names.clone()));
    }
    Ok(names)
}

/// A service's sentence with the ids in it named: `token:<id>` by the
/// token's name, a tenant's id by its legal name, any other id by what it
/// is ("a record": its page is linked elsewhere on the page).
pub fn name_ids(
    tr: crate::i18n::Tr,
    text: &str,
    tenants: &std::collections::HashMap<String, String>,
    tokens: &std::collections::HashMap<String, String>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = find_uuid(rest) {
        let (before, at) = rest.split_at(i);
        let id = &at[..36];
        if let Some(b) = before.strip_suffix("token:") {
            out.push_str(b);
            out.push_str(
                tokens
                    .get(id)
                    .map(String::as_str)
                    .unwrap_or(tr.t("an API token")),
            );
        } else {
            out.push_str(before);
            out.push_str(
                tenants
                    .get(id)
                    .map(String::as_str)
                    .unwrap_or(tr.t("a record")),
            );
        }
        rest = &at[36..];
    }
    out.push_str(rest);
    out
}

/// Where the first UUID (8-4-4-4-12 hex digits) in `s` starts.
fn find_uuid(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(35)).find(|&i| {
        b[i..i + 36].iter().enumerate().all(|(k, c)| match k {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        }) && s.is_char_boundary(i)
    })
}

/// A tenant's name, or its id when the name is not known ("–" for none).
pub fn tenant_cell(names: &std::collections::HashMap<String, String>, id: &str) -> Cell {
    if id.is_empty() {
        return Cell::text("–");
    }
    match names.get(id) {
        Some(n) => Cell::text(n.clone()),
        None => Cell::text(id),
    }
}

/// The names of the API tokens the signed-in person may list, by id, and
/// of the people it may list, by `person:<id>` (an actor is a name, not
/// `token:<uuid>`). Empty when the role may list neither.
pub async fn token_names(
    st: &crate::web::AppState,
    me: &crate::web::Signed,
) -> std::collections::HashMap<String, String> {
    let mut names: std::collections::HashMap<String, String> = Default::default();
    if me.s.who.may("TokenService/ListTokens") {
        let mut c = proto::v1::token_service_client::TokenServiceClient::new(
            st.backend.channel(crate::backend::Service::Controllers),
        );
        match c
            .list_tokens(me.s.req(proto::v1::ListTokensRequest {
                tenant_id: String::new(),
                include_revoked: true,
            }))
            .await
        {
            Ok(r) => names.extend(r.into_inner().tokens.into_iter().map(|t| (t.id, t.name))),
            Err(e) => tracing::warn!(error = %e, "console: token names could not be read"),
        }
    }
    // The people the reader may see (a customer's DPO: its colleagues),
    // removed ones too, keyed as the audit log names them.
    if me.s.who.may("PersonService/ListPeople") {
        let mut c = proto::v1::person_service_client::PersonServiceClient::new(
            st.backend.channel(crate::backend::Service::Controllers),
        );
        let mut token = String::new();
        for _ in 0..20 {
            match c
                .list_people(me.s.req(proto::v1::ListPeopleRequest {
                    tenant_id: String::new(),
                    include_removed: true,
                    page: Some(proto::v1::PageRequest {
                        page_size: 500,
                        page_token: token.clone(),
                    }),
                }))
                .await
            {
                Ok(r) => {
                    let r = r.into_inner();
                    names.extend(
                        r.people
                            .into_iter()
                            .map(|p| (format!("person:{}", p.id), p.name)),
                    );
                    if r.next_page_token.is_empty() {
                        break;
                    }
                    token = r.next_page_token;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "console: people's names could not be read");
                    break;
                }
            }
        }
    }
    names
}

/// An audit actor in words: a person by its name, a token by its name (the
/// person or machine it was issued to), a relayed call as "<name> via <peer>", an operator's
/// command and a system component by what they are. A token whose name the
/// reader may not see is "a <role>'s token".
pub fn actor_words(
    tr: crate::i18n::Tr,
    names: &std::collections::HashMap<String, String>,
    actor_id: &str,
    role: &str,
) -> String {
    let one = |a: &str| -> String {
        if let Some(id) = a.strip_prefix("token:") {
            match names.get(id) {
                Some(n) => n.clone(),
                None => format!("{} ({})", tr.t("an API token"), role_word(tr, role)),
            }
        } else if a.starts_with("person:") {
            match names.get(a) {
                Some(n) => n.clone(),
                None => format!("{} ({})", tr.t("a person"), role_word(tr, role)),
            }
        } else if let Some(c) = a.strip_prefix("cli:") {
            format!("{} ({c})", tr.t("the operator"))
        } else if let Some(c) = a.strip_prefix("system:") {
            format!("{} ({c})", tr.t("the system"))
        } else {
            a.to_owned()
        }
    };
    match actor_id.split_once(" via ") {
        Some((who, via)) => format!("{} {} {}", one(who), tr.t("via"), one(via)),
        None => one(actor_id),
    }
}

/// A role in words.
pub fn role_word(tr: crate::i18n::Tr, role: &str) -> String {
    match role {
        "admin" => tr.t("administrator").into(),
        "auditor" => tr.t("auditor").into(),
        "controller" => tr.t("customer's privacy officer").into(),
        "operator" => tr.t("the operator").into(),
        "system" => tr.t("the system").into(),
        "service" => tr.t("a service").into(),
        "worker" => tr.t("a worker").into(),
        "peer" => tr.t("another Custodian process").into(),
        other => other.to_owned(),
    }
}

/// A service's code in words, from a vocabulary of (code, English words);
/// an unknown code as it is, underscores as spaces.
pub fn vocab_word(
    tr: crate::i18n::Tr,
    vocab: &[(&'static str, &'static str)],
    code: &str,
) -> String {
    vocab
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, w)| tr.t(w).to_owned())
        .unwrap_or_else(|| code.replace('_', " "))
}

/// A vocabulary as the options of a select or of boxes: (code, words).
pub fn vocab_options(
    tr: crate::i18n::Tr,
    vocab: &[(&'static str, &'static str)],
) -> Vec<(String, String)> {
    vocab
        .iter()
        .map(|(c, w)| ((*c).to_owned(), tr.t(w).to_owned()))
        .collect()
}

/// The tenants as (id, legal name) options, by name.
pub fn name_options(names: &std::collections::HashMap<String, String>) -> Vec<(String, String)> {
    let mut options: Vec<(String, String)> = names
        .iter()
        .map(|(id, n)| (id.clone(), n.clone()))
        .collect();
    options.sort_by_key(|o| o.1.to_lowercase());
    options
}

/// A filter's tenant as a select of legal names ("all" first), never a
/// typed id: a filter cannot produce an error page. A value not among the
/// names (an id from a link) stays selectable as it is.
pub fn tenant_select(
    tr: crate::i18n::Tr,
    names: &std::collections::HashMap<String, String>,
    current: &str,
) -> crate::view::Field {
    let mut options = name_options(names);
    if !current.is_empty() && !names.contains_key(current) {
        options.push((current.to_owned(), current.to_owned()));
    }
    options.insert(0, (String::new(), tr.t("all").to_owned()));
    crate::view::Field::new(
        "tenant",
        tr.t("Tenant"),
        crate::view::FieldKind::Select(options),
    )
    .value(current)
}

#[cfg(test)]
mod name_ids_tests {
    use super::*;
    use crate::i18n::{Lang, Tr};

    #[test]
    fn ids_in_a_sentence_are_named() {
        let t = "01a24e5c-1111-7000-8000-000000000001";
        let k = "01a24e5c-2222-7000-8000-000000000002";
        let tenants = [(t.to_owned(), "Acme B.V.".to_owned())].into();
        let tokens = [(k.to_owned(), "Petra".to_owned())].into();
        let s = format!(
            "reported by token:{k}; notice to controller {t} of incident 01a24e5c-3333-7000-8000-000000000003."
        );
        assert_eq!(
            name_ids(Tr(Lang::En), &s, &tenants, &tokens),
            "reported by Petra; notice to controller Acme B.V. of incident a record."
        );
        assert_eq!(
            name_ids(Tr(Lang::En), "no ids here", &tenants, &tokens),
            "no ids here"
        );
    }
}
