// Package credentials finds the keys polystore signs with: one provider per
// place credentials live (environment variables, the vendors' CLI
// configuration files, STS, container and instance metadata services, IBM
// Cloud IAM) and a default chain per dialect that tries them in order.
//
// Every provider implements [signer.CredentialsProvider] (IBM trusted
// profiles implement [signer.TokenProvider]) and can be used on its own or
// composed with [NewChain]. A chain asks its providers in order: the first
// that yields keys wins; a provider that finds nothing returns an error
// matching [signer.ErrNoCredentials] and the chain moves on; any other error
// (a malformed file, an STS refusal, a failing credential_process) stops the
// chain and is returned, so a broken configuration is reported rather than
// silently skipped.
//
// The default chains, in order:
//
//   - S3 ([NewS3Chain]): environment (AWS_ACCESS_KEY_ID, ...) → shared
//     config and credentials files (~/.aws/config, ~/.aws/credentials:
//     static keys, credential_process, role_arn with source_profile or
//     credential_source through STS AssumeRole, web_identity_token_file) →
//     web identity token (AWS_WEB_IDENTITY_TOKEN_FILE, STS
//     AssumeRoleWithWebIdentity) → ECS/EKS container credentials
//     (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI) → EC2 instance
//     metadata (IMDSv2).
//   - COS ([NewCOSChain]): environment (COS_SECRETID, ...) → coscmd's
//     ~/.cos.conf → tccli's ~/.tccli/<profile>.credential → CVM instance
//     role from the Tencent Cloud metadata service.
//   - QingStor ([NewQingStorChain]): environment (QINGSTOR_ACCESS_KEY_ID,
//     ...) → ~/.qingstor/config.yaml.
//   - IBM ([NewIBMChain], HMAC keys for SigV4): environment
//     (IBM_COS_ACCESS_KEY_ID, ...) → the cos_hmac_keys of
//     ~/.bluemix/cos_credentials. IBM API keys and trusted profiles yield
//     bearer tokens, not keys: [ResolveIBM] walks the whole IBM order and
//     says which signer to use.
//
// Providers that fetch temporary credentials cache them with
// [signer.CredentialsCache]: they are refreshed shortly before they expire
// (five minutes, shortened by a random jitter of up to a quarter so that
// processes started together do not refresh together), by one fetch shared
// by all concurrent callers, detached from the caller's context and bounded
// by its own timeout. Credentials read from files are cached the same way;
// long-term keys are read once (call Invalidate to read them again).
//
// Every endpoint can be overridden through an option field, and through the
// environment variable the vendor documents where there is one
// (AWS_ENDPOINT_URL_STS, AWS_EC2_METADATA_SERVICE_ENDPOINT, IBM_AUTH_ENDPOINT,
// ...), so tests run against fake servers. No type in this package prints a
// secret: String, GoString and Format redact them, and errors name files and
// line numbers, never their contents.
package credentials
