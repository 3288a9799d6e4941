//! The gRPC contract of Custodian: code generated from `proto/custodian/v1`,
//! the descriptor set that server reflection serves, and [`wire`]: the few
//! conventions of the contract every adapter applies the same way.

#[allow(clippy::all, clippy::pedantic)]
pub mod v1 {
    tonic::include_proto!("custodian.v1");
}

/// The internal API between the processes of a split deployment
/// (`custodian.internal.v1`), callable only by the `peer` role.
pub mod internal {
    // Two levels deep, as the package is: its references to custodian.v1
    // messages resolve as `super::super::v1`.
    #[allow(clippy::all, clippy::pedantic)]
    pub mod v1 {
        tonic::include_proto!("custodian.internal.v1");
    }
    pub use v1::*;
}

/// The encoded `FileDescriptorSet` of every Custodian proto file.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/custodian_descriptor.bin"));

/// Fully qualified gRPC service names, as health and reflection report them.
pub mod service_names {
    pub const CONTROLLERS: &str = "custodian.v1.ControllerService";
    pub const AUDIT: &str = "custodian.v1.AuditService";
    pub const DEADLINES: &str = "custodian.v1.DeadlineService";
    pub const VAULT: &str = "custodian.v1.VaultService";
    pub const AGREEMENTS: &str = "custodian.v1.AgreementService";
    pub const SUBPROCESSORS: &str = "custodian.v1.SubprocessorService";
    pub const NOTIFICATIONS: &str = "custodian.v1.NotificationService";
    pub const BREACHES: &str = "custodian.v1.BreachService";
    pub const REQUESTS: &str = "custodian.v1.RequestService";
    pub const SWITCHING: &str = "custodian.v1.SwitchingService";
    pub const IDENTITY: &str = "custodian.v1.IdentityService";
    /// Hosted with the controllers.
    pub const TOKENS: &str = "custodian.v1.TokenService";
    /// Hosted with the controllers.
    pub const PEOPLE: &str = "custodian.v1.PersonService";
    /// Hosted with the controllers.
    pub const SIGN_IN: &str = "custodian.v1.SignInService";
    pub const VAULT_PEER: &str = "custodian.internal.v1.VaultPeer";
    pub const CONTROLLERS_PEER: &str = "custodian.internal.v1.ControllersPeer";
    pub const AGREEMENTS_PEER: &str = "custodian.internal.v1.AgreementsPeer";
    pub const SUBPROCESSORS_PEER: &str = "custodian.internal.v1.SubprocessorsPeer";
    pub const REQUESTS_PEER: &str = "custodian.internal.v1.RequestsPeer";
}

pub mod alerts;
pub mod limits;
pub mod status;

/// Conventions of the wire format shared by every service adapter.
pub mod wire {
    pub use domain_kit::{
        DATA_CATEGORIES, FieldError, QUOTE_CHARS, SUBJECT_CATEGORIES, err, quote, timestamp, uuid,
    };

    /// The field a page-size error names.
    pub const PAGE_SIZE_FIELD: &str = "page.page_size";
    /// The field a page-token error names.
    pub const PAGE_TOKEN_FIELD: &str = "page.page_token";

    /// The page size asked for (0 means `default`) and the raw token; the
    /// error is the reason for [`PAGE_SIZE_FIELD`]. Each service parses its
    /// own token, since what a token encodes differs per list.
    pub fn page(
        p: Option<&super::v1::PageRequest>,
        default: u32,
        max: u32,
    ) -> Result<(u32, String), String> {
        let (size, token) = p
            .map(|p| (p.page_size, p.page_token.clone()))
            .unwrap_or_default();
        if size > max {
            return Err(format!("must be at most {max}"));
        }
        Ok((if size == 0 { default } else { size }, token))
    }

    /// A list request's page, parsed once: how many rows it shows and the
    /// key it starts after (decoded from the token the previous page gave).
    /// The one paging prelude of every list RPC:
    ///
    /// ```ignore
    /// let page = wire::Page::by_id(r.page.as_ref(), DEFAULT_PAGE, MAX_PAGE)?;
    /// let mut rows = svc.list(.., page.after.as_deref(), page.fetch()).await?;
    /// let next = page.finish(&mut rows, |row| row.id.clone());
    /// ```
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Page<K> {
        /// Rows shown (the default when the caller asked for 0).
        pub size: u32,
        /// Where the page starts: after this key; `None` on the first page.
        pub after: Option<K>,
    }

    impl<K> Page<K> {
        /// The page asked for, its token decoded by `key` (a token this
        /// service did not issue is the caller's error, on
        /// [`PAGE_TOKEN_FIELD`]); a size over `max` is refused on
        /// [`PAGE_SIZE_FIELD`].
        pub fn parse<E: From<domain_kit::FieldError>>(
            p: Option<&super::v1::PageRequest>,
            default: u32,
            max: u32,
            key: impl FnOnce(&str) -> Result<K, E>,
        ) -> Result<Page<K>, E> {
            let (size, token) =
                page(p, default, max).map_err(|reason| domain_kit::err(PAGE_SIZE_FIELD, reason))?;
            let after = match token.trim() {
                "" => None,
                t => Some(key(t)?),
            };
            Ok(Page { size, after })
        }

        /// How many rows to fetch: one more than the page, to learn whether
        /// another page follows.
        pub fn fetch(&self) -> u64 {
            u64::from(self.size) + 1
        }

        /// Drops the extra row and returns the next page's token (empty on
        /// the last page).
        pub fn finish<T>(&self, rows: &mut Vec<T>, token: impl Fn(&T) -> String) -> String {
            finish_page(rows, self.size, token)
        }
    }

    impl Page<String> {
        /// A page of a list ordered by id: the token is the last id shown.
        pub fn by_id(
            p: Option<&super::v1::PageRequest>,
            default: u32,
            max: u32,
        ) -> Result<Page<String>, domain_kit::FieldError> {
            Page::parse(p, default, max, |t| {
                domain_kit::uuid_field(PAGE_TOKEN_FIELD, t)
            })
        }
    }

    /// Lists fetch one row more than the page: drop it, and return the token
    /// of the next page (empty when this is the last one).
    pub fn finish_page<T>(rows: &mut Vec<T>, size: u32, token: impl Fn(&T) -> String) -> String {
        if rows.len() > size as usize {
            rows.truncate(size as usize);
            rows.last().map(token).unwrap_or_default()
        } else {
            String::new()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::v1::PageRequest;
        use chrono::{DateTime, Utc};

        #[test]
        fn a_page_is_parsed_once_with_its_token() {
            let first = Page::by_id(None, 50, 500).unwrap();
            assert_eq!((first.size, first.after.clone()), (50, None));
            assert_eq!(first.fetch(), 51);
            let id = "0190a5b2-7c3d-7e4f-8a1b-2c3d4e5f6a7b";
            let p = PageRequest {
                page_size: 2,
                page_token: id.into(),
            };
            let next = Page::by_id(Some(&p), 50, 500).unwrap();
            assert_eq!(next.after.as_deref(), Some(id));
            let mut rows = vec!["a", "b", "c"];
            assert_eq!(next.finish(&mut rows, |r| r.to_string()), "b");
            assert_eq!(rows, ["a", "b"]);
            let bad = PageRequest {
                page_size: 2,
                page_token: "x".into(),
            };
            assert_eq!(
                Page::by_id(Some(&bad), 50, 500).unwrap_err().field,
                PAGE_TOKEN_FIELD
            );
            let big = PageRequest {
                page_size: 501,
                page_token: String::new(),
            };
            assert_eq!(
                Page::by_id(Some(&big), 50, 500).unwrap_err().field,
                PAGE_SIZE_FIELD
            );
        }

        #[test]
        fn paging() {
            assert_eq!(page(None, 50, 500), Ok((50, String::new())));
            let p = PageRequest {
                page_size: 7,
                page_token: "t".into(),
            };
            assert_eq!(page(Some(&p), 50, 500), Ok((7, "t".into())));
            let big = PageRequest {
                page_size: 501,
                page_token: String::new(),
            };
            assert_eq!(page(Some(&big), 50, 500), Err("must be at most 500".into()));
            let mut rows = vec![1, 2, 3];
            assert_eq!(finish_page(&mut rows, 2, |r| r.to_string()), "2");
            assert_eq!(rows, vec![1, 2]);
            assert_eq!(finish_page(&mut rows, 2, |r| r.to_string()), "");
        }

        #[test]
        fn timestamps_are_utc_micros() {
            let t = DateTime::parse_from_rfc3339("2026-03-27T16:00:00.5+01:00")
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(timestamp(t), "2026-03-27T15:00:00.500000Z");
        }
    }
}
