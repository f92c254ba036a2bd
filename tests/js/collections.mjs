// Every pb.collections.* call of the JS SDK against a live server, with records written and read back
// around the schema changes. env: SU_EMAIL, SU_PASSWORD
import { scenario } from "./lib/harness.mjs";

async function failure(promise) {
  try {
    await promise;
    return null;
  } catch (error) {
    return { status: error.status, data: error.response?.data ?? null, message: error.response?.message };
  }
}

await scenario(async (pb, env) => {
  await pb.collection("_superusers").authWithPassword(env.SU_EMAIL, env.SU_PASSWORD);
  const out = {};

  const scaffolds = await pb.collections.getScaffolds();
  out.scaffoldTypes = Object.keys(scaffolds);
  out.authScaffoldFields = scaffolds.auth.fields.map((f) => f.name);

  // create: a base collection with one field of every type, an auth collection and a view
  const posts = await pb.collections.create({
    name: "sdk_posts",
    listRule: "",
    viewRule: "",
    createRule: "",
    fields: [
      { name: "title", type: "text", required: true },
      { name: "n", type: "number" },
      { name: "ok", type: "bool" },
      { name: "mail", type: "email" },
      { name: "site", type: "url" },
      { name: "body", type: "editor" },
      { name: "when", type: "date" },
      { name: "created", type: "autodate", onCreate: true },
      { name: "tag", type: "select", values: ["a", "b", "c"] },
      { name: "doc", type: "file" },
      { name: "owner", type: "relation", collectionId: "_pb_users_auth_" },
      { name: "meta", type: "json" },
      { name: "secret", type: "password" },
      { name: "loc", type: "geoPoint" },
    ],
    indexes: ["CREATE INDEX idx_sdk_posts_title ON sdk_posts (title)"],
  });
  out.createdFields = posts.fields.map((f) => `${f.name}:${f.type}`);
  const members = await pb.collections.create({ name: "sdk_members", type: "auth" });
  out.membersIndexes = members.indexes.length;
  const view = await pb.collections.create({
    name: "sdk_titles",
    type: "view",
    listRule: "",
    viewQuery: "SELECT id, title, n FROM sdk_posts",
  });
  out.viewFields = view.fields.map((f) => `${f.name}:${f.type}`);

  // records before the changes
  const written = await pb.collection("sdk_posts").create({
    title: "hello", n: 5, ok: true, tag: "b", meta: { k: [1, 2] }, loc: { lon: 1.5, lat: 2.5 },
  });

  // reads
  const page = await pb.collections.getList(1, 2, { filter: "name ~ 'sdk_'", sort: "name" });
  out.page = { items: page.items.map((c) => c.name), totalItems: page.totalItems, perPage: page.perPage };
  out.fullList = (await pb.collections.getFullList({ filter: "system = false", sort: "-name" })).map((c) => c.name);
  out.firstItem = (await pb.collections.getFirstListItem("type = 'view'")).name;
  out.getOneById = (await pb.collections.getOne(posts.id)).name;
  out.fieldsParam = Object.keys((await pb.collections.getList(1, 1, { fields: "id,name" })).items[0]).sort();

  // update: rename a field, switch single -> multiple, add a field; the record keeps its data
  const fields = posts.fields.map((f) => {
    if (f.name === "title") return { ...f, name: "heading" };
    if (f.name === "tag") return { ...f, maxSelect: 3 };
    return f;
  });
  fields.push({ name: "extra", type: "number" });
  const updated = await pb.collections.update("sdk_posts", { fields, indexes: [] });
  out.updatedFieldIds = updated.fields.map((f) => f.id).join() === [...posts.fields.map((f) => f.id), updated.fields.at(-1).id].join();
  const readBack = await pb.collection("sdk_posts").getOne(written.id);
  out.readBack = { heading: readBack.heading, n: readBack.n, ok: readBack.ok, tag: readBack.tag, meta: readBack.meta, loc: readBack.loc, extra: readBack.extra };
  out.viewAfterRename = (await pb.collection("sdk_titles").getFullList()).map((r) => r.n);

  const renamed = await pb.collections.update(posts.id, { name: "sdk_articles" });
  out.renamed = renamed.name;
  out.recordAfterRename = (await pb.collection("sdk_articles").getOne(written.id)).heading;

  // dry run
  const dry = await pb.collections.dryRunViewQuery("SELECT id, heading FROM sdk_articles");
  out.dryRun = { fields: dry.fields.map((f) => f.name), sample: dry.sample.map((r) => r.heading) };

  // import (without deleting anything), then truncate and delete
  out.imported = await pb.collections.import(
    [{ name: "sdk_imported", fields: [{ name: "t", type: "text" }], listRule: "" }],
    false,
  );
  out.importedFields = (await pb.collections.getOne("sdk_imported")).fields.map((f) => f.name);
  out.truncated = await pb.collections.truncate("sdk_articles");
  out.afterTruncate = (await pb.collection("sdk_articles").getList()).totalItems;
  out.deleteView = await pb.collections.delete("sdk_titles");
  out.deleted = await pb.collections.delete("sdk_imported");
  out.missing = await failure(pb.collections.getOne("sdk_imported"));

  // errors come back as ClientResponseError with PocketBase's data
  out.badName = await failure(pb.collections.create({ name: "bad name!" }));
  out.referenced = await failure(pb.collections.delete("users"));
  out.systemDelete = await failure(pb.collections.delete("_superusers"));

  // a regular user is refused
  await pb.collection("users").create({ email: "sdk-user@example.com", password: "Sdk-User-Pass1", passwordConfirm: "Sdk-User-Pass1" });
  await pb.collection("users").authWithPassword("sdk-user@example.com", "Sdk-User-Pass1");
  out.asUser = await failure(pb.collections.getList());
  pb.authStore.clear();
  out.asGuest = await failure(pb.collections.getList());
  return out;
});
