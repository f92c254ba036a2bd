// Files through the official SDK, unchanged: upload with FormData (and with File values in a plain object,
// which the SDK sends as multipart with @jsonPayload), read back by pb.files.getURL, a thumbnail's pixel size,
// append/remove modifiers, download=1, and a protected file read with pb.files.getToken().
// env: SU_EMAIL, SU_PASSWORD, PNG_B64 (an 80x40 PNG)
import PocketBase from "pocketbase";
import { scenario } from "./lib/harness.mjs";

// width and height from a PNG's IHDR chunk (bytes 16..23, big-endian)
function pngSize(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signature = [0x89, 0x50, 0x4e, 0x47];
  if (!signature.every((b, i) => bytes[i] === b)) throw new Error("not a PNG");
  return [view.getUint32(16), view.getUint32(20)];
}

async function get(url) {
  const response = await fetch(url);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, bytes, headers: response.headers };
}

const text = (bytes) => new TextDecoder().decode(bytes);

await scenario(async (pb, env) => {
  await pb.collection("_superusers").authWithPassword(env.SU_EMAIL, env.SU_PASSWORD);
  const png = Uint8Array.from(Buffer.from(env.PNG_B64, "base64"));

  const users = await pb.collections.getOne("users");
  await pb.collections.create({
    name: "sdk_files",
    listRule: "owner = @request.auth.id",
    viewRule: "owner = @request.auth.id",
    createRule: "@request.auth.id != ''",
    updateRule: "owner = @request.auth.id",
    fields: [
      { name: "title", type: "text" },
      { name: "owner", type: "relation", collectionId: users.id },
      { name: "image", type: "file", mimeTypes: ["image/png"], thumbs: ["40x20", "20x0"] },
      { name: "attachments", type: "file", maxSelect: 3 },
      { name: "secret", type: "file", protected: true },
    ],
  });
  const user = await pb.collection("users").create({ email: "sdk-files@example.com", password: "Sdk-Files-1234", passwordConfirm: "Sdk-Files-1234" });
  const other = await pb.collection("users").create({ email: "sdk-other@example.com", password: "Sdk-Files-1234", passwordConfirm: "Sdk-Files-1234" });

  const me = new PocketBase(env.PB_URL);
  await me.collection("users").authWithPassword("sdk-files@example.com", "Sdk-Files-1234");
  const stranger = new PocketBase(env.PB_URL);
  await stranger.collection("users").authWithPassword("sdk-other@example.com", "Sdk-Files-1234");

  // 1. FormData, as a browser form would send it
  const form = new FormData();
  form.append("title", "with files");
  form.append("owner", user.id);
  form.append("image", new Blob([png], { type: "image/png" }), "Photo Of Me.png");
  form.append("attachments", new Blob(["first attachment"], { type: "text/plain" }), "a.txt");
  form.append("attachments", new Blob(["second attachment"], { type: "text/plain" }), "b.txt");
  form.append("secret", new Blob(["top secret"], { type: "text/plain" }), "secret.txt");
  const record = await me.collection("sdk_files").create(form);

  const imageURL = me.files.getURL(record, record.image);
  const original = await get(imageURL);
  const thumb = await get(me.files.getURL(record, record.image, { thumb: "40x20" }));
  const ratioThumb = await get(me.files.getURL(record, record.image, { thumb: "20x0" }));
  const defaultThumb = await get(me.files.getURL(record, record.image, { thumb: "100x100" }));
  const notAllowed = await get(me.files.getURL(record, record.image, { thumb: "33x33" }));
  const attachment = await get(me.files.getURL(record, record.attachments[1], { download: true }));

  // 2. a plain object with File values: the SDK turns it into multipart with an @jsonPayload part
  const fromObject = await me.collection("sdk_files").create({
    title: "from an object",
    owner: user.id,
    attachments: [new File(["object file"], "object.txt", { type: "text/plain" })],
  });
  const objectFile = await get(me.files.getURL(fromObject, fromObject.attachments[0]));

  // 3. modifiers: append one, remove one
  const appended = await me.collection("sdk_files").update(record.id, { "attachments+": new File(["third"], "c.txt") });
  const removed = await me.collection("sdk_files").update(record.id, { "attachments-": [record.attachments[0]] });
  const removedFile = await get(me.files.getURL(record, record.attachments[0]));

  // 4. the protected file: nothing without a token, the owner's file token works, a stranger's does not
  const secretURL = me.files.getURL(record, record.secret);
  const withoutToken = await get(secretURL);
  const token = await me.files.getToken();
  const withToken = await get(me.files.getURL(record, record.secret, { token }));
  const strangerToken = await stranger.files.getToken();
  const withStrangerToken = await get(me.files.getURL(record, record.secret, { token: strangerToken }));
  let guestToken;
  try {
    await new PocketBase(env.PB_URL).files.getToken();
  } catch (error) {
    guestToken = error.status;
  }

  return {
    names: { image: record.image, attachments: record.attachments, secret: record.secret },
    imageURL,
    original: { status: original.status, same: Buffer.compare(Buffer.from(original.bytes), Buffer.from(png)) === 0, type: original.headers.get("content-type"), disposition: original.headers.get("content-disposition") },
    thumb: { status: thumb.status, size: pngSize(thumb.bytes), disposition: thumb.headers.get("content-disposition") },
    ratioThumb: pngSize(ratioThumb.bytes),
    defaultThumb: pngSize(defaultThumb.bytes),
    notAllowed: pngSize(notAllowed.bytes),
    attachment: { text: text(attachment.bytes), disposition: attachment.headers.get("content-disposition") },
    objectFile: { name: fromObject.attachments[0], text: text(objectFile.bytes), title: fromObject.title },
    appended: appended.attachments,
    removed: removed.attachments,
    removedFileStatus: removedFile.status,
    secret: {
      withoutToken: withoutToken.status,
      withToken: { status: withToken.status, text: text(withToken.bytes) },
      withStrangerToken: withStrangerToken.status,
      guestToken,
      tokenParts: token.split(".").length,
    },
  };
});
