// OAuth2 through the official SDK against a live baas and the tests' OpenID Connect provider (which signs
// in whoever the Python test chose, without a consent screen). The script plays the browser:
//   1. listAuthMethods -> open the consent page -> read `code` from the provider's redirect ->
//      authWithOAuth2Code (a sign-up: mapped name, avatar downloaded, createData applied);
//   2. the all-in-one authWithOAuth2 flow: the SDK subscribes to realtime `@oauth2`, the "popup" follows
//      the provider's redirect to /api/oauth2-redirect, which hands the code to the SDK (a sign-in);
//   3. the linked accounts through `_externalAuths`, unlinking, and a bad code.
// env: PB_URL, REDIRECT_URL (for step 1)
import { scenario } from "./lib/harness.mjs";

async function failure(promise) {
  try {
    await promise;
    return null;
  } catch (error) {
    return { status: error?.status, message: error?.response?.message };
  }
}

await scenario(async (pb, env) => {
  const users = pb.collection("users");

  // 1. the code flow, with a redirect URL of the app's own
  const methods = await users.listAuthMethods();
  const oidc = methods.oauth2.providers.find((provider) => provider.name === "oidc");
  const consent = await fetch(oidc.authURL + env.REDIRECT_URL, { redirect: "manual" });
  const code = new URL(consent.headers.get("location")).searchParams.get("code");
  const signUp = await users.authWithOAuth2Code("oidc", code, oidc.codeVerifier, env.REDIRECT_URL, {
    emailVisibility: true,
  });
  const avatar = await fetch(pb.files.getURL(signUp.record, signUp.record.avatar));

  // 2. the all-in-one flow over realtime
  pb.authStore.clear();
  const popup = [];
  const signIn = await users.authWithOAuth2({
    provider: "oidc",
    urlCallback: async (url) => {
      const atProvider = await fetch(url, { redirect: "manual" });
      const atBaas = await fetch(atProvider.headers.get("location"), { redirect: "manual" });
      popup.push(
        { status: atProvider.status, to: new URL(atProvider.headers.get("location")).pathname },
        { status: atBaas.status, to: atBaas.headers.get("location") },
      );
    },
  });

  // 3. linked accounts
  const links = await pb.collection("_externalAuths").getFullList();
  const unlinked = await users.unlinkExternalAuth(signIn.record.id, "oidc");
  const linksAfter = await pb.collection("_externalAuths").getFullList();
  const badCode = await failure(users.authWithOAuth2Code("oidc", "not-a-code", oidc.codeVerifier, env.REDIRECT_URL));
  const unknown = await failure(users.authWithOAuth2Code("nope", "x", "", env.REDIRECT_URL));

  return {
    providers: methods.oauth2.providers.map((provider) => provider.name),
    pkce: [oidc.codeChallengeMethod, oidc.codeVerifier.length, oidc.authURL.endsWith("redirect_uri=")],
    signUp: {
      isNew: signUp.meta.isNew,
      email: signUp.record.email,
      name: signUp.record.name,
      verified: signUp.record.verified,
      emailVisibility: signUp.record.emailVisibility,
      metaKeys: Object.keys(signUp.meta).sort(),
      avatar: [avatar.status, avatar.headers.get("content-type")],
    },
    signIn: {
      sameRecord: signIn.record.id === signUp.record.id,
      isNew: signIn.meta.isNew,
      stored: pb.authStore.isValid && pb.authStore.record?.id === signUp.record.id,
      popup,
    },
    links: links.map((link) => [link.provider, link.providerId, link.recordRef === signUp.record.id]),
    unlinked,
    linksAfter: linksAfter.length,
    badCode,
    unknown,
  };
});
