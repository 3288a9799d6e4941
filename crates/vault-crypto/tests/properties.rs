use proptest::prelude::*;
use vault_crypto::{Dek, FieldContext, Kek, MasterKey};

fn id() -> impl Strategy<Value = String> {
    "[a-z0-9-]{1,40}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_payload_round_trips_only_in_its_own_context(
        plaintext in proptest::collection::vec(any::<u8>(), 0..4096),
        tenant in id(), candidate in id(), field in "[a-z_]{1,20}", other in id(),
    ) {
        let dek = Dek::generate();
        let ctx = FieldContext { tenant: &tenant, candidate: &candidate, field: &field, schema_version: 1 };
        let sealed = dek.seal(&ctx, &plaintext);
        prop_assert_eq!(sealed.len(), plaintext.len() + vault_crypto::OVERHEAD);
        prop_assert_eq!(dek.open(&ctx, &sealed).unwrap(), plaintext);
        if other != candidate {
            let moved = FieldContext { candidate: &other, ..ctx };
            prop_assert!(dek.open(&moved, &sealed).is_err());
        }
        if other != tenant {
            let moved = FieldContext { tenant: &other, ..ctx };
            prop_assert!(dek.open(&moved, &sealed).is_err());
        }
    }

    #[test]
    fn wrapped_keys_open_only_for_their_owner(tenant in id(), candidate in id(), version in 1u32..1000) {
        let master = MasterKey::generate();
        let kek = Kek::generate(version);
        let wk = master.wrap_kek(&tenant, &kek);
        let kek2 = master.unwrap_kek(&tenant, &wk).unwrap();
        prop_assert_eq!(kek2.version(), version);
        let dek = Dek::generate();
        let wd = kek.wrap_dek(&tenant, &candidate, &dek);
        let ctx = FieldContext { tenant: &tenant, candidate: &candidate, field: "f", schema_version: 1 };
        let sealed = dek.seal(&ctx, b"x");
        prop_assert_eq!(kek2.unwrap_dek(&tenant, &candidate, &wd).unwrap().open(&ctx, &sealed).unwrap(), b"x".to_vec());
        prop_assert!(Kek::generate(version).unwrap_dek(&tenant, &candidate, &wd).is_err());
    }
}
