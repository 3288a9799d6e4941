//! The permission table and the proto contract must list the same methods:
//! a new RPC without a permission entry would be denied to everyone, and an
//! entry without an RPC is a typo.

use prost::Message;

#[test]
fn every_rpc_has_exactly_one_permission_entry() {
    let fds =
        prost_types::FileDescriptorSet::decode(proto::FILE_DESCRIPTOR_SET).expect("descriptor set");
    let mut methods = Vec::new();
    for file in &fds.file {
        let pkg = file.package();
        for svc in &file.service {
            for m in &svc.method {
                methods.push(format!("/{pkg}.{}/{}", svc.name(), m.name()));
            }
        }
    }
    methods.sort();
    let mut table: Vec<String> = auth::permissions::TABLE
        .iter()
        .map(|p| p.method.to_owned())
        .chain(
            auth::permissions::SIGN_IN_OPEN
                .iter()
                .map(|m| (*m).to_owned()),
        )
        .collect();
    table.sort();
    assert_eq!(methods, table);
    // The open sign-in calls are open, and in no role's table.
    for m in auth::permissions::SIGN_IN_OPEN {
        assert!(auth::permissions::is_open(m));
        assert!(auth::permissions::lookup(m).is_none(), "{m}");
    }
}
