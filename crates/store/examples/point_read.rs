//! How many point reads per second the store serves on SQLite, with no gRPC
//! in front: the floor under every read RPC. Run:
//! `cargo run --release -p store --example point_read -- /tmp/dir`
use std::time::Instant;

use sea_orm::{ActiveModelTrait, EntityTrait};
use store::entities::controllers;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let url = format!("sqlite://{dir}/point_read.db?mode=rwc");
    let db = store::open_main(&url).await.unwrap();
    let t = store::now_micros();
    let _ = controllers::ActiveModel::from(controllers::Model {
        id: "c1".into(),
        legal_name: "A".into(),
        kvk_number: "12345678".into(),
        country: "NL".into(),
        privacy_email: "a@b.nl".into(),
        dpo_name: "D".into(),
        dpo_email: "d@b.nl".into(),
        webhook_url: None,
        webhook_secret: None,
        created_at: t,
        updated_at: t,
    })
    .insert(&db)
    .await;
    for tasks in [1usize, 4, 16] {
        let start = Instant::now();
        let mut hs = Vec::new();
        for _ in 0..tasks {
            let db = db.clone();
            hs.push(tokio::spawn(async move {
                let mut n = 0u64;
                while start.elapsed().as_secs_f64() < 3.0 {
                    controllers::Entity::find_by_id("c1".to_owned())
                        .one(&db)
                        .await
                        .unwrap()
                        .unwrap();
                    n += 1;
                }
                n
            }));
        }
        let mut total = 0;
        for h in hs {
            total += h.await.unwrap();
        }
        println!(
            "tasks {tasks}: {:.0} reads/s",
            total as f64 / start.elapsed().as_secs_f64()
        );
    }
}
