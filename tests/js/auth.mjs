// Sign-up, email verification, sign-in, refresh and a password change through the official SDK.
// Runs in two steps, because the verification token arrives by email (read by the Python test):
//   STEP=signup  env: EMAIL, PASSWORD           -> {id}
//   STEP=verify  env: EMAIL, PASSWORD, NEW_PASSWORD, TOKEN
//                -> {verified, refreshedSameRecord, oldTokenStatus, newTokenWorks, oldPasswordStatus, otp...}
import { scenario } from "./lib/harness.mjs";

async function status(promise) {
  try {
    await promise;
    return 200;
  } catch (error) {
    return error?.status ?? -1;
  }
}

await scenario(async (pb, env) => {
  const users = pb.collection("users");
  if (env.STEP === "signup") {
    const record = await users.create({ email: env.EMAIL, password: env.PASSWORD, passwordConfirm: env.PASSWORD, name: "SDK" });
    await users.requestVerification(env.EMAIL);
    return { id: record.id, emailHidden: record.email === undefined };
  }

  await users.confirmVerification(env.TOKEN);
  const auth = await users.authWithPassword(env.EMAIL, env.PASSWORD);
  const oldToken = pb.authStore.token;
  const refreshed = await users.authRefresh();

  await users.update(auth.record.id, {
    oldPassword: env.PASSWORD,
    password: env.NEW_PASSWORD,
    passwordConfirm: env.NEW_PASSWORD,
  });

  // the old token (and the refreshed one, issued before the change) no longer authenticate
  pb.authStore.save(oldToken, auth.record);
  const oldTokenStatus = await status(users.authRefresh());
  pb.authStore.clear();
  const oldPasswordStatus = await status(users.authWithPassword(env.EMAIL, env.PASSWORD));
  const again = await users.authWithPassword(env.EMAIL, env.NEW_PASSWORD);
  const newTokenWorks = (await users.getOne(again.record.id)).id === again.record.id;

  return {
    verified: auth.record.verified,
    email: auth.record.email,
    refreshedSameRecord: refreshed.record.id === auth.record.id && pb.authStore.isValid,
    oldTokenStatus,
    oldPasswordStatus,
    newTokenWorks,
    isSuperuser: pb.authStore.isSuperuser,
  };
});
