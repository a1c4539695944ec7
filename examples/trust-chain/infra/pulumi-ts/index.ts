import * as aws from "@pulumi/aws";

const github = new aws.iam.OpenIdConnectProvider("github", {
    url: "https://token.actions.githubusercontent.com",
    clientIdLists: ["sts.amazonaws.com"],
});

const data = new aws.iam.Role("data", {
    name: "shop-data",
    assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Action: "sts:AssumeRoleWithWebIdentity",
            Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
            Condition: {
                StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
                StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/shop:*" },
            },
        }],
    }),
});

new aws.iam.RolePolicyAttachment("data-admin", {
    role: data.name,
    policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
});

export const dataRoleArn = data.arn;
