//! The table itself: one entry per operation.
//!
//! Each entry names the operation's type, its canonical name, its request and result types,
//! what the bindings need to know about it, and the engine call it runs.

use super::{Custom, Flags, Namespace, Operation, OperationInfo, Stateless};
use crate::api::*;
use crate::engine::{Engine, Proof};
use crate::error::{MfaError, Result};
use crate::{authenticator, policy, push, SecretKey};

/// Why the phone library writes the push functions by hand.
const PHONE_NOTE: &str =
    "The phone library signs through a signer the app implements (the key stays \
    in Android Keystore or the Secure Enclave), so it writes the push functions by hand.";

/// The parts of a row that most operations leave at their defaults.
struct Extra {
    doc: Option<&'static str>,
    guide_name: Option<&'static str>,
    namespace: Namespace,
    flags: Flags,
    custom: Custom,
    note: Option<&'static str>,
}

const DEFAULT: Extra = Extra {
    doc: None,
    guide_name: None,
    namespace: Namespace::Auth,
    flags: Flags {
        stateless: false,
        sends_code: false,
        needs_session: false,
        quick: false,
        brief: false,
    },
    custom: Custom {
        node: false,
        python: false,
        uniffi: false,
    },
    note: None,
};

const SENDS_CODE: Flags = Flags {
    sends_code: true,
    ..DEFAULT.flags
};

const NEEDS_SESSION: Flags = Flags {
    needs_session: true,
    ..DEFAULT.flags
};

/// A session check: a few reads, on the caller's thread when it can (see `Flags::brief`).
const BRIEF_SESSION: Flags = Flags {
    brief: true,
    ..NEEDS_SESSION
};

/// See `Flags::brief`.
const BRIEF: Flags = Flags {
    brief: true,
    ..DEFAULT.flags
};

macro_rules! operations {
    ($(
        $(#[$meta:meta])*
        $ty:ident $name:literal ($req:ty => $res:ty) { $($field:ident: $value:expr),* $(,)? }
            = $kind:ident |$e:pat_param, $r:pat_param| $body:expr;
    )+) => {
        $(
            $(#[$meta])*
            #[doc = concat!("The `", $name, "` operation (see [`", stringify!($req), "`]).")]
            #[derive(Debug, Clone, Copy)]
            pub struct $ty;

            impl Operation for $ty {
                const NAME: &'static str = $name;
                type Request = $req;
                type Response = $res;
                #[allow(clippy::redundant_closure_call)]
                fn run(engine: &Engine, request: $req) -> Result<$res> {
                    (|$e: &Engine, $r: $req| -> Result<$res> { $body })(engine, request)
                }
            }

            operations!(@stateless $kind $ty, $req, $res, |$e, $r| $body);
        )+

        /// Every operation, in the order the bindings list them.
        pub const OPERATIONS: &[OperationInfo] = &[
            $(
                {
                    let extra = Extra { $($field: $value,)* ..DEFAULT };
                    OperationInfo {
                        name: $name,
                        type_name: stringify!($ty),
                        doc: extra.doc,
                        guide_name: extra.guide_name,
                        namespace: extra.namespace,
                        flags: extra.flags,
                        custom: extra.custom,
                        note: extra.note,
                        request_type: stringify!($req),
                        response_type: stringify!($res),
                        request_schema: |g| g.subschema_for::<$req>(),
                        response_schema: |g| g.subschema_for::<$res>(),
                        run_json: operations!(@runner $kind $ty),
                    }
                },
            )+
        ];
    };
    (@stateless engine $ty:ident, $req:ty, $res:ty, |$e:pat_param, $r:pat_param| $body:expr) => {};
    (@stateless alone $ty:ident, $req:ty, $res:ty, |$e:pat_param, $r:pat_param| $body:expr) => {
        impl Stateless for $ty {
            fn run_alone(request: $req) -> Result<$res> {
                let $r = request;
                $body
            }
        }
    };
    (@runner engine $ty:ident) => { super::run_json::<$ty> };
    (@runner alone $ty:ident) => { super::run_json_stateless::<$ty> };
}

/// The authentication operations take the guide's `type` only as `authentication`.
fn only_authentication(kind: Option<&str>) -> Result<()> {
    match kind.map(str::trim) {
        None | Some("" | "authentication") => Ok(()),
        Some(_) => Err(MfaError::invalid("type", "must be authentication")),
    }
}

fn success() -> SuccessResult {
    SuccessResult { success: true }
}

/// The step-up proof of a request's `sessionToken` and `confirmationCode`.
fn proof<'a>(token: &'a Option<SecretString>, code: &'a Option<SecretString>) -> Proof<'a> {
    Proof::new(
        token.as_ref().map(SecretString::expose),
        code.as_ref().map(SecretString::expose),
    )
}

operations! {
    SignUp "sign_up" (SignUpRequest => SignUpResult) {}
        = engine |e, r| e.sign_up(&r.email, r.password.expose(), r.role.as_deref(), &r.context);
    SignIn "sign_in" (SignInRequest => SignInResult) {}
        = engine |e, r| e.sign_in(&r.email, r.password.expose(), &r.context);
    SignOut "sign_out" (SignOutRequest => SuccessResult) { flags: NEEDS_SESSION }
        = engine |e, r| Ok(SuccessResult { success: e.sign_out(r.token.expose(), &r.context)? });
    VerifySession "verify_session" (VerifySessionRequest => SessionInfo) { flags: BRIEF_SESSION }
        = engine |e, r| e.verify_session(r.token.expose());
    VerifyPassword "verify_password" (VerifyPasswordRequest => SuccessResult) {}
        = engine |e, r| e
            .verify_password(
                &r.user_id,
                r.password.expose(),
                r.session_token.as_ref().map(SecretString::expose),
                &r.context,
            )
            .map(|()| success());
    DeleteUser "delete_user" (DeleteUserRequest => SuccessResult) {}
        = engine |e, r| e.delete_user(&r.user_id, &r.context).map(|()| success());
    DeleteAccount "delete_account" (DeleteAccountRequest => SuccessResult) { flags: NEEDS_SESSION }
        = engine |e, r| e
            .delete_account(
                r.session_token.expose(),
                r.password.expose(),
                r.confirmation_code.as_ref().map(SecretString::expose),
                &r.context,
            )
            .map(|()| success());
    ChangePassword "change_password" (ChangePasswordRequest => RevokedSessions) {}
        = engine |e, r| e.change_password(
            &r.user_id,
            r.current_password.expose(),
            r.new_password.expose(),
            proof(&r.session_token, &r.confirmation_code),
            &r.context,
        );
    ChangeEmail "change_email" (ChangeEmailRequest => RevokedSessions) {}
        = engine |e, r| e.change_email(
            &r.user_id,
            &r.new_email,
            r.password.expose(),
            proof(&r.session_token, &r.confirmation_code),
            &r.context,
        );
    ListSessions "list_sessions" (ListSessionsRequest => Vec<SessionSummary>) {}
        = engine |e, r| e.list_sessions(&r.user_id, r.session_token.as_ref().map(SecretString::expose));
    RevokeSession "revoke_session" (RevokeSessionRequest => SuccessResult) {}
        = engine |e, r| e.revoke_session(&r.user_id, &r.session_id, &r.context).map(|()| success());
    RevokeOtherSessions "revoke_other_sessions" (RevokeOtherSessionsRequest => RevokedSessions) {
        flags: NEEDS_SESSION
    } = engine |e, r| e.revoke_other_sessions(r.session_token.expose(), &r.context);
    RevokeUserSessions "revoke_user_sessions" (RevokeUserSessionsRequest => RevokedSessions) {}
        = engine |e, r| e.revoke_user_sessions(&r.user_id, &r.context);
    Authorize "authorize" (AuthorizeRequest => Authorization) { flags: NEEDS_SESSION }
        = engine |e, r| e.authorize(r.session_token.expose(), &r.operation);
    GetUser "get_user" (GetUserRequest => User) {}
        = engine |e, r| e.get_user(&r.user_id);
    EnableMfa "enable_mfa" (EnableMfaRequest => EnableMfaResult) {
        guide_name: Some("enableMFA"), flags: SENDS_CODE
    } = engine |e, r| e.enable_mfa(&r);
    VerifyMfa "verify_mfa" (VerifyMfaRequest => VerifyMfaResult) {
        guide_name: Some("verifyMFA"),
        flags: BRIEF,
    } = engine |e, r| e.verify_mfa(&r);
    GetMfaStatus "get_mfa_status" (GetMfaStatusRequest => MfaStatus) {
        guide_name: Some("getMFAStatus"),
        flags: BRIEF,
    } = engine |e, r| e.get_mfa_status(&r.user_id);
    DisableMfa "disable_mfa" (DisableMfaRequest => DisableMfaResult) {
        guide_name: Some("disableMFA")
    } = engine |e, r| e.disable_mfa(
        &r.user_id,
        r.password.as_ref().map(SecretString::expose),
        r.confirmation_code.expose(),
        r.session_token.as_ref().map(SecretString::expose),
        &r.context,
    );
    RegenerateBackupCodes "regenerate_mfa_backup_codes" (RegenerateBackupCodesRequest => BackupCodes) {
        guide_name: Some("regenerateMFABackupCodes")
    } = engine |e, r| e.regenerate_backup_codes(
        &r.user_id,
        r.count.map(i64::from),
        proof(&r.session_token, &r.confirmation_code),
        &r.context,
    );
    RemoveFactor "remove_factor" (RemoveFactorRequest => RemoveFactorResult) {}
        = engine |e, r| e.remove_factor(
            &r.user_id,
            &r.factor_id,
            r.password.as_ref().map(SecretString::expose),
            proof(&r.session_token, &r.confirmation_code),
            &r.context,
        );
    RestoreFactors "restore_factors" (RestoreFactorsRequest => SuccessResult) {}
        = engine |e, r| e.restore_factors(&r.user_id, &r.context).map(|()| success());
    ListAuditEvents "list_audit_events" (ListAuditEventsRequest => Vec<AuditEvent>) {}
        = engine |e, r| e.list_audit_events(&r.user_id, r.since.map(|t| t.0), r.limit);
    RequireRecentMfa "require_recent_mfa" (RequireRecentMfaRequest => SuccessResult) {
        flags: NEEDS_SESSION
    } = engine |e, r| e.require_recent_mfa(r.token.expose(), r.max_age).map(|()| success());
    GetFallbackMethods "get_fallback_methods" (GetFallbackMethodsRequest => Vec<String>) {}
        = engine |e, r| e.get_fallback_methods(&r.user_id, &r.failed_method);
    ShouldRequireMfa "should_require_mfa" (ShouldRequireMfaRequest => bool) {
        flags: Flags { quick: true, ..DEFAULT.flags }
    } = engine |_e, r| policy::should_require_mfa(&r.level, r.role.as_deref().unwrap_or(""));
    Configure "configure" (ConfigureRequest => ConfigureResult) {
        namespace: Namespace::Mfa,
        custom: Custom { python: true, ..DEFAULT.custom },
        note: Some("Python writes configure() by hand: it merges keyword arguments and replays the \
            options when a fork()ed child opens its own engine.")
    } = engine |e, r| e.configure(&r.options.0);
    RotateKey "rotate_key" (RotateKeyRequest => RotateKeyResult) {}
        = engine |e, r| {
            let old = SecretKey::parse(r.old_key.expose())
                .map_err(|_| MfaError::invalid("oldKey", "must be 32 bytes as 64 hex digits or base64"))?;
            let new = SecretKey::parse(r.new_key.expose())
                .map_err(|_| MfaError::invalid("newKey", "must be 32 bytes as 64 hex digits or base64"))?;
            let resealed = e.rotate_key(&old, &new)?;
            Ok(RotateKeyResult { success: true, resealed: u64::try_from(resealed).unwrap_or(u64::MAX) })
        };
    GetRollout "get_rollout" (GetRolloutRequest => RolloutStatus) {}
        = engine |e, r| e.get_rollout(r.user_id.as_deref());
    SetRollout "set_rollout" (SetRolloutRequest => RolloutStatus) {}
        = engine |e, r| e.set_rollout(&r);
    RequireEnrollment "require_enrollment" (RequireEnrollmentRequest => MfaEnrollment) {}
        = engine |e, r| e.require_enrollment(&r.user_id, r.required, &r.context);
    EnforceRollout "enforce_rollout" (EnforceRolloutRequest => EnforceRolloutResult) {}
        = engine |e, r| e.enforce_rollout(r.after.as_deref(), r.max_users, &r.context);
    GetRolloutStats "get_rollout_stats" (GetRolloutStatsRequest => RolloutStats) {}
        = engine |e, r| e.get_rollout_stats(r.days);
    ImportUsers "import_users" (ImportUsersRequest => ImportReport) {}
        = engine |e, r| e.import_users(&r);
    UnlockUser "unlock_user" (UnlockUserRequest => AdminResult) {}
        = engine |e, r| e.unlock_user(&r.user_id, &r.reason, &r.context);
    ResetMfa "reset_mfa" (ResetMfaRequest => AdminResult) {}
        = engine |e, r| e.reset_mfa(&r.user_id, &r.reason, &r.context);
    ExportAudit "export_audit" (ExportAuditRequest => Vec<AuditEvent>) {}
        = engine |e, r| e.export_audit(r.since.map(|t| t.0), r.after_id, r.limit);
    VerifyAudit "verify_audit" (VerifyAuditRequest => AuditVerification) {}
        = engine |e, r| e.verify_audit(r.anchor.as_deref());
    RequestNewCode "request_new_code" (RequestNewCodeRequest => RequestCodeResult) {
        guide_name: Some("requestNewCode"), namespace: Namespace::Mfa, flags: SENDS_CODE
    } = engine |e, r| e.request_new_code(
        r.session_id.as_deref(),
        r.user_id.as_deref(),
        &r.method,
        &r.context,
    );
    StartPushChallenge "push_challenge" (PushChallengeRequest => PushChallenge) {
        namespace: Namespace::Mfa, flags: Flags { sends_code: true, needs_session: true, ..DEFAULT.flags }
    } = engine |e, r| e.push_challenge(&r);
    GetPushStatus "push_status" (PushStatusRequest => PushStatus) {
        namespace: Namespace::Mfa, flags: NEEDS_SESSION
    } = engine |e, r| e.push_status(&r);
    RegisterPushDevice "register_push_device" (RegisterPushDeviceRequest => PushRegistration) {
        namespace: Namespace::Mfa
    } = engine |e, r| e.register_push_device(&r);
    GetPendingPushes "push_pending" (PushPendingRequest => PushPending) {
        namespace: Namespace::Mfa
    } = engine |e, r| e.push_pending(&r);
    RespondToPush "push_respond" (PushRespondRequest => PushAnswerResult) {
        namespace: Namespace::Mfa
    } = engine |e, r| e.push_respond(&r);
    PushPhoneKeyOp "push_phone_key" (PushPhoneKeyRequest => PushPhoneKey) {
        namespace: Namespace::Authenticator,
        flags: Flags { stateless: true, quick: true, ..DEFAULT.flags },
        custom: Custom { uniffi: true, ..DEFAULT.custom },
        note: Some(PHONE_NOTE)
    } = alone |_e, _r| push::phone::software::new_key();
    ParsePushEnrollment "parse_push_enrollment" (ParsePushEnrollmentRequest => push::EnrollmentUri) {
        namespace: Namespace::Authenticator,
        flags: Flags { stateless: true, quick: true, ..DEFAULT.flags },
        custom: Custom { uniffi: true, ..DEFAULT.custom },
        note: Some(PHONE_NOTE)
    } = alone |_e, r| push::EnrollmentUri::parse(&r.uri);
    PushRegistrationMessage "push_registration" (PushRegistrationRequest => SignedPushMessage) {
        namespace: Namespace::Authenticator,
        flags: Flags { stateless: true, quick: true, ..DEFAULT.flags },
        custom: Custom { uniffi: true, ..DEFAULT.custom },
        note: Some(PHONE_NOTE)
    } = alone |_e, r| push::phone::software::registration(&r);
    PinPushServerKey "pin_push_server_key" (PinPushServerKeyRequest => PinnedPushServerKey) {
        namespace: Namespace::Authenticator,
        flags: Flags { stateless: true, quick: true, ..DEFAULT.flags },
        custom: Custom { uniffi: true, ..DEFAULT.custom },
        note: Some(PHONE_NOTE)
    } = alone |_e, r| push::phone::software::pin(&r);
    PushPollMessage "push_poll" (PushPollRequest => SignedPushMessage) {
        namespace: Namespace::Authenticator,
        flags: Flags { stateless: true, quick: true, ..DEFAULT.flags },
        custom: Custom { uniffi: true, ..DEFAULT.custom },
        note: Some(PHONE_NOTE)
    } = alone |_e, r| push::phone::software::poll(&r);
    OpenPushChallenge "open_push_challenge" (OpenPushChallengeRequest => push::ChallengeClaims) {
        namespace: Namespace::Authenticator,
        flags: Flags { stateless: true, quick: true, ..DEFAULT.flags },
        custom: Custom { uniffi: true, ..DEFAULT.custom },
        note: Some(PHONE_NOTE)
    } = alone |_e, r| push::phone::software::open(&r);
    PushAnswerMessage "push_answer" (PushAnswerRequest => SignedPushMessage) {
        namespace: Namespace::Authenticator,
        flags: Flags { stateless: true, quick: true, ..DEFAULT.flags },
        custom: Custom { uniffi: true, ..DEFAULT.custom },
        note: Some(PHONE_NOTE)
    } = alone |_e, r| push::phone::software::answer(&r);
    PasskeyRegistrationOptions "get_passkey_registration_options" (PasskeyOptionsRequest => PasskeyOptions) {
        guide_name: Some("getPasskeyRegistrationOptions")
    }
        = engine |e, r| e.passkey_options(&r);
    VerifyPasskeyRegistration "verify_passkey_registration" (VerifyPasskeyRequest => VerifyMfaResult) {
        guide_name: Some("verifyPasskeyRegistration")
    }
        = engine |e, r| e.verify_passkey(&r);
    PasskeyAuthenticationOptions "get_passkey_authentication_options" (PasskeyAuthenticationOptionsRequest => PasskeyOptions) {
        flags: NEEDS_SESSION
    } = engine |e, r| {
        only_authentication(r.kind.as_deref())?;
        e.passkey_authentication_options(&r.session_id, &r.context)
    };
    VerifyPasskeyAuthentication "verify_passkey_authentication" (VerifyPasskeyAuthenticationRequest => VerifyMfaResult) {
        flags: NEEDS_SESSION
    } = engine |e, r| {
        only_authentication(r.kind.as_deref())?;
        let credential = r
            .credential
            .or(r.assertion)
            .filter(|c| !c.0.is_null())
            .ok_or_else(|| MfaError::invalid("credential", "is required"))?;
        e.verify_passkey_authentication(&r.challenge_id, &credential.0, r.session_id.as_deref(), &r.context)
    };
    ListPasskeys "list_passkeys" (ListPasskeysRequest => Vec<PasskeyInfo>) {}
        = engine |e, r| e.list_passkeys(&r.user_id);
    RenamePasskey "rename_passkey" (RenamePasskeyRequest => SuccessResult) {}
        = engine |e, r| e
            .rename_passkey(
                &r.user_id,
                &r.credential_id,
                &r.name,
                proof(&r.session_token, &r.confirmation_code),
                &r.context,
            )
            .map(|()| success());
    RemovePasskey "remove_passkey" (RemovePasskeyRequest => RemoveFactorResult) {}
        = engine |e, r| e.remove_passkey(
            &r.user_id,
            &r.credential_id,
            r.password.as_ref().map(SecretString::expose),
            proof(&r.session_token, &r.confirmation_code),
            &r.context,
        );
    ParseOtpauthUri "parse_otpauth_uri" (ParseOtpauthUriRequest => authenticator::OtpAccount) {
        namespace: Namespace::Authenticator,
        flags: Flags { stateless: true, quick: true, ..DEFAULT.flags },
        custom: Custom { uniffi: true, ..DEFAULT.custom },
        note: Some("The phone library writes the authenticator functions by hand, with positional \
            arguments and its vault of accounts.")
    } = alone |_e, r| authenticator::OtpAccount::parse_uri(&r.uri);
    AuthenticatorCode "authenticator_code" (AuthenticatorCodeRequest => authenticator::AuthenticatorCode) {
        namespace: Namespace::Authenticator,
        flags: Flags { stateless: true, quick: true, ..DEFAULT.flags },
        custom: Custom { uniffi: true, ..DEFAULT.custom },
        note: Some("The phone library writes the authenticator functions by hand, with positional \
            arguments and its vault of accounts.")
    } = alone |_e, r| authenticator::code_for_uri(&r.uri, r.time.map(|t| t.0));
}
