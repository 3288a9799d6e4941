use custodian_tests::*;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use tonic_reflection::pb::v1::{
    ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
    server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
};

async fn health(app: &TestApp, service: &str) -> Result<ServingStatus, tonic::Code> {
    HealthClient::new(app.channel.clone())
        .check(HealthCheckRequest {
            service: service.into(),
        })
        .await
        .map(|r| r.into_inner().status())
        .map_err(|s| s.code())
}

async fn reflected_services(app: &TestApp) -> Vec<String> {
    let mut client = ServerReflectionClient::new(app.channel.clone());
    let req = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = client
        .server_reflection_info(tokio_stream::iter(vec![req]))
        .await
        .expect("reflection call")
        .into_inner();
    let resp = stream
        .message()
        .await
        .expect("reflection stream")
        .expect("a response");
    match resp.message_response {
        Some(MessageResponse::ListServicesResponse(l)) => {
            let mut v: Vec<String> = l.service.into_iter().map(|s| s.name).collect();
            v.sort();
            v
        }
        other => panic!("unexpected reflection response {other:?}"),
    }
}

#[tokio::test]
async fn health_and_reflection_list_every_hosted_service() {
    for db in all_dbs().await {
        let app = spawn_app(&db).await;
        for s in [
            "",
            "custodian.v1.ControllerService",
            "custodian.v1.AuditService",
        ] {
            assert_eq!(
                health(&app, s).await,
                Ok(ServingStatus::Serving),
                "{} health {s:?}",
                db.backend
            );
        }
        let services = reflected_services(&app).await;
        for s in [
            "custodian.v1.AuditService",
            "custodian.v1.ControllerService",
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
        ] {
            assert!(
                services.contains(&s.to_string()),
                "{s} missing from {services:?}"
            );
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_subset_target_exposes_only_that_subset() {
    for db in all_dbs().await {
        let app = spawn_app_with(
            &db,
            AppOptions {
                target: "audit".into(),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(
            health(&app, "custodian.v1.AuditService").await,
            Ok(ServingStatus::Serving)
        );
        assert_eq!(
            health(&app, "custodian.v1.ControllerService").await,
            Err(tonic::Code::NotFound)
        );
        let services = reflected_services(&app).await;
        assert!(services.contains(&"custodian.v1.AuditService".to_string()));
        assert!(
            !services.contains(&"custodian.v1.ControllerService".to_string()),
            "{services:?}"
        );
        // The service is not routed at all.
        let err = app
            .controllers()
            .list_controllers(req(&app.admin, Default::default()))
            .await
            .unwrap_err();
        assert_eq!(err.code(), tonic::Code::Unimplemented);
        app.stop().await;
    }
}

#[tokio::test]
async fn unknown_target_is_a_startup_error_naming_the_known_ones() {
    let db = testkit::TestDb::new(Backend::Sqlite).await;
    let cfg = config_for(
        &db,
        &AppOptions {
            target: "controllers,vault-x".into(),
            ..Default::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = custodian::run(cfg, listener, async {})
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown target \"vault-x\""), "{err}");
    assert!(
        err.contains("known targets are all, controllers, audit"),
        "{err}"
    );
}

#[tokio::test]
async fn shutdown_flips_health_then_stops() {
    let db = testkit::TestDb::new(Backend::Sqlite).await;
    let mut app = spawn_app_with(
        &db,
        AppOptions {
            shutdown_grace_ms: 1_500,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(health(&app, "").await, Ok(ServingStatus::Serving));
    // An established channel keeps working through the grace period.
    let ch = app.channel.clone();
    app.trigger_shutdown();
    let mut flipped = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let s = HealthClient::new(ch.clone())
            .check(HealthCheckRequest {
                service: "custodian.v1.ControllerService".into(),
            })
            .await
            .map(|r| r.into_inner().status())
            .ok();
        if s == Some(ServingStatus::NotServing) {
            flipped = true;
            break;
        }
    }
    assert!(
        flipped,
        "health never reported NOT_SERVING during the grace period"
    );
    // Calls in the grace period still succeed.
    let admin = app.admin.clone();
    app.controllers()
        .list_controllers(req(&admin, Default::default()))
        .await
        .expect("call during drain");
    app.wait_stopped().await;
}
