//! Compiles `proto/custodian/v1/*.proto` (the public API) and
//! `proto/custodian/internal/v1/*.proto` (the peers' internal API) with
//! protox (pure Rust, no system `protoc`) and writes the descriptor set that
//! server reflection embeds.
use std::path::PathBuf;

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [
        root.join("custodian/v1"),
        root.join("custodian/internal/v1"),
    ] {
        files.extend(
            std::fs::read_dir(&dir)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "proto")),
        );
        println!("cargo:rerun-if-changed={}", dir.display());
    }
    files.sort();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }

    let fds = protox::compile(&files, [&root])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("custodian_descriptor.bin"), fds.encode_to_vec())?;

    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(fds)?;
    Ok(())
}
