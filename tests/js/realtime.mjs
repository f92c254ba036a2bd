// Realtime through the official SDK, unchanged, with the `eventsource` polyfill in node: subscribe to a
// collection and to one record (with options), receive create/update/delete, rules per signed-in client,
// unsubscribe; then (RESTART=1) survive a server restart: the SDK reconnects and resubscribes by itself.
// env: SU_EMAIL, SU_PASSWORD, RESTART ("1": print {"phase":"restart"} and wait for the reconnection)
import { client, scenario } from "./lib/harness.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// resolves once `list` holds `count` items (or rejects after `ms`)
async function waitFor(list, count, ms = 10000) {
  const deadline = Date.now() + ms;
  while (list.length < count) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} events, got ${JSON.stringify(list)}`);
    await sleep(20);
  }
  return list;
}

await scenario(async (pb, env) => {
  await pb.collection("_superusers").authWithPassword(env.SU_EMAIL, env.SU_PASSWORD);
  const open = { listRule: "", viewRule: "", createRule: "", updateRule: "", deleteRule: "" };
  const authors = await pb.collections.create({ name: "rt_authors", fields: [{ name: "name", type: "text" }], ...open });
  const owned = "owner = @request.auth.id";
  const users = await pb.collections.getOne("users");
  await pb.collections.create({
    name: "rt_posts",
    fields: [
      { name: "title", type: "text" },
      { name: "author", type: "relation", collectionId: authors.id, maxSelect: 1 },
      { name: "owner", type: "relation", collectionId: users.id, maxSelect: 1 },
    ],
    ...open,
  });
  await pb.collections.create({
    name: "rt_private",
    fields: [{ name: "title", type: "text" }, { name: "owner", type: "relation", collectionId: users.id, maxSelect: 1 }],
    listRule: owned, viewRule: owned, createRule: "", updateRule: "", deleteRule: "",
  });
  const ann = await pb.collection("rt_authors").create({ name: "Ann" });

  // a guest subscriber: the whole collection, with expand; the same collection filtered to two fields
  const guest = client();
  const all = [];
  const picked = [];
  const unsubscribeAll = await guest.collection("rt_posts").subscribe("*", (e) => all.push(e), { expand: "author" });
  await guest.collection("rt_posts").subscribe("*", (e) => picked.push(e), { filter: "title ~ 'keep'", fields: "id,title" });

  const posts = pb.collection("rt_posts");
  const first = await posts.create({ title: "keep one", author: ann.id });
  await posts.create({ title: "drop two", author: ann.id });
  await waitFor(all, 2);
  await waitFor(picked, 1);

  // one record
  const single = [];
  const unsubscribeSingle = await guest.collection("rt_posts").subscribe(first.id, (e) => single.push(e));
  await posts.update(first.id, { title: "keep one, updated" });
  await waitFor(single, 1);
  await posts.delete(first.id);
  await waitFor(single, 2);
  await waitFor(all, 4);
  await waitFor(picked, 3);

  // signed-in subscribers see only their own private records
  const userA = await pb.collection("users").create({ email: "rt-a@example.com", password: "Passw0rd!23", passwordConfirm: "Passw0rd!23" });
  const userB = await pb.collection("users").create({ email: "rt-b@example.com", password: "Passw0rd!23", passwordConfirm: "Passw0rd!23" });
  const asA = client();
  await asA.collection("users").authWithPassword("rt-a@example.com", "Passw0rd!23");
  const asB = client();
  await asB.collection("users").authWithPassword("rt-b@example.com", "Passw0rd!23");
  const seenByA = [];
  const seenByB = [];
  await asA.collection("rt_private").subscribe("*", (e) => seenByA.push(e.record.title));
  await asB.collection("rt_private").subscribe("*", (e) => seenByB.push(e.record.title));
  await pb.collection("rt_private").create({ title: "for A", owner: userA.id });
  await pb.collection("rt_private").create({ title: "for B", owner: userB.id });
  await waitFor(seenByA, 1);
  await waitFor(seenByB, 1);
  await sleep(300);

  // unsubscribing: nothing more arrives, and the connection closes with the last topic
  await unsubscribeSingle();
  await guest.collection("rt_posts").unsubscribe("*");
  const before = all.length + picked.length;
  await posts.create({ title: "keep after unsubscribe" });
  await sleep(500);
  const afterUnsubscribe = { received: all.length + picked.length - before, connected: guest.realtime.isConnected };
  await unsubscribeAll(); // already gone: a no-op

  let restart = null;
  if (env.RESTART === "1") {
    const watcher = client();
    const events = [];
    const connects = [];
    await watcher.realtime.subscribe("PB_CONNECT", (e) => connects.push(e.clientId));
    await watcher.collection("rt_posts").subscribe("*", (e) => events.push(e.record.title));
    await waitFor(connects, 1);
    process.stdout.write(JSON.stringify({ phase: "restart" }) + "\n");
    await waitFor(connects, 2, 60000); // the SDK reconnected and resubmitted its topics
    const admin = client();
    await admin.collection("_superusers").authWithPassword(env.SU_EMAIL, env.SU_PASSWORD);
    await admin.collection("rt_posts").create({ title: "after restart" });
    await waitFor(events, 1);
    restart = { events, newClientId: connects[0] !== connects[1] };
    watcher.realtime.unsubscribe();
  }

  for (const c of [asA, asB]) await c.realtime.unsubscribe();
  return {
    all: all.map((e) => ({ action: e.action, title: e.record.title, author: e.record.expand?.author?.name })),
    picked: picked.map((e) => ({ action: e.action, keys: Object.keys(e.record).sort(), title: e.record.title })),
    single: single.map((e) => ({ action: e.action, title: e.record.title })),
    seenByA,
    seenByB,
    afterUnsubscribe,
    restart,
  };
});
