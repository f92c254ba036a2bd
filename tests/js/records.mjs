// The records API through the official SDK, unchanged: list/full list/first item (and its synthetic 404),
// getOne, create, update, delete, expand and createBatch().send().
// env: SU_EMAIL, SU_PASSWORD
import { scenario } from "./lib/harness.mjs";

async function failure(promise) {
  try {
    await promise;
    return null;
  } catch (error) {
    return { status: error.status, response: error.response };
  }
}

await scenario(async (pb, env) => {
  await pb.collection("_superusers").authWithPassword(env.SU_EMAIL, env.SU_PASSWORD);
  await pb.settings.update({ batch: { enabled: true, maxRequests: 50, timeout: 3, maxBodySize: 0 } });
  const open = { listRule: "", viewRule: "", createRule: "", updateRule: "", deleteRule: "" };
  const authors = await pb.collections.create({ name: "sdk_authors", fields: [{ name: "name", type: "text" }], ...open });
  await pb.collections.create({
    name: "sdk_posts",
    fields: [
      { name: "title", type: "text", required: true },
      { name: "n", type: "number" },
      { name: "author", type: "relation", collectionId: authors.id },
    ],
    ...open,
  });
  const posts = pb.collection("sdk_posts");

  const ann = await pb.collection("sdk_authors").create({ name: "Ann" });
  const created = [];
  for (let n = 1; n <= 5; n++) {
    created.push(await posts.create({ title: `post ${n}`, n, author: ann.id }, { expand: "author", fields: "id,title,n,expand.author.name" }));
  }

  const page = await posts.getList(2, 2, { sort: "n", fields: "title" });
  const full = await posts.getFullList({ sort: "-n", batch: 2, fields: "n" });
  const filtered = await posts.getFullList({ filter: pb.filter("n >= {:min} && title ~ {:t}", { min: 3, t: "post" }), sort: "n" });
  const first = await posts.getFirstListItem("n = 2", { expand: "author" });
  const missingFirst = await failure(posts.getFirstListItem("n = 99"));
  const one = await posts.getOne(created[0].id, { fields: "id,title" });
  const updated = await posts.update(created[0].id, { title: "renamed", "n+": 10 });
  const badUpdate = await failure(posts.update(created[0].id, { title: "" }));
  const deleted = await posts.delete(created[4].id);
  const missingOne = await failure(posts.getOne(created[4].id));

  const batch = pb.createBatch();
  batch.collection("sdk_posts").create({ title: "batched", n: 100 });
  batch.collection("sdk_posts").update(created[1].id, { title: "batch updated" });
  batch.collection("sdk_posts").upsert({ id: created[2].id, title: "batch upserted" });
  batch.collection("sdk_posts").upsert({ id: "sdkupsert000001", title: "batch upsert created" });
  batch.collection("sdk_posts").delete(created[3].id);
  const batchResults = await batch.send();

  const failing = pb.createBatch();
  failing.collection("sdk_posts").create({ title: "never stored" });
  failing.collection("sdk_posts").create({ title: "" });
  const batchFailure = await failure(failing.send());
  const afterBatch = await posts.getFullList({ sort: "n", fields: "title,n" });

  return {
    created: created.map(({ title, n, expand }) => ({ title, n, author: expand?.author?.name })),
    page: { page: page.page, perPage: page.perPage, totalItems: page.totalItems, totalPages: page.totalPages, titles: page.items.map((i) => i.title) },
    full: full.map((item) => item.n),
    filtered: filtered.map((item) => item.title),
    first: { title: first.title, author: first.expand?.author?.name },
    missingFirst,
    one,
    oneId: created[0].id,
    updated: { title: updated.title, n: updated.n },
    badUpdate,
    deleted,
    missingOne,
    batchResults: batchResults.map(({ status, body }) => ({ status, title: body?.title ?? null, id: body?.id ?? null })),
    batchFailure,
    afterBatch,
  };
});
