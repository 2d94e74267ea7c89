// The stand-in's Supabase Auth configuration: GoTrue's settings as `supabase start` sets
// them (supabase/config.toml), and what GET /settings tells clients about them.

export interface AuthStandInSettings {
  /** GoTrue's JWT.Aud: the audience of users and of their tokens. */
  audience: string;
  /** The role of new users ("authenticated", as Supabase's GoTrue gives them). */
  defaultRole: string;
  /** GoTrue's JWT.AdminRoles: bearer roles allowed on the admin API. */
  adminRoles: readonly string[];
  minimumPasswordLength: number;
  bcryptCost: number;
  /** How long a rotated refresh token may still be used. */
  refreshTokenReuseIntervalSeconds: number;
  /** Refuse requests without a valid `apikey`, as hosted Supabase's gateway does. */
  requireApiKey: boolean;
  /**
   * Mailer.SecureEmailChangeEnabled (`double_confirm_changes = true` in config.toml): an
   * email change waits for a confirmation from the current address as well as the new one.
   */
  doubleConfirmEmailChanges: boolean;
}

export interface AuthStandInSettingsInput {
  /** GoTrue raises anything below 6 to 6. */
  minimumPasswordLength?: number;
  /** bcrypt cost for new passwords (GoTrue: 10; tests may pass 4, the minimum). */
  bcryptCost?: number;
  /** GoTrue's default: 10 s. */
  refreshTokenReuseIntervalSeconds?: number;
  /** Default true. */
  requireApiKey?: boolean;
}

export function resolveSettings(input: AuthStandInSettingsInput): AuthStandInSettings {
  const bcryptCost = input.bcryptCost ?? 10;
  if (!Number.isInteger(bcryptCost) || bcryptCost < 4 || bcryptCost > 31) throw new Error(`bcryptCost must be an integer from 4 to 31, not ${bcryptCost}`);
  return {
    audience: "authenticated",
    defaultRole: "authenticated",
    adminRoles: ["service_role", "supabase_admin"],
    minimumPasswordLength: Math.max(input.minimumPasswordLength ?? 6, 6),
    bcryptCost,
    refreshTokenReuseIntervalSeconds: input.refreshTokenReuseIntervalSeconds ?? 10,
    requireApiKey: input.requireApiKey ?? true,
    doubleConfirmEmailChanges: true,
  };
}

// GET /settings of a `supabase start` project with email sign-ups confirmed at once.
export const publicSettings = {
  external: Object.fromEntries(
    [
      "anonymous_users", "apple", "azure", "bitbucket", "discord", "facebook", "snapchat", "figma", "fly", "github", "gitlab",
      "google", "keycloak", "kakao", "linkedin", "linkedin_oidc", "notion", "spotify", "slack", "slack_oidc", "workos",
      "twitch", "twitter", "email", "phone", "zoom",
    ].map((provider) => [provider, provider === "email"]),
  ),
  disable_signup: false,
  mailer_autoconfirm: true,
  phone_autoconfirm: false,
  sms_provider: "",
  saml_enabled: false,
  saml_private_key_next_configured: false,
  passkeys_enabled: false,
};
