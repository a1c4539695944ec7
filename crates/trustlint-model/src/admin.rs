//! Admin-equivalent permissions (oidc-reference.md 2.4, 3.3, 4.3).

use trustlint_core::Severity;

use crate::trust::{AdminPower, Permission};

/// Grade a permission; `None` when it is not admin-equivalent (or cannot be told).
pub fn admin_power(permission: &Permission) -> Option<AdminPower> {
    match permission {
        Permission::ManagedPolicy { arn } => managed_policy(arn),
        Permission::Statement { actions, not_action, resources } => {
            statement(actions, *not_action, resources)
        }
        Permission::GcpRole { role, .. } => gcp_role(role),
        Permission::AzureRole { role_definition, scope } => azure_role(role_definition, scope),
    }
}

fn power(severity: Severity, what: impl Into<String>) -> Option<AdminPower> {
    Some(AdminPower { severity, what: what.into(), element: None })
}

fn power_by(severity: Severity, what: impl Into<String>, element: &str) -> Option<AdminPower> {
    Some(AdminPower { severity, what: what.into(), element: Some(element.to_string()) })
}

/// AWS managed policies by name (the part after `:policy/`); the partition may be anything.
fn managed_policy(arn: &str) -> Option<AdminPower> {
    let name = arn.rsplit_once(":policy/")?;
    if !name.0.ends_with(":iam::aws") {
        return None; // a customer-managed policy: its content is not in view
    }
    let policy = name.1;
    let severity = match policy {
        "AdministratorAccess" | "IAMFullAccess" => Severity::Critical,
        "PowerUserAccess"
        | "AdministratorAccess-Amplify"
        | "AdministratorAccess-AWSElasticBeanstalk"
        | "job-function/SystemAdministrator"
        | "AWSOrganizationsFullAccess" => Severity::High,
        _ => return None,
    };
    power(severity, format!("the AWS managed policy `{policy}`"))
}

fn statement(actions: &[String], not_action: bool, resources: &[String]) -> Option<AdminPower> {
    let on_everything = resources.iter().any(|r| r == "*");
    if !on_everything {
        return None;
    }
    if not_action {
        return power(
            Severity::Critical,
            "every action except those listed in `NotAction`, on every resource",
        );
    }
    if let Some(all) = actions.iter().find(|a| *a == "*" || *a == "*:*") {
        return power_by(Severity::Critical, "`Action: \"*\"` on every resource", all);
    }
    const HIGH: &[&str] = &[
        "iam:*",
        "iam:passrole",
        "iam:create*",
        "iam:put*policy",
        "iam:putrolepolicy",
        "iam:putuserpolicy",
        "iam:attach*policy",
        "iam:attachrolepolicy",
        "iam:attachuserpolicy",
        "iam:createaccesskey",
        "iam:updateassumerolepolicy",
        "sts:assumerole",
        "sts:*",
    ];
    if let Some(action) = actions.iter().find(|a| HIGH.contains(&a.to_ascii_lowercase().as_str())) {
        return power_by(
            Severity::High,
            format!("`{action}` on every resource (can escalate to admin)"),
            action,
        );
    }
    // A service-wide grant (`s3:*`, `logs:*`, `ec2:*` on `*`) is broad but not admin: it cannot
    // change who the identity is or what it may do.
    None
}

fn gcp_role(role: &str) -> Option<AdminPower> {
    let severity = match role {
        "roles/owner"
        | "roles/resourcemanager.projectIamAdmin"
        | "roles/resourcemanager.folderIamAdmin"
        | "roles/resourcemanager.organizationAdmin"
        | "roles/iam.securityAdmin" => Severity::Critical,
        "roles/editor"
        | "roles/iam.serviceAccountTokenCreator"
        | "roles/iam.serviceAccountKeyAdmin"
        | "roles/iam.serviceAccountAdmin"
        | "roles/iam.serviceAccountUser"
        | "roles/iam.workloadIdentityPoolAdmin"
        | "roles/iam.roleAdmin"
        | "roles/iam.organizationRoleAdmin" => Severity::High,
        _ => return None,
    };
    power(severity, format!("the GCP role `{role}`"))
}

fn azure_role(role_definition: &str, scope: &str) -> Option<AdminPower> {
    let guid = role_definition.rsplit('/').next().unwrap_or(role_definition).to_ascii_lowercase();
    let (name, severity) = match guid.as_str() {
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635" | "owner" => ("Owner", Severity::Critical),
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9" | "user access administrator" => {
            ("User Access Administrator", Severity::Critical)
        }
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168" | "role based access control administrator" => {
            ("Role Based Access Control Administrator", Severity::Critical)
        }
        "b24988ac-6180-42a0-ab88-20f7382dd24c" | "contributor" => ("Contributor", Severity::High),
        _ => return None,
    };
    let lower_scope = scope.to_ascii_lowercase();
    let broad = lower_scope.contains("/providers/microsoft.management/managementgroups/")
        || (lower_scope.starts_with("/subscriptions/")
            && lower_scope.trim_end_matches('/').matches('/').count() == 2);
    let severity = if broad { severity.raise() } else { severity };
    power(severity, format!("the Azure role `{name}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grade(permission: Permission) -> Option<Severity> {
        admin_power(&permission).map(|p| p.severity)
    }

    #[test]
    fn managed_policies() {
        let cases = [
            ("arn:aws:iam::aws:policy/AdministratorAccess", Some(Severity::Critical)),
            ("arn:aws-us-gov:iam::aws:policy/IAMFullAccess", Some(Severity::Critical)),
            ("arn:aws:iam::aws:policy/PowerUserAccess", Some(Severity::High)),
            ("arn:aws:iam::aws:policy/job-function/SystemAdministrator", Some(Severity::High)),
            ("arn:aws:iam::aws:policy/ReadOnlyAccess", None),
            ("arn:aws:iam::123456789012:policy/AdministratorAccess", None),
        ];
        for (arn, expected) in cases {
            assert_eq!(grade(Permission::ManagedPolicy { arn: arn.into() }), expected, "{arn}");
        }
    }

    #[test]
    fn inline_statements() {
        let st = |actions: &[&str], not_action, resources: &[&str]| Permission::Statement {
            actions: actions.iter().map(|s| s.to_string()).collect(),
            not_action,
            resources: resources.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(grade(st(&["*"], false, &["*"])), Some(Severity::Critical));
        assert_eq!(grade(st(&["iam:ListRoles"], true, &["*"])), Some(Severity::Critical));
        assert_eq!(grade(st(&["iam:*"], false, &["*"])), Some(Severity::High));
        assert_eq!(grade(st(&["iam:PassRole"], false, &["*"])), Some(Severity::High));
        assert_eq!(grade(st(&["s3:*"], false, &["*"])), None);
        assert_eq!(grade(st(&["logs:*", "ec2:*"], false, &["*"])), None);
        let escalation = admin_power(&st(&["s3:GetObject", "iam:PassRole"], false, &["*"])).unwrap();
        assert_eq!(escalation.element.as_deref(), Some("iam:PassRole"));
        assert_eq!(grade(st(&["*"], false, &["arn:aws:s3:::bucket/*"])), None);
        assert_eq!(grade(st(&["s3:PutObject"], false, &["*"])), None);
    }

    #[test]
    fn gcp_and_azure_roles() {
        assert_eq!(
            grade(Permission::GcpRole { role: "roles/owner".into(), scope: "projects/p".into() }),
            Some(Severity::Critical)
        );
        assert_eq!(
            grade(Permission::GcpRole { role: "roles/viewer".into(), scope: "projects/p".into() }),
            None
        );
        let contributor =
            "/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c";
        assert_eq!(
            grade(Permission::AzureRole {
                role_definition: contributor.into(),
                scope: "/subscriptions/00000000-0000-0000-0000-000000000000".into()
            }),
            Some(Severity::Critical)
        );
        assert_eq!(
            grade(Permission::AzureRole {
                role_definition: contributor.into(),
                scope: "/subscriptions/0000/resourceGroups/rg".into()
            }),
            Some(Severity::High)
        );
    }
}
