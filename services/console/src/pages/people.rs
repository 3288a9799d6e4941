//! The people who use the console (`PersonService`): who they are, their
//! role and company, whether they signed in; inviting one by e-mail address
//! and removing one, with a reason. An administrator manages everyone; a
//! customer's DPO the colleagues of its own company; an auditor reads.

use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use proto::v1 as pb;
use serde::Deserialize;

use super::{collect, page, table, tenant_cell, tenant_names, vocab_options, vocab_word};
use crate::backend::Service;
use crate::i18n::Tr;
use crate::view::{Body, Cell, Field, FieldKind, Form as FormV, Section, Tone};
use crate::web::{self, AppState, Kept, PageResult, Signed};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people", get(index).post(invite))
        .route("/people/remove", axum::routing::post(remove))
}

type Client = pb::person_service_client::PersonServiceClient<tonic::transport::Channel>;

fn client(st: &AppState) -> Client {
    Client::new(st.backend.channel(Service::Controllers))
}

/// What a person may do, in words that explain the choice (a table says
/// the role as `role_word` does).
const ROLES: [(&str, &str); 3] = [
    ("admin", "administrator (the processor's privacy office)"),
    ("auditor", "auditor (reads everything, changes nothing)"),
    ("controller", "a customer's DPO (its own company only)"),
];

const LANGUAGES: [(&str, &str); 2] = [("nl", "Dutch"), ("en", "English")];

async fn index(State(st): State<AppState>, me: Signed) -> Response {
    let r = people_page(&st, &me, None).await;
    web::done(&me, r)
}

/// The people and the forms; `kept`: a refused form as the person sent it.
async fn people_page(st: &AppState, me: &Signed, kept: Option<Kept>) -> PageResult {
    let tr = me.tr;
    let names = tenant_names(st, me).await?;
    let c = client(st);
    let list = collect(5_000, |token| {
        let mut c = c.clone();
        let req = me.s.req(pb::ListPeopleRequest {
            tenant_id: String::new(),
            include_removed: true,
            page: page(500, token),
        });
        async move {
            let r = c.list_people(req).await?.into_inner();
            Ok((r.people, r.next_page_token))
        }
    })
    .await?;
    let active = list.iter().filter(|p| p.removed_at.is_empty()).count();
    let rows = list
        .iter()
        .map(|p| {
            vec![
                Cell::text(&p.name),
                Cell::text(&p.email),
                Cell::text(super::role_word(tr, &p.role)),
                if p.tenant_id.is_empty() {
                    Cell::text(tr.t("the processor"))
                } else {
                    tenant_cell(&names, &p.tenant_id)
                },
                Cell::text(vocab_word(tr, &LANGUAGES, &p.language)),
                Cell::time(tr, &p.invited_at),
                Cell::text(&p.invited_by),
                if !p.removed_at.is_empty() {
                    Cell::state(tr.t("removed"), Tone::Neutral)
                } else if p.signed_in_at.is_empty() {
                    Cell::state(tr.t("invited, not signed in yet"), Tone::Warn)
                } else {
                    web::state(tr, "active")
                },
            ]
        })
        .collect();
    let mut sections = vec![Section::new(tr.t("People")).with(Body::Table(table(
        &format!("{} ({active})", tr.t("People")),
        &[
            tr.t("Name"),
            tr.t("E-mail address"),
            tr.t("role"),
            tr.t("Company"),
            tr.t("Language"),
            tr.t("Invited"),
            tr.t("Invited by"),
            tr.t("Status"),
        ],
        rows,
        tr.t("Nobody has been invited yet."),
    )))];
    if me.s.who.may("PersonService/InvitePerson") {
        sections.push(invite_form(tr, me, &names, kept.as_ref()));
    }
    let removable: Vec<(String, String)> = list
        .iter()
        .filter(|p| p.removed_at.is_empty())
        .map(|p| (p.id.clone(), format!("{} ({})", p.name, p.email)))
        .collect();
    if me.s.who.may("PersonService/RemovePerson") && !removable.is_empty() {
        let mut fields = vec![
            Field::new("id", tr.t("Person"), FieldKind::Select(removable)),
            Field::new("reason", tr.t("Reason"), FieldKind::Text).required(),
            web::confirm_field(tr.t(
                "I understand: the person can no longer sign in and its sessions end; the audit log keeps its name.",
            )),
        ];
        let mut s = Section::new(tr.t("Remove a person"));
        web::refill(&mut s, &mut fields, kept.as_ref(), "remove", tr);
        sections.push(s.with(Body::Form(FormV {
            id: "remove".into(),
            action: "/people/remove".into(),
            post: true,
            fields,
            submit: tr.t("Remove").into(),
        })));
    }
    Ok(web::page_or_refused(
        me,
        kept.is_some(),
        tr.t("People"),
        tr.t("The people who use the console, each signing in as themselves. An invitation names the e-mail address the person's sign-in must prove."),
        &sections,
    ))
}

fn invite_form(
    tr: Tr,
    me: &Signed,
    names: &std::collections::HashMap<String, String>,
    kept: Option<&Kept>,
) -> Section {
    let mut fields = vec![
        Field::new("name", tr.t("Name"), FieldKind::Text).required(),
        Field::new("email", tr.t("E-mail address"), FieldKind::Text)
            .required()
            .help(tr.t(
                "The address the person signs in with at its organisation's identity provider.",
            )),
        Field::new(
            "language",
            tr.t("Language"),
            FieldKind::Select(vocab_options(tr, &LANGUAGES)),
        )
        .value(tr.lang()),
    ];
    if me.s.who.tenant_bound() {
        fields.push(Field::new("role", "", FieldKind::Hidden).value("controller"));
    } else {
        fields.push(
            Field::new(
                "role",
                tr.t("Role"),
                FieldKind::Select(vocab_options(tr, &ROLES)),
            )
            .value("admin"),
        );
        let mut t = super::tenant_select(tr, names, "");
        t.name = "tenant_id".into();
        t.label = tr.t("Company (for a customer's DPO)").into();
        fields.push(t);
    }
    let mut s = Section::new(tr.t("Invite a person"));
    web::refill(&mut s, &mut fields, kept, "invite", tr);
    s.with(Body::Form(FormV {
        id: "invite".into(),
        action: "/people".into(),
        post: true,
        fields,
        submit: tr.t("Invite").into(),
    }))
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    tenant_id: String,
}

async fn invite(State(st): State<AppState>, me: Signed, Form(f): Form<InviteForm>) -> Response {
    let kept = Kept::new(
        "invite",
        &[
            ("name", &f.name),
            ("email", &f.email),
            ("language", &f.language),
            ("role", &f.role),
            ("tenant_id", &f.tenant_id),
        ],
    );
    web::act_kept(
        &me,
        &f.csrf,
        kept,
        "/people",
        "The person was invited: they sign in with that e-mail address at their identity provider.",
        async {
            client(&st)
                .invite_person(me.s.req(pb::InvitePersonRequest {
                    name: f.name.clone(),
                    email: f.email.clone(),
                    language: f.language.clone(),
                    role: f.role.clone(),
                    tenant_id: f.tenant_id.clone(),
                }))
                .await?;
            Ok(())
        },
        |k| people_page(&st, &me, Some(k)),
    )
    .await
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: String,
}

async fn remove(State(st): State<AppState>, me: Signed, Form(f): Form<RemoveForm>) -> Response {
    let kept = Kept::new("remove", &[("id", &f.id), ("reason", &f.reason)]);
    web::act_kept(
        &me,
        &f.csrf,
        kept,
        "/people",
        "The person was removed: they can no longer sign in.",
        async {
            web::confirmed(me.tr, &f.confirm)?;
            client(&st)
                .remove_person(me.s.req(pb::RemovePersonRequest {
                    id: f.id.clone(),
                    reason: f.reason.clone(),
                }))
                .await?;
            Ok(())
        },
        |k| people_page(&st, &me, Some(k)),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::NL;

    #[test]
    fn every_word_of_the_page_has_its_dutch() {
        for (_, en) in ROLES.iter().chain(LANGUAGES.iter()) {
            assert!(NL.iter().any(|(e, _)| e == en), "no Dutch for {en:?}");
        }
    }
}
