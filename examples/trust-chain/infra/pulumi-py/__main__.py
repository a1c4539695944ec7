import pulumi_gcp as gcp

pool = gcp.iam.WorkloadIdentityPool("github", workload_identity_pool_id="github")

gcp.iam.WorkloadIdentityPoolProvider(
    "shop",
    workload_identity_pool_id=pool.workload_identity_pool_id,
    workload_identity_pool_provider_id="shop",
    attribute_mapping={
        "google.subject": "assertion.sub",
        "attribute.repository": "assertion.repository",
        "attribute.ref": "assertion.ref",
    },
    attribute_condition="assertion.repository == 'acme/shop' && assertion.ref.startsWith('refs/tags/v')",
    oidc={"issuer_uri": "https://token.actions.githubusercontent.com"},
)

release = gcp.serviceaccount.Account("release", account_id="shop-release")

gcp.serviceaccount.IAMMember(
    "release-wif",
    service_account_id=release.name,
    role="roles/iam.workloadIdentityUser",
    member=pool.name.apply(lambda n: f"principalSet://iam.googleapis.com/{n}/attribute.repository/acme/shop"),
)

gcp.projects.IAMMember(
    "release-artifacts",
    project="acme-prod",
    role="roles/artifactregistry.writer",
    member=release.email.apply(lambda email: f"serviceAccount:{email}"),
)
