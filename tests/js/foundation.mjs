// Superuser sign-in through the SDK, then the auth store's view of it and the health check.
// env: SU_EMAIL, SU_PASSWORD
import { scenario } from "./lib/harness.mjs";

await scenario(async (pb, env) => {
  await pb.collection("_superusers").authWithPassword(env.SU_EMAIL, env.SU_PASSWORD);
  return {
    isSuperuser: pb.authStore.isSuperuser,
    isValid: pb.authStore.isValid,
    recordEmail: pb.authStore.record?.email,
    health: await pb.health.check(),
  };
});
